/** mltrack in a linked git worktree (`git worktree add`): objects go where git reads them, in the common git directory. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

describe('a linked worktree', () => {
  it('commits runs that git itself reads, fsck-clean, and the main worktree sees the branch', () => {
    const home = tempDir();
    const env = isolatedEnv(home);
    const main = join(home, 'main');
    git(home, env, 'init', '-q', main);
    git(main, env, 'commit', '-q', '--allow-empty', '-m', 'code');
    const linked = join(home, 'linked');
    git(main, env, 'worktree', 'add', '-q', '-b', 'feature', linked);
    expect(spawnCli(['init'], { cwd: linked, env }).code).toBe(0);
    const runId = spawnCli(['start-run', '-n', 'from-the-worktree'], { cwd: linked, env }).stdout.trim();
    expect(spawnCli(['log-metric', 'loss', '0.5', '--run-id', runId], { cwd: linked, env }).code).toBe(0);
    expect(spawnCli(['end-run', '--run-id', runId], { cwd: linked, env }).code).toBe(0);
    const commit = spawnCli(['commit'], { cwd: linked, env });
    expect(commit.stderr).toBe('');
    expect(commit.code).toBe(0);
    expect(git(main, env, 'fsck', '--no-progress')).toBe('');
    const files = git(main, env, 'ls-tree', '-r', '--name-only', 'mltrack').split('\n');
    expect(files.some((f) => f.endsWith(`${runId}/metrics/loss`))).toBe(true);
    expect(git(main, env, 'show', `mltrack:${files.find((f) => f.endsWith(`${runId}/metrics/loss`))}`)).toMatch(/ 0\.5 0$/);
    // A read through mltrack's own object reader, from the main worktree.
    const listed = spawnCli(['runs', 'list', '--rev', 'mltrack', '--json'], { cwd: main, env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(runId);
  });
});
