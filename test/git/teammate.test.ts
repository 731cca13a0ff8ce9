import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

describe("a teammate's first steps", () => {
  it('git clone + mltrack init, or mltrack clone, fast-forward to the tracking branch with a clean git status', () => {
    const home = tempDir();
    const env = isolatedEnv(home);
    const origin = join(home, 'origin.git');
    git(home, env, 'init', '-q', '--bare', origin);
    const alice = join(home, 'alice');
    git(home, env, 'clone', '-q', origin, alice);
    git(alice, env, 'commit', '-q', '--allow-empty', '-m', 'start');
    git(alice, env, 'push', '-q', 'origin', 'HEAD');
    expect(spawnCli(['init'], { cwd: alice, env }).code).toBe(0);
    const runId = spawnCli(['start-run', '-n', 'alices'], { cwd: alice, env }).stdout.trim();
    expect(spawnCli(['end-run', '--run-id', runId], { cwd: alice, env }).code).toBe(0);
    expect(spawnCli(['push'], { cwd: alice, env }).code).toBe(0);
    const tip = git(alice, env, 'rev-parse', 'mltrack');

    // Bob: git clone, then mltrack init.
    const bob = join(home, 'bob');
    git(home, env, 'clone', '-q', origin, bob);
    const init = spawnCli(['init'], { cwd: bob, env });
    expect(init.stderr).toBe('');
    expect(init.stdout).toContain(`joined origin/mltrack: fast-forwarded to ${tip.slice(0, 10)}`);
    expect(git(bob, env, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(git(bob, env, 'rev-parse', 'mltrack')).toBe(tip);
    expect(readFileSync(join(bob, '.git', 'info', 'exclude'), 'utf8')).toContain('/mlruns/');
    expect(existsSync(join(bob, '.mltrack.yml'))).toBe(false);
    const listed = JSON.parse(spawnCli(['runs', 'list', '--json'], { cwd: bob, env }).stdout);
    expect(listed.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
    // The first pull is not a merge, and nothing changed in Alice's tree.
    expect(JSON.parse(spawnCli(['pull', '--json'], { cwd: bob, env }).stdout).kind).toBe('up-to-date');
    expect(git(bob, env, 'rev-parse', 'mltrack')).toBe(tip);
    expect(git(bob, env, 'status', '--porcelain', '--untracked-files=all')).toBe('');

    // Carol: mltrack clone URL DIR.
    const clone = spawnCli(['clone', origin, 'carol', '--json'], { cwd: home, env });
    expect(clone.stderr).toBe('');
    expect(JSON.parse(clone.stdout)).toMatchObject({ kind: 'fast-forward', commit: tip, branch: 'mltrack', git_excluded: 'mlruns' });
    const carol = join(home, 'carol');
    expect(git(carol, env, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(existsSync(join(carol, 'mlruns', '0', runId, 'meta.yaml'))).toBe(true);
    // Her run goes back to Alice through the remote.
    const hers = spawnCli(['start-run', '-n', 'carols'], { cwd: carol, env }).stdout.trim();
    expect(spawnCli(['push'], { cwd: carol, env }).code).toBe(0);
    expect(spawnCli(['pull'], { cwd: alice, env }).code).toBe(0);
    expect(existsSync(join(alice, 'mlruns', '0', hers, 'meta.yaml'))).toBe(true);

    // A clone of a repository with no tracking branch says so; a first user's init still works.
    const empty = join(home, 'empty.git');
    git(home, env, 'init', '-q', '--bare', empty);
    expect(spawnCli(['clone', empty, 'dave'], { cwd: home, env }).stdout).toContain('the remote has no tracking branch yet');
    expect(spawnCli(['init'], { cwd: join(home, 'dave'), env }).stdout).toContain('wrote .mltrack.yml');
    expect(spawnCli(['clone', empty, 'dave'], { cwd: home, env }).stderr).toMatch(/^mltrack: error ALREADY_EXISTS/);
  });
});
