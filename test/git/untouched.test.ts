import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { snapshotFiles } from '../helpers/snapshot.js';

describe("the user's repository", () => {
  it('HEAD, the index and a dirty work tree are byte-identical before and after every mltrack command', () => {
    const env = isolatedEnv(tempDir());
    const remote = join(tempDir(), 'remote.git');
    git(tempDir(), env, 'init', '-q', '--bare', remote);
    const dir = tempDir();
    git(dir, env, 'init', '-q');
    git(dir, env, 'remote', 'add', 'origin', `file://${remote}`);
    writeFileSync(join(dir, 'train.py'), 'lr = 0.1\n');
    writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
    git(dir, env, 'add', '.');
    git(dir, env, 'commit', '-qm', 'code');
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    // Dirty in every way: a modified tracked file, a staged change, an untracked file.
    writeFileSync(join(dir, 'train.py'), 'lr = 0.5\n');
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git(dir, env, 'add', 'staged.txt');
    writeFileSync(join(dir, 'notes.txt'), 'untracked\n');

    const state = () => ({
      head: git(dir, env, 'rev-parse', 'HEAD'),
      symbolic: git(dir, env, 'symbolic-ref', 'HEAD'),
      index: readFileSync(join(dir, '.git', 'index')).toString('base64'),
      files: snapshotFiles(dir, { skip: (p) => p === '.git' || p === 'mlruns' }),
    });
    const before = state();
    const run = (...args: string[]) => {
      const result = spawnCli(args, { cwd: dir, env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(state(), `mltrack ${args.join(' ')} changed the repository`).toEqual(before);
      return result.stdout.trim();
    };
    const runId = run('start-run', '-n', 'one', '-P', 'lr=0.5');
    run('log-metric', 'rmse', '6.5', '--run-id', runId);
    run('log-input', 'data.csv', '--run-id', runId);
    run('end-run', '--run-id', runId);
    run('commit');
    run('run', '-n', 'wrapped', '--', 'true');
    run('models', 'register', runId, 'churn');
    run('models', 'transition', 'churn', '1', 'Staging');
    run('push');
    run('pull');
    run('log');
    run('runs', 'list', '--rev', 'mltrack');
    run('tags', 'sync');
    run('verify');
    run('models', 'transition', 'churn', '1', 'Production', '--propose', '--no-push');
    run('review', 'mltrack..mltrack-propose/churn-v1-production');
    run('site', 'build', '--out', join(tempDir(), 'site'));
    run('runs', 'checkout-source', runId, join(tempDir(), 'src'));
    run('gc');
  });
});
