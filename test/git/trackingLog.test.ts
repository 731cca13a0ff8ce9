import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

function tag(cwd: string, env: NodeJS.ProcessEnv, runId: string, key: string): string | undefined {
  const run = JSON.parse(spawnCli(['runs', 'show', runId, '--json', '--all-tags'], { cwd, env }).stdout).run;
  return run.data.tags.find((t: { key: string }) => t.key === key)?.value;
}

describe('the tracking history', () => {
  it('lists only tracking commits when the first run came from a dirty tree; identical dirty trees share one snapshot', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    git(cwd, env, 'init', '-q');
    writeFileSync(join(cwd, 'train.py'), 'print(1)\n');
    git(cwd, env, 'add', 'train.py');
    git(cwd, env, 'commit', '-qm', 'users own code commit');
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    writeFileSync(join(cwd, 'train.py'), 'print(2)\n'); // dirty
    const first = spawnCli(['start-run', '-n', 'a'], { cwd, env }).stdout.trim();
    const second = spawnCli(['start-run', '-n', 'b'], { cwd, env }).stdout.trim();
    const snapshot = tag(cwd, env, first, 'mltrack.source.snapshot');
    expect(snapshot).toMatch(/^[0-9a-f]{40}$/);
    expect(tag(cwd, env, second, 'mltrack.source.snapshot')).toBe(snapshot);
    expect(git(cwd, env, 'for-each-ref', '--format=%(objectname)', 'refs/mltrack/snapshots/').split('\n')).toEqual([snapshot]);
    expect(spawnCli(['commit'], { cwd, env }).code).toBe(0);
    // A changed tree is a new snapshot.
    writeFileSync(join(cwd, 'train.py'), 'print(3)\n');
    const third = spawnCli(['start-run', '-n', 'c'], { cwd, env }).stdout.trim();
    expect(tag(cwd, env, third, 'mltrack.source.snapshot')).not.toBe(snapshot);
    expect(spawnCli(['commit'], { cwd, env }).code).toBe(0);

    const log = JSON.parse(spawnCli(['log', '--json'], { cwd, env }).stdout).commits as { subject: string; commit: string }[];
    expect(log).toHaveLength(2);
    expect(log.map((c) => c.subject).join('\n')).not.toMatch(/users own code|source snapshot/);
    const text = spawnCli(['log'], { cwd, env }).stdout;
    expect(text.trim().split('\n')).toHaveLength(2);

    // The site's History page reads the same log.
    const out = join(tempDir(), 'site');
    expect(spawnCli(['site', 'build', '--out', out], { cwd, env }).code).toBe(0);
    const siteLog = JSON.parse(readFileSync(join(out, 'data', 'log.json'), 'utf8'));
    expect(siteLog.commits.map((c: { commit: string }) => c.commit)).toEqual(log.map((c) => c.commit));
  });

  it('log filters take experiment names and ids and run prefixes; unknown ones are NOT_FOUND', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    git(cwd, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    const experimentId = spawnCli(['experiments', 'create', 'churn', '--json'], { cwd, env }).stdout;
    const id = JSON.parse(experimentId).experiment_id as string;
    const runId = spawnCli(['start-run', '-e', 'churn', '-n', 'r'], { cwd, env }).stdout.trim();
    expect(spawnCli(['commit'], { cwd, env }).code).toBe(0);
    spawnCli(['start-run', '-n', 'elsewhere'], { cwd, env });
    expect(spawnCli(['commit'], { cwd, env }).code).toBe(0);
    const commits = (args: string[]) => JSON.parse(spawnCli(['log', ...args, '--json'], { cwd, env }).stdout).commits.length;
    expect(commits([])).toBe(2);
    expect(commits(['--experiment', 'churn'])).toBe(1);
    expect(commits(['--experiment', id])).toBe(1);
    expect(commits(['-e', 'churn'])).toBe(1);
    expect(commits(['--run', runId.slice(0, 6)])).toBe(1);
    for (const args of [['--run', 'deadbeefdeadbeefdeadbeefdeadbeef'], ['--experiment', 'no-such'], ['--model', 'no-such-model']]) {
      const r = spawnCli(['log', ...args], { cwd, env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^mltrack: error NOT_FOUND: No (run|experiment|model) '.*' in the tracking history/);
    }
  });
});
