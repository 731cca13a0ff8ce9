/**
 * File-system errors a user cannot cause while the tests run as root (EACCES, ENOSPC, EROFS),
 * injected at the write fault points (`MLTRACK_FAULT=<point>:<n>:<ERRNO>`) of a real CLI process:
 * each is one line with its stable code, and the tree holds exactly what it held before.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';

/** Every file under `dir`, relative, with its content, and every folder: what "lose nothing" compares. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length + 1)] = entry.isDirectory() ? '(folder)' : readFileSync(path, 'utf8');
  }
  return files;
}

function oneLine(result: { code: number; stderr: string }, code: string) {
  expect(result.code).not.toBe(0);
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^mltrack: error ${code}: `));
}

/** A project with one run holding a tag and a metric line, and one registered model. */
function project() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  const cli = (args: string[], fault?: string) => spawnCli(args, { cwd: dir, env: fault ? { ...env, MLTRACK_FAULT: fault } : env });
  const runId = cli(['start-run', '-n', 'r']).stdout.trim();
  expect(cli(['set-tag', 'k', 'v1', '--run-id', runId]).code).toBe(0);
  expect(cli(['log-metric', 'loss', '1', '--run-id', runId]).code).toBe(0);
  expect(cli(['models', 'create', 'base']).code).toBe(0);
  return { mlruns: join(dir, 'mlruns'), runId, cli };
}

const run = (...args: string[]) => (runId: string) => [...args, '--run-id', runId];
const cases: Array<{ what: string; args: (runId: string) => string[]; fault: string; code: string; errno: string }> = [
  { what: 'a tag overwrite (rename into place)', args: run('set-tag', 'k', 'v2'), fault: 'write:before-rename:1:EACCES', code: 'FILE_ACCESS_DENIED', errno: 'EACCES' },
  { what: 'a metric append', args: run('log-metric', 'loss', '2', '--step', '1'), fault: 'write:append:1:ENOSPC', code: 'NO_SPACE', errno: 'ENOSPC' },
  { what: 'a param (created exclusively)', args: run('log-param', 'lr', '0.1'), fault: 'write:before-link:1:EROFS', code: 'FILE_ACCESS_DENIED', errno: 'EROFS' },
  { what: 'a new registered model', args: () => ['models', 'create', 'churn'], fault: 'write:before-rename:1:ENOSPC', code: 'NO_SPACE', errno: 'ENOSPC' },
  { what: 'a new run (its first file)', args: () => ['start-run', '-n', 'late'], fault: 'write:before-rename:1:ENOSPC', code: 'NO_SPACE', errno: 'ENOSPC' },
  { what: 'a new experiment (its meta.yaml)', args: () => ['experiments', 'create', 'late'], fault: 'write:before-rename:1:EACCES', code: 'FILE_ACCESS_DENIED', errno: 'EACCES' },
  { what: 'a run end (its meta.yaml)', args: run('end-run'), fault: 'write:before-rename:1:EROFS', code: 'FILE_ACCESS_DENIED', errno: 'EROFS' },
];

describe('injected file-system errors give their one-line code and lose nothing', () => {
  for (const c of cases) {
    it(`${c.errno} on ${c.what} is ${c.code}; the tree is as it was and the command works once the fault is gone`, () => {
      const { mlruns, runId, cli } = project();
      const before = snapshot(mlruns);
      const failed = cli(c.args(runId), c.fault);
      oneLine(failed, c.code);
      expect(failed.stderr).toContain(`(${c.errno})`);
      expect(snapshot(mlruns)).toEqual(before); // nothing half-written, no temporary file left
      expect(cli(['runs', 'list', '--json']).code).toBe(0);
      expect(cli(c.args(runId)).code).toBe(0);
      expect(snapshot(mlruns)).not.toEqual(before);
    });
  }

  it('the old fault syntax still kills the process at the point', () => {
    const { mlruns, runId, cli } = project();
    expect(cli(run('set-tag', 'k', 'v2')(runId), 'write:before-rename').code).toBe(-1);
    expect(readFileSync(join(mlruns, '0', runId, 'tags', 'k'), 'utf8')).toBe('v1');
  });
});
