import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { findRepo } from '../../src/git/repo.js';
import { commitTracking } from '../../src/git/trackingCommit.js';
import { openRevision } from '../../src/git/revision.js';
import { BIN, runCli, spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { snapshotFiles } from '../helpers/snapshot.js';

function userRepo() {
  const dir = tempDir();
  const env = isolatedEnv(dir);
  git(dir, env, 'init', '-q');
  writeFileSync(join(dir, 'train.py'), 'print("hi")\n');
  git(dir, env, 'add', 'train.py');
  git(dir, env, 'commit', '-qm', 'code');
  writeFileSync(join(dir, 'train.py'), 'print("dirty")\n'); // a dirty work tree
  writeFileSync(join(dir, 'staged.txt'), 'staged\n');
  git(dir, env, 'add', 'staged.txt');
  return { dir, env };
}

async function logRun(store: FileStore, name: string, finish = true) {
  const run = await store.createRun({ experimentId: '0', userId: 'tester', runName: name });
  await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: '0.1' }] });
  if (finish) await store.setTerminated(run.info.runId);
  return run.info.runId;
}

describe('mltrack commit', () => {
  it('snapshots mlruns onto the tracking branch without touching HEAD, the index or the work tree', async () => {
    const { dir, env } = userRepo();
    const store = new FileStore(join(dir, 'mlruns'));
    const first = await logRun(store, 'first');
    const before = { head: git(dir, env, 'rev-parse', 'HEAD'), status: git(dir, env, 'status', '--porcelain'), files: snapshotFiles(dir, { skip: (p) => p === '.git' }) };
    const index = snapshotFiles(join(dir, '.git'), { skip: (p) => !p.startsWith('index') });

    const commit = spawnCli(['commit', '--json'], { cwd: dir, env });
    expect(commit.stderr).toBe('');
    const result = JSON.parse(commit.stdout);
    expect(result.message).toMatch(/^mltrack: 1 run finished, 1 experiment created\n/);
    expect(result.message).toContain(`Mltrack-Run-Finished: ${first}`);
    expect(git(dir, env, 'rev-parse', 'refs/heads/mltrack')).toBe(result.commit);

    expect(git(dir, env, 'rev-parse', 'HEAD')).toBe(before.head);
    expect(git(dir, env, 'status', '--porcelain')).toBe(before.status);
    expect(snapshotFiles(dir, { skip: (p) => p === '.git' })).toEqual(before.files);
    expect(snapshotFiles(join(dir, '.git'), { skip: (p) => !p.startsWith('index') })).toEqual(index);
    // git itself agrees the objects are sound.
    expect(() => git(dir, env, 'fsck', '--strict', '--no-dangling')).not.toThrow();
    expect(git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack')).toContain(`mlruns/0/${first}/metrics/loss`);

    // Nothing changed: nothing to commit.
    expect(JSON.parse(spawnCli(['commit', '--json'], { cwd: dir, env }).stdout).commit).toBeNull();

    const second = await logRun(store, 'second');
    const next = JSON.parse(spawnCli(['commit', '--json'], { cwd: dir, env }).stdout);
    expect(next.parent).toBe(result.commit);
    expect(next.message).toContain(`Mltrack-Run-Finished: ${second}`);
    expect(next.message).not.toContain(first);
  });

  it('reads any revision from git objects with the same answer as the working tree', async () => {
    const { dir, env } = userRepo();
    const store = new FileStore(join(dir, 'mlruns'));
    const runId = await logRun(store, 'rev-run');
    await commitTracking({ repo: findRepo(dir), mlruns: store.root, branch: 'mltrack' });
    await store.logMetric(runId, { key: 'loss', value: 0.25, timestamp: 2, step: 1 });
    await commitTracking({ repo: findRepo(dir), mlruns: store.root, branch: 'mltrack' });

    const head = await openRevision(findRepo(dir), 'mltrack', store.root);
    expect(await head.view.getRun(runId)).toEqual(await store.getRun(runId));
    const previous = await openRevision(findRepo(dir), 'mltrack~1', store.root);
    expect((await previous.view.getRun(runId)).data.metrics.loss?.value).toBe(0.5);
    expect((await previous.view.getMetricHistory(runId, 'loss')).length).toBe(1);

    const cli = await runCli(['runs', 'search', 'metrics.loss < 0.3', '--rev', 'mltrack~1', '--json'], { cwd: dir, env });
    expect(JSON.parse(cli.stdout).runs).toEqual([]);
    const now = await runCli(['runs', 'search', 'metrics.loss < 0.3', '--rev', 'mltrack', '--json'], { cwd: dir, env });
    expect(JSON.parse(now.stdout).runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
  });

  it('committed meta.yaml files carry no local path; reading them back localises the URIs', async () => {
    const { dir, env } = userRepo();
    const store = new FileStore(join(dir, 'mlruns'));
    const runId = await logRun(store, 'uris');
    await commitTracking({ repo: findRepo(dir), mlruns: store.root, branch: 'mltrack' });
    const committed = git(dir, env, 'show', `mltrack:mlruns/0/${runId}/meta.yaml`);
    expect(committed).toContain(`artifact_uri: file:///.mltrack-root/0/${runId}/artifacts`);
    expect(committed).not.toContain(dir);
    const view = await openRevision(findRepo(dir), 'mltrack', store.root);
    expect((await view.view.getRun(runId)).info.artifactUri).toBe((await store.getRun(runId)).info.artifactUri);
  });

  it('two commits racing each other both land, one on top of the other', async () => {
    const { dir } = userRepo();
    const store = new FileStore(join(dir, 'mlruns'));
    await logRun(store, 'a');
    const repo = findRepo(dir);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first commit stops just before moving the ref; the second lands meanwhile.
    const slow = commitTracking({ repo, mlruns: store.root, branch: 'mltrack', beforeRefUpdate: () => gate });
    await new Promise((r) => setTimeout(r, 50));
    const fast = await commitTracking({ repo, mlruns: store.root, branch: 'mltrack', message: 'fast' });
    release();
    const late = await slow;
    expect(fast).not.toBeNull();
    // The slow one retried on top of the fast one and found nothing left to commit.
    expect(late).toBeNull();
    await logRun(store, 'b');
    const third = await commitTracking({ repo, mlruns: store.root, branch: 'mltrack' });
    expect(third!.parent).toBe(fast!.commit);
  });

  it('a process killed during commit leaves the branch on a valid commit, and the next commit succeeds', async () => {
    const { dir, env } = userRepo();
    const store = new FileStore(join(dir, 'mlruns'));
    for (let i = 0; i < 30; i++) await logRun(store, `r${i}`);
    spawnCli(['commit'], { cwd: dir, env });
    const good = git(dir, env, 'rev-parse', 'mltrack');
    for (let i = 0; i < 200; i++) await logRun(store, `more${i}`);
    for (const delay of [5, 40, 120]) {
      const child = spawn(process.execPath, [BIN, 'commit'], { cwd: dir, env, stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const tip = git(dir, env, 'rev-parse', 'mltrack');
      // Either the old commit or a complete new one on top of it: never a broken ref.
      expect(git(dir, env, 'cat-file', '-t', tip)).toBe('commit');
      expect(() => git(dir, env, 'merge-base', '--is-ancestor', good, tip)).not.toThrow();
      expect(() => git(dir, env, 'fsck', '--no-dangling')).not.toThrow();
      expect(() => git(dir, env, 'ls-tree', '-r', tip)).not.toThrow();
    }
    const final = spawnCli(['commit', '--json'], { cwd: dir, env });
    expect(final.code).toBe(0);
    expect(git(dir, env, 'ls-tree', '-d', '--name-only', 'mltrack:mlruns/0').split('\n').length).toBe(230);
  });
});

describe('automatic commits and init', () => {
  it('with auto_commit on, ending a run commits it; init keeps mlruns out of the user\'s commits', async () => {
    const { dir, env } = userRepo();
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    expect(git(dir, env, 'status', '--porcelain', '--', 'mlruns')).toBe('');
    writeFileSync(join(dir, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: true\n');
    const runId = spawnCli(['start-run', '-n', 'auto'], { cwd: dir, env }).stdout.trim();
    const end = JSON.parse(spawnCli(['end-run', '--run-id', runId, '--json'], { cwd: dir, env }).stdout);
    expect(end.commit).toBe(git(dir, env, 'rev-parse', 'mltrack'));
    expect(git(dir, env, 'log', '-1', '--format=%B', 'mltrack')).toContain(`Mltrack-Run-Finished: ${runId}`);
  });
});
