import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { snapshotFiles } from '../helpers/snapshot.js';

function repo() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  git(dir, env, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), 'secret.txt\n');
  writeFileSync(join(dir, 'train.py'), 'lr = 0.1\n');
  git(dir, env, 'add', '.');
  git(dir, env, 'commit', '-qm', 'code');
  return { dir, env };
}

function tags(dir: string, env: NodeJS.ProcessEnv, runId: string): Record<string, string> {
  const run = JSON.parse(spawnCli(['runs', 'show', runId, '--json'], { cwd: dir, env }).stdout).run;
  return Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
}

describe('lineage', () => {
  it('a clean work tree records the commit and branch; a dirty one also a snapshot of the exact code', async () => {
    const { dir, env } = repo();
    const head = git(dir, env, 'rev-parse', 'HEAD');
    const clean = spawnCli(['start-run'], { cwd: dir, env }).stdout.trim();
    expect(tags(dir, env, clean)).toMatchObject({ 'mlflow.source.git.commit': head, 'mlflow.source.git.branch': 'main', 'mlflow.source.git.dirty': 'false' });
    expect(tags(dir, env, clean)['mltrack.source.snapshot']).toBeUndefined();

    writeFileSync(join(dir, 'train.py'), 'lr = 0.5  # tweaked, not committed\n');
    writeFileSync(join(dir, 'new_feature.py'), 'print("new")\n');
    writeFileSync(join(dir, 'secret.txt'), 'ignored\n');
    const before = { status: git(dir, env, 'status', '--porcelain'), files: snapshotFiles(dir, { skip: (p) => p === '.git' || p === 'mlruns' }), index: readFileSync(join(dir, '.git', 'index')) };
    const started = spawnCli(['start-run'], { cwd: dir, env });
    const dirty = started.stdout.trim();
    expect(started.stderr).toContain('source snapshot: 1 untracked file(s) left out');
    const t = tags(dir, env, dirty);
    expect(t['mlflow.source.git.dirty']).toBe('true');
    const snapshot = t['mltrack.source.snapshot']!;
    expect(snapshot).toMatch(/^[0-9a-f]{40}$/);
    // Nothing of the user's was touched.
    expect(git(dir, env, 'status', '--porcelain')).toBe(before.status);
    expect(readFileSync(join(dir, '.git', 'index')).equals(before.index)).toBe(true);
    expect(snapshotFiles(dir, { skip: (p) => p === '.git' || p === 'mlruns' })).toEqual(before.files);
    expect(git(dir, env, 'rev-parse', 'HEAD')).toBe(head);
    // By default the snapshot holds tracked files' changes only (what `git stash create` takes), on top of HEAD.
    expect(git(dir, env, 'show', `${snapshot}:train.py`)).toBe('lr = 0.5  # tweaked, not committed');
    expect(git(dir, env, 'ls-tree', '--name-only', snapshot).split('\n').sort()).toEqual(['.gitignore', 'train.py']);
    expect(git(dir, env, 'rev-parse', `${snapshot}^`)).toBe(head);

    // The next tracking commit makes it reachable from the branch, so a push carries it.
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    expect(() => git(dir, env, 'merge-base', '--is-ancestor', snapshot, 'mltrack')).not.toThrow();
    const remote = join(dir, '..', `remote-${Date.now()}.git`);
    git(dir, env, 'init', '-q', '--bare', remote);
    git(dir, env, 'remote', 'add', 'origin', remote);
    expect(spawnCli(['push'], { cwd: dir, env }).code).toBe(0);
    expect(git(remote, env, 'cat-file', '-t', snapshot)).toBe('commit');

    // With source_snapshot.untracked, untracked files that are not ignored go in too, each one named on stderr.
    writeFileSync(join(dir, '.mltrack.yml'), 'source_snapshot:\n  untracked: true\n');
    const withUntracked = spawnCli(['start-run'], { cwd: dir, env });
    expect(withUntracked.stderr).toContain('source snapshot: took untracked file new_feature.py');
    const full = tags(dir, env, withUntracked.stdout.trim())['mltrack.source.snapshot']!;
    expect(git(dir, env, 'ls-tree', '--name-only', full).split('\n').sort()).toEqual(['.gitignore', '.mltrack.yml', 'new_feature.py', 'train.py']);

    // checkout-source restores it elsewhere.
    const out = join(tempDir(), 'src');
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['runs', 'checkout-source', withUntracked.stdout.trim(), out], { cwd: dir, env }).code).toBe(0);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('lr = 0.5  # tweaked, not committed\n');
    expect(readFileSync(join(out, 'new_feature.py'), 'utf8')).toBe('print("new")\n');
  });

  it('log-input records a dataset with a content digest that follows the bytes', async () => {
    const { dir, env } = repo();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'train.csv'), 'a,b\n1,2\n');
    const run1 = spawnCli(['start-run'], { cwd: dir, env }).stdout.trim();
    const first = JSON.parse(spawnCli(['log-input', 'data/train.csv', '--run-id', run1, '--json'], { cwd: dir, env }).stdout);
    expect(first).toMatchObject({ name: 'train.csv', context: 'training', source: 'data/train.csv' });
    expect(first.digest).toMatch(/^[0-9a-f]{32}$/);
    writeFileSync(join(dir, 'data', 'train.csv'), 'a,b\n1,3\n');
    const run2 = spawnCli(['start-run'], { cwd: dir, env }).stdout.trim();
    const second = JSON.parse(spawnCli(['log-input', 'data', '--run-id', run2, '--context', 'eval', '--json'], { cwd: dir, env }).stdout);
    expect(second.digest).not.toBe(first.digest);
    const found = JSON.parse(spawnCli(['runs', 'search', `dataset.digest = '${first.digest}'`, '--json'], { cwd: dir, env }).stdout).runs;
    expect(found.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run1]);
    const evalRuns = JSON.parse(spawnCli(['runs', 'search', "dataset.context = 'eval'", '--json'], { cwd: dir, env }).stdout).runs;
    expect(evalRuns.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run2]);
  });
});
