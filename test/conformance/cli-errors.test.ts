/**
 * Bad input through the CLI: exit status 1 and exactly one line on stderr, `mltrack: error CODE: ...`,
 * with the tree left byte-identical. In-process for most cases, plus real processes for exit codes.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/FileStore.js';
import { runCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { buildSources, type Build } from './build.js';
import { snapshot } from './fixtures.js';

async function setup(): Promise<{ cwd: string; root: string; runId: string }> {
  const cwd = tempDir();
  const root = join(cwd, 'mlruns');
  const store = new FileStore(root);
  const run = await store.createRun({ experimentId: '0', userId: 'alice', runName: 'cli' });
  await store.logParam(run.info.runId, 'lr', '0.01');
  return { cwd, root, runId: run.info.runId };
}

const ONE_ERROR_LINE = (code: string) => new RegExp(`^mltrack: error ${code}: [^\\n]+\\n$`);

const cases: [string, string, (runId: string) => string[]][] = [
  ['a changed param', 'PARAM_CHANGED', (id) => ['log-param', 'lr', '0.02', '--run-id', id]],
  ['an invalid param key', 'INVALID_KEY', (id) => ['log-param', 'bad*key', 'v', '--run-id', id]],
  ['a ../ metric key', 'PATH_TRAVERSAL', (id) => ['log-metric', '../up', '1', '--run-id', id]],
  ['a non-numeric metric value', 'INVALID_VALUE', (id) => ['log-metric', 'loss', 'abc', '--run-id', id]],
  ['a too-long tag', 'VALUE_TOO_LONG', (id) => ['set-tag', 't', 'x'.repeat(8001), '--run-id', id]],
  ['an unknown run', 'NOT_FOUND', () => ['log-param', 'p', 'v', '--run-id', 'ffffffffffffffffffffffffffffffff']],
  ['no run id at all', 'NO_ACTIVE_RUN', () => ['log-param', 'p', 'v']],
  ['a filter with OR', 'INVALID_FILTER', () => ['runs', 'search', "params.lr = '1' OR params.lr = '2'"]],
  ['a bad order_by', 'INVALID_ORDER_BY', () => ['runs', 'list', '--order-by', 'metrics.loss SIDEWAYS']],
  ['an artifact path with ../', 'PATH_TRAVERSAL', (id) => ['log-artifact', 'mlruns/0/meta.yaml', '--artifact-path', '../../x', '--run-id', id]],
  ['deleting the Default experiment', 'INVALID_ARGUMENT', () => ['experiments', 'delete', '0']],
  ['deleting a missing tag', 'NOT_FOUND', (id) => ['delete-tag', 'nope', '--run-id', id]],
];

describe('CLI errors in process', () => {
  for (const [what, code, args] of cases) {
    it(`${what}: exit 1, one line "mltrack: error ${code}: ...", tree unchanged`, async () => {
      const { cwd, root, runId } = await setup();
      const before = snapshot(root);
      const result = await runCli(['--mlruns', root, ...args(runId)], { cwd, env: { NO_COLOR: '1' } });
      expect(result.stderr).toMatch(ONE_ERROR_LINE(code));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(snapshot(root)).toEqual(before);
    });
  }

  it('with --json the one stderr line is {"error": {code, mlflow_code, message, data}}', async () => {
    const { cwd, root, runId } = await setup();
    const result = await runCli(['--mlruns', root, '--json', 'log-param', 'lr', '0.02', '--run-id', runId], { cwd, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { error: { code: string; mlflow_code: string; message: string } };
    expect(parsed.error.code).toBe('PARAM_CHANGED');
    expect(parsed.error.mlflow_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('CLI errors in a real process', () => {
  let build: Build;
  beforeAll(() => {
    build = buildSources(['src/cli/main.ts']);
  });
  afterAll(() => build?.remove());

  it('PARAM_CHANGED exits 1 with exactly one stderr line', async () => {
    const { cwd, root, runId } = await setup();
    const before = snapshot(root);
    const result = spawnSync(process.execPath, [build.cli, '--mlruns', root, 'log-param', 'lr', '0.02', '--run-id', runId], { cwd, env: isolatedEnv(tempDir()), encoding: 'utf8' });
    expect(result.stderr).toMatch(ONE_ERROR_LINE('PARAM_CHANGED'));
    expect(result.status).toBe(1);
    expect(snapshot(root)).toEqual(before);
  });

  it('a malformed metric file on read exits 1 with MALFORMED_METRIC', async () => {
    const { cwd, root, runId } = await setup();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(root, '0', runId, 'metrics', 'loss'), '1 2 3\n\n');
    const result = spawnSync(process.execPath, [build.cli, '--mlruns', root, 'runs', 'show', runId], { cwd, env: isolatedEnv(tempDir()), encoding: 'utf8' });
    expect(result.stderr).toMatch(ONE_ERROR_LINE('MALFORMED_METRIC'));
    expect(result.status).toBe(1);
  });

  it('an unknown command is a usage error: exit 2', async () => {
    const { cwd, root } = await setup();
    const result = spawnSync(process.execPath, [build.cli, '--mlruns', root, 'no-such-command'], { cwd, env: isolatedEnv(tempDir()), encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });
});
