/**
 * `mltrack run` gives its child an ephemeral REST server by default: a Node script using the
 * `mlflow` npm client logs into the wrapping run. With --tracking file the child gets the tree's
 * file: URI and MLFLOW_ALLOW_FILE_STORE=true, and logs with `mltrack log-*`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, spawnCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';

const MLFLOW_CLIENT = createRequire(import.meta.url).resolve('mlflow');

const REST_CHILD = `
const mod = require(process.env.CLIENT); const MLflow = mod.default || mod;
const client = new MLflow({ endpoint: process.env.MLFLOW_TRACKING_URI });
console.log = () => {}; // the client prints request bodies
(async () => {
  const run_id = process.env.MLFLOW_RUN_ID;
  await client.Runs.logParameter({ run_id, key: 'lr', value: '0.1' });
  for (let step = 0; step < 3; step++) await client.Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step });
  await client.Runs.setTag({ run_id, key: 'via', value: 'rest' });
  process.stderr.write('uri=' + process.env.MLFLOW_TRACKING_URI + ' allow=' + (process.env.MLFLOW_ALLOW_FILE_STORE || '') + '\\n');
})().catch((err) => { process.stderr.write(String(err) + '\\n'); process.exit(3); });
`;

const FILE_CHILD = `
const { execFileSync } = require('node:child_process');
process.stderr.write('uri=' + process.env.MLFLOW_TRACKING_URI + ' allow=' + (process.env.MLFLOW_ALLOW_FILE_STORE || '') + '\\n');
execFileSync(process.execPath, [process.env.BIN, 'log-metric', 'loss', '0.5', '--step', '1'], { stdio: 'inherit' });
`;

describe('mltrack run and the tracking server', () => {
  it('by default the child logs through an ephemeral http server into the wrapping run', () => {
    const dir = tempDir();
    const env = isolatedEnv(dir, { CLIENT: MLFLOW_CLIENT });
    writeFileSync(join(dir, 'child.cjs'), REST_CHILD);
    const result = spawnCli(['run', '--json', '-n', 'rest-child', '--', process.execPath, 'child.cjs'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const { run_id: runId, experiment_id: exp, status } = JSON.parse(result.stdout);
    expect(status).toBe('FINISHED');
    expect(result.stderr).toMatch(/uri=http:\/\/127\.0\.0\.1:\d+ allow=\n/);
    const runDir = join(dir, 'mlruns', exp, runId);
    expect(readFileSync(join(runDir, 'params', 'lr'), 'utf8')).toBe('0.1');
    expect(readFileSync(join(runDir, 'metrics', 'loss'), 'utf8').trimEnd().split('\n')).toHaveLength(3);
    expect(readFileSync(join(runDir, 'tags', 'via'), 'utf8')).toBe('rest');
    const shown = JSON.parse(spawnCli(['runs', 'show', runId, '--json'], { cwd: dir, env }).stdout);
    expect(JSON.stringify(shown)).toContain('rest-child');
  });

  it('--tracking file keeps the file: URI and sets MLFLOW_ALLOW_FILE_STORE=true', () => {
    const dir = tempDir();
    const env = isolatedEnv(dir, { BIN });
    writeFileSync(join(dir, 'child.cjs'), FILE_CHILD);
    const result = spawnCli(['run', '--json', '--tracking', 'file', '--', process.execPath, 'child.cjs'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const { run_id: runId, experiment_id: exp } = JSON.parse(result.stdout);
    expect(result.stderr).toMatch(/uri=file:\/\/\/.*mlruns allow=true\n/);
    expect(readFileSync(join(dir, 'mlruns', exp, runId, 'metrics', 'loss'), 'utf8')).toMatch(/ 0\.5 1\n$/);
  });

  it('an unknown --tracking mode is refused before anything runs', () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    const result = spawnCli(['run', '--tracking', 'ftp', '--', 'true'], { cwd: dir, env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/INVALID_ARGUMENT.*--tracking/);
  });
});
