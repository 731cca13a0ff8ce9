import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

function project() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  git(dir, env, 'init', '-q');
  git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  const runId = spawnCli(['start-run', '-n', 'r'], { cwd: dir, env }).stdout.trim();
  const withRun = { ...env, MLTRACK_RUN_ID: runId };
  const cli = (...args: string[]) => spawnCli(args, { cwd: dir, env: withRun });
  const metricFile = (key: string) => join(dir, 'mlruns', '0', runId, 'metrics', key);
  return { dir, env, runId, cli, metricFile };
}

/** stderr is exactly one error line with this code. */
function oneLine(result: { code: number; stderr: string }, code: string) {
  expect(result.code).not.toBe(0);
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^mltrack: error ${code}: `));
}

describe('errors are one line with a stable code', () => {
  it('file-system errors a user can cause get their own codes, never INTERNAL', () => {
    const dir = tempDir();
    const env = isolatedEnv(tempDir());
    const cli = (...args: string[]) => spawnCli(args, { cwd: dir, env });
    oneLine(cli('--mlruns', join(dir, 'x'.repeat(300)), 'start-run'), 'NAME_TOO_LONG');
    writeFileSync(join(dir, 'afile'), '');
    oneLine(cli('--mlruns', join(dir, 'afile', 'mlruns'), 'start-run'), 'NOT_A_DIRECTORY');
    symlinkSync('loop', join(dir, 'loop'));
    oneLine(cli('--mlruns', join(dir, 'loop', 'mlruns'), 'start-run'), 'SYMLINK_LOOP');
  });

  it('values with control characters cannot forge extra lines', () => {
    const { cli } = project();
    const result = cli('runs', 'show', 'abc\nmltrack: error FORGED: \u001b[31mred');
    expect(result.code).not.toBe(0);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toContain('abc\\nmltrack: error FORGED: \\u001b[31mred');
  });

  it('log-metric takes -inf and -Infinity as values (commander would read them as options)', () => {
    const { cli, metricFile } = project();
    expect(cli('log-metric', 'loss', '-inf').code).toBe(0);
    expect(cli('log-metric', 'loss', '-Infinity', '--step', '2').code).toBe(0);
    expect(cli('log-metric', 'loss', '-5', '--step', '3').code).toBe(0);
    const values = readFileSync(metricFile('loss'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' '));
    expect(values).toEqual(['-inf 0', '-inf 2', '-5.0 3']);
  });

  it('an append to a metric file without its final newline restores it first', () => {
    const { cli, metricFile } = project();
    expect(cli('log-metric', 'loss', '1').code).toBe(0);
    const path = metricFile('loss');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n$/, ''));
    expect(cli('log-metric', 'loss', '2', '--step', '1').code).toBe(0);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d+ 1\.0 0$/);
    expect(lines[1]).toMatch(/^\d+ 2\.0 1$/);
    expect(lines[2]).toBe('');
  });

  it('steps and timestamps outside int64 are refused; large ones are written with every digit', () => {
    const { cli, metricFile } = project();
    oneLine(cli('log-metric', 'loss', '1', '--step', '1e21'), 'INVALID_VALUE');
    oneLine(cli('log-metric', 'loss', '1', '--step', '9223372036854775808'), 'INVALID_VALUE');
    oneLine(cli('log-metric', 'loss', '1', '--step', '-9223372036854775809'), 'INVALID_VALUE');
    expect(cli('log-metric', 'loss', '1', '--step', '9223372036854775807').code).toBe(0);
    expect(readFileSync(metricFile('loss'), 'utf8')).toMatch(/ 1\.0 9223372036854775807\n$/);
  });

  it('a commit killed between writing and linking an object leaves nothing git fsck reports', () => {
    const { dir, env, cli } = project();
    expect(cli('log-metric', 'loss', '1').code).toBe(0);
    const killed = spawnSync(process.execPath, [BIN, 'commit'], { cwd: dir, env: { ...env, MLTRACK_FAULT: 'objects:before-link' }, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    const objects = join(dir, '.git', 'objects');
    const leftovers = readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(join(objects, d)).filter((n) => !/^[0-9a-f]{38}$/.test(n)));
    expect(leftovers.length).toBeGreaterThan(0); // the fault point really hit a temp file
    expect(leftovers.every((n) => n.startsWith('tmp_obj_'))).toBe(true);
    const fsck = spawnSync('git', ['fsck', '--full', '--no-dangling'], { cwd: dir, env, encoding: 'utf8' });
    expect(fsck.status).toBe(0);
    expect(fsck.stderr + fsck.stdout).not.toMatch(/garbage|bad sha1|error/i);
    expect(cli('commit').code).toBe(0);
    expect(spawnSync('git', ['fsck', '--full'], { cwd: dir, env, encoding: 'utf8' }).status).toBe(0);
  });

  it('a big commit killed while its pack is written or installed leaves nothing git fsck reports', () => {
    const { dir, env, cli, metricFile } = project();
    // More new objects than a commit writes loose: a pack.
    for (let i = 0; i < 600; i++) writeFileSync(`${metricFile('loss')}-${i}`, `1 ${i} 0\n`);
    for (const fault of ['pack:before-index', 'pack:before-install']) {
      const killed = spawnSync(process.execPath, [BIN, 'commit'], { cwd: dir, env: { ...env, MLTRACK_FAULT: fault }, encoding: 'utf8' });
      expect(killed.signal, fault).toBe('SIGKILL');
      expect(readdirSync(join(dir, '.git', 'mltrack', 'pack-tmp')).length, fault).toBeGreaterThan(0); // the fault point really hit an unfinished pack
      const fsck = spawnSync('git', ['fsck', '--full', '--no-dangling'], { cwd: dir, env, encoding: 'utf8' });
      expect(fsck.status, fault).toBe(0);
      expect(fsck.stderr + fsck.stdout, fault).not.toMatch(/garbage|bad sha1|error|warning/i);
      expect(spawnSync('git', ['rev-parse', '-q', '--verify', 'mltrack'], { cwd: dir, env }).status, fault).not.toBe(0);
    }
    expect(cli('commit').code).toBe(0);
    expect(readdirSync(join(dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack'))).toHaveLength(1);
    expect(git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack').split('\n').filter((p) => p.includes('/metrics/loss-'))).toHaveLength(600);
    expect(spawnSync('git', ['fsck', '--full', '--strict'], { cwd: dir, env, encoding: 'utf8' }).status).toBe(0);
  });

  it('a push the remote refuses by its object check is PUSH_REJECTED with git\'s reason, at once', () => {
    const { dir, env, cli } = project();
    const remote = join(tempDir(), 'remote.git');
    mkdirSync(remote);
    git(remote, env, 'init', '-q', '--bare');
    git(remote, env, 'config', 'receive.fsckObjects', 'true');
    git(dir, env, 'remote', 'add', 'origin', remote);
    expect(cli('commit').code).toBe(0);
    // A tracking commit whose author line git's fsck refuses (a bad time zone).
    const tip = git(dir, env, 'rev-parse', 'mltrack');
    const tree = git(dir, env, 'rev-parse', 'mltrack^{tree}');
    const body = `tree ${tree}\nparent ${tip}\nauthor A <a@example.com> 1700000000 +99999\ncommitter A <a@example.com> 1700000000 +0000\n\nbad\n`;
    const bad = spawnSync('git', ['hash-object', '-t', 'commit', '--literally', '-w', '--stdin'], { cwd: dir, env, input: body, encoding: 'utf8' }).stdout.trim();
    git(dir, env, 'update-ref', 'refs/heads/mltrack', bad);
    const pushed = cli('push');
    oneLine(pushed, 'PUSH_REJECTED');
    expect(pushed.stderr).toMatch(/refused by the remote/);
    expect(pushed.stderr).toMatch(/badTimezone|fsck|unpack/i);
    expect(pushed.stderr).not.toMatch(/kept moving/);
  });
});
