import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as mltrack from '../../src/index.js';
import { fileUriToPath } from '../../src/format/fileUri.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

afterEach(() => mltrack.resetFluentState());

describe('tracking URIs in every spelling MLflow accepts', () => {
  it('fileUriToPath reads relative, absolute, localhost and percent-encoded file: URIs', () => {
    expect(fileUriToPath('file:./mlruns')).toBe('./mlruns');
    expect(fileUriToPath('file:mlruns')).toBe('mlruns');
    expect(fileUriToPath('file:///abs/ml%20runs')).toBe('/abs/ml runs');
    expect(fileUriToPath('file:/abs/mlruns')).toBe('/abs/mlruns');
    expect(fileUriToPath('file://localhost/abs/mlruns')).toBe('/abs/mlruns');
    expect(fileUriToPath('file:./caf%C3%A9')).toBe('./café');
    expect(fileUriToPath('file://otherhost/abs')).toBeNull();
    expect(fileUriToPath('http://127.0.0.1:5000')).toBeNull();
  });

  it('the CLI logs into the same tree for each spelling, from MLFLOW_TRACKING_URI', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const abs = join(cwd, 'ml runs');
    const spellings = ['file:./ml%20runs', 'file:ml%20runs', `file://${abs.replace(/ /g, '%20')}`, `file:${abs}`, `file://localhost${abs}`, './ml runs', abs];
    const ids: string[] = [];
    for (const uri of spellings) {
      const started = spawnCli(['start-run', '-n', 'uri'], { cwd, env: { ...env, MLFLOW_TRACKING_URI: uri } });
      expect(started.stderr, uri).toBe('');
      expect(started.code, uri).toBe(0);
      ids.push(started.stdout.trim());
    }
    expect(existsSync(join(cwd, 'ml runs'))).toBe(true);
    const listed = spawnCli(['runs', 'list', '--json', '--mlruns', 'file:./ml%20runs'], { cwd, env });
    expect(JSON.parse(listed.stdout).runs.map((r: { info: { run_id: string } }) => r.info.run_id).sort()).toEqual([...ids].sort());
  });

  it('servers, databases and other hosts are refused with a true message', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const cases: [string, RegExp][] = [
      ['http://127.0.0.1:5000', /names a tracking server/],
      ['https://mlflow.example.com', /names a tracking server/],
      ['sqlite:///mlflow.db', /no database store/],
      ['postgresql://u@h/db', /no database store/],
      ['file://otherhost/mlruns', /another host/],
    ];
    for (const [uri, reason] of cases) {
      // From the environment an http(s) URI is left to MLflow clients (mltrack run's own server); as --mlruns it is refused.
      const r = spawnCli(['--mlruns', uri, 'runs', 'list'], { cwd, env });
      expect(r.code, uri).toBe(1);
      expect(r.stderr, uri).toMatch(/^mltrack: error CONFIG_ERROR: --mlruns: tracking URI '.*' is not supported: /);
      expect(r.stderr, uri).toMatch(reason);
      expect(r.stderr, uri).toContain('file:./mlruns');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('the API accepts the README\'s file:./mlruns', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'project'));
    const saved = process.cwd();
    process.chdir(join(cwd, 'project'));
    try {
      mltrack.setTrackingUri('file:./mlruns');
      const id = await mltrack.withRun({ runName: 'api' }, async (run) => {
        await run.logMetric('loss', 0.5);
        return run.runId;
      });
      expect(existsSync(join(cwd, 'project', 'mlruns', '0', id, 'metrics', 'loss'))).toBe(true);
      mltrack.resetFluentState();
      expect(() => mltrack.setTrackingUri('sqlite:///x.db')).toThrow(/no database store/);
    } finally {
      process.chdir(saved);
    }
  });
});
