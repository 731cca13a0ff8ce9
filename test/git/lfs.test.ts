import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { snapshotFiles } from '../helpers/snapshot.js';

const CONFIG = 'mlruns: mlruns\nlarge_artifact_threshold: 1KB\n';

function which(cmd: string): string {
  return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
}

function hasLfs(): boolean {
  try {
    execFileSync('git', ['lfs', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A PATH with git, node and tar but without git-lfs. */
function pathWithoutLfs(): string {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  for (const cmd of ['git', 'node', 'tar', 'sh']) symlinkSync(which(cmd), join(bin, cmd));
  return bin;
}

function project(env: NodeJS.ProcessEnv) {
  const dir = tempDir();
  git(dir, env, 'init', '-q');
  writeFileSync(join(dir, '.mltrack.yml'), CONFIG);
  git(dir, env, 'add', '.');
  git(dir, env, 'commit', '-qm', 'code');
  return dir;
}

describe('large artifacts', () => {
  it('without Git LFS, a large artifact is refused with a message that says how to enable it, and nothing is written', () => {
    const env = { ...isolatedEnv(tempDir()), PATH: pathWithoutLfs() };
    const dir = project(env);
    const runId = spawnCli(['start-run'], { cwd: dir, env }).stdout.trim();
    writeFileSync(join(dir, 'model.bin'), randomBytes(4096));
    const before = snapshotFiles(join(dir, 'mlruns'));
    const result = spawnCli(['log-artifact', 'model.bin', '--run-id', runId], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mltrack: error LARGE_ARTIFACT: .*model\.bin is 4096 bytes.*install Git LFS.*large_artifact_threshold/);
    expect(snapshotFiles(join(dir, 'mlruns'))).toEqual(before);

    // A large file put there by another writer (e.g. MLflow) is refused at commit: the branch does not move.
    writeFileSync(join(dir, 'mlruns', '0', runId, 'artifacts', 'big.bin'), randomBytes(4096));
    const commit = spawnCli(['commit'], { cwd: dir, env });
    expect(commit.code).toBe(1);
    expect(commit.stderr).toMatch(/LARGE_ARTIFACT: .*big\.bin/);
    expect(() => git(dir, env, 'rev-parse', '--verify', '-q', 'mltrack')).toThrow();
  });

  // CI installs git-lfs, so there the test always runs.
  it.skipIf(!hasLfs() && !process.env.CI)('with Git LFS, large artifacts travel as LFS objects and come back whole in another clone', () => {
    const env = isolatedEnv(tempDir());
    const remote = join(tempDir(), 'remote.git');
    git(tempDir(), env, 'init', '-q', '--bare', remote);
    const url = `file://${remote}`;
    const a = project(env);
    git(a, env, 'remote', 'add', 'origin', url);
    const runId = spawnCli(['start-run'], { cwd: a, env }).stdout.trim();
    const payload = randomBytes(8192);
    writeFileSync(join(a, 'weights.bin'), payload);
    writeFileSync(join(a, 'small.txt'), 'tiny');
    expect(spawnCli(['log-artifact', 'weights.bin', '--run-id', runId, '-a', 'model'], { cwd: a, env }).code).toBe(0);
    expect(spawnCli(['log-artifact', 'small.txt', '--run-id', runId], { cwd: a, env }).code).toBe(0);
    const push = spawnCli(['push'], { cwd: a, env });
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);

    const pointer = git(a, env, 'show', `mltrack:mlruns/0/${runId}/artifacts/model/weights.bin`);
    expect(pointer).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize 8192$/);
    expect(git(a, env, 'show', `mltrack:mlruns/0/${runId}/artifacts/small.txt`)).toBe('tiny');
    expect(git(a, env, 'show', 'mltrack:.gitattributes')).toContain('filter=lfs');

    const b = join(tempDir(), 'bob');
    git(tempDir(), env, 'clone', '-q', url, b);
    writeFileSync(join(b, '.mltrack.yml'), CONFIG);
    const pull = spawnCli(['pull', '--json'], { cwd: b, env });
    expect(pull.code).toBe(0);
    expect(JSON.parse(pull.stdout).missing_lfs).toEqual([]);
    expect(readFileSync(join(b, 'mlruns', '0', runId, 'artifacts', 'model', 'weights.bin')).equals(payload)).toBe(true);
    // Nothing changed locally by the pull: the next commit finds nothing to do.
    expect(JSON.parse(spawnCli(['commit', '--json'], { cwd: b, env }).stdout).commit).toBeNull();
  });
});
