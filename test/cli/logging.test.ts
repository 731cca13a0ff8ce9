import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { runCli, spawnCli } from '../helpers/cli.js';

describe('shell logging through the CLI', () => {
  it('start-run prints the id, and log-* commands pick it up from MLTRACK_RUN_ID or MLFLOW_RUN_ID', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    expect((await runCli(['init'], { cwd, env })).code).toBe(0);
    expect(existsSync(join(cwd, '.mltrack.yml'))).toBe(true);

    const start = spawnCli(['start-run', '-e', 'shell', '-n', 'from-bash', '-P', 'lr=0.1', '--tag', 'team=ml'], { cwd, env });
    expect(start.code).toBe(0);
    const runId = start.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);

    const withRun = { ...env, MLTRACK_RUN_ID: runId };
    for (const [step, value] of [[1, '0.5'], [2, '0.25'], [3, 'nan']] as const) {
      expect(spawnCli(['log-metric', 'loss', value, '--step', String(step)], { cwd, env: withRun }).code).toBe(0);
    }
    // MLflow's own variable works too.
    expect(spawnCli(['set-tag', 'stage', 'dev'], { cwd, env: { ...env, MLFLOW_RUN_ID: runId } }).code).toBe(0);
    writeFileSync(join(cwd, 'notes.txt'), 'hello');
    expect(spawnCli(['log-artifact', 'notes.txt', '-a', 'docs'], { cwd, env: withRun }).code).toBe(0);
    expect(spawnCli(['end-run', '--status', 'failed'], { cwd, env: withRun }).code).toBe(0);

    const show = await runCli(['runs', 'show', runId, '--json'], { cwd, env });
    const { run, artifacts } = JSON.parse(show.stdout);
    expect(run.info.status).toBe('FAILED');
    expect(run.info.run_name).toBe('from-bash');
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    const tags = Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags).toMatchObject({ team: 'ml', stage: 'dev', 'mlflow.runName': 'from-bash', 'mlflow.source.type': 'LOCAL' });
    expect(run.data.metrics).toEqual([{ key: 'loss', value: 'NaN', timestamp: expect.any(Number), step: 3 }]);
    expect(artifacts).toEqual([
      { path: 'docs', is_dir: true },
      { path: 'docs/notes.txt', is_dir: false, file_size: 5 },
    ]);
    const history = await runCli(['runs', 'history', runId, 'loss', '--json'], { cwd, env });
    expect(JSON.parse(history.stdout).metrics.map((m: { value: unknown }) => m.value)).toEqual([0.5, 0.25, 'NaN']);
    expect(readFileSync(join(cwd, 'mlruns', run.info.experiment_id, runId, 'metrics', 'loss'), 'utf8')).toMatch(/^\d+ 0\.5 1\n\d+ 0\.25 2\n\d+ nan 3\n$/);
    expect(checkMlruns(join(cwd, 'mlruns')).output).toMatch(/^0 problems/m);
  });

  it('errors are one line with a stable code and a non-zero exit, and change nothing', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const runId = spawnCli(['start-run', '-P', 'lr=0.1'], { cwd, env }).stdout.trim();
    const cases: [string[], string][] = [
      [['log-param', 'lr', '0.2', '--run-id', runId], 'PARAM_CHANGED'],
      [['log-metric', '../evil', '1', '--run-id', runId], 'PATH_TRAVERSAL'],
      [['log-metric', 'bad*name', '1', '--run-id', runId], 'INVALID_KEY'],
      [['log-metric', 'loss', 'abc', '--run-id', runId], 'INVALID_VALUE'],
      [['log-metric', 'loss', '1'], 'NO_ACTIVE_RUN'],
      [['runs', 'search', "params.lr = '0.1' OR params.lr = '0.2'"], 'INVALID_FILTER'],
      [['runs', 'show', 'f'.repeat(32)], 'NOT_FOUND'],
      [['experiments', 'delete', '0'], 'INVALID_ARGUMENT'],
    ];
    for (const [args, code] of cases) {
      const result = spawnCli(args, { cwd, env });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^mltrack: error ${code}: \\S`));
    }
    const json = spawnCli(['log-param', 'lr', '0.2', '--run-id', runId, '--json'], { cwd, env });
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'PARAM_CHANGED', mlflow_code: 'INVALID_PARAMETER_VALUE' });
    const usage = spawnCli(['no-such-command'], { cwd, env });
    expect(usage.code).toBe(2);
    const show = await runCli(['runs', 'show', runId, '--json'], { cwd, env });
    expect(JSON.parse(show.stdout).run.data).toMatchObject({ params: [{ key: 'lr', value: '0.1' }], metrics: [] });
  });

  it('--help teaches with examples, and colour honours NO_COLOR', async () => {
    const cwd = tempDir();
    const help = await runCli(['runs', '--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mltrack runs search');
    expect(help.stdout).toContain('metrics.rmse < 7');
    expect((await runCli(['init'], { cwd })).code).toBe(0);
    const coloured = await runCli(['runs', 'list'], { cwd, env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\u001b[1m');
    const plain = await runCli(['runs', 'list'], { cwd, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });
});

describe('experiments through the CLI', () => {
  it('create, list, rename, delete into .trash and restore, by id or name', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const create = await runCli(['experiments', 'create', 'churn', '--tag', 'team=growth', '--description', 'Churn models'], { cwd, env });
    expect(create.code).toBe(0);
    const id = create.stdout.trim();
    expect(id).toMatch(/^[1-9]\d{17}$/);
    const dup = await runCli(['experiments', 'create', 'churn'], { cwd, env });
    expect(dup.stderr).toMatch(/^mltrack: error ALREADY_EXISTS:/);

    expect((await runCli(['experiments', 'rename', 'churn', 'churn-v2'], { cwd, env })).code).toBe(0);
    const shown = JSON.parse((await runCli(['experiments', 'show', id, '--json'], { cwd, env })).stdout);
    expect(shown).toMatchObject({ experiment_id: id, name: 'churn-v2', lifecycle_stage: 'active' });
    expect(shown.tags).toEqual([{ key: 'mlflow.note.content', value: 'Churn models' }, { key: 'team', value: 'growth' }]);

    expect((await runCli(['experiments', 'delete', 'churn-v2'], { cwd, env })).code).toBe(0);
    expect(existsSync(join(cwd, 'mlruns', '.trash', id, 'meta.yaml'))).toBe(true);
    const active = JSON.parse((await runCli(['experiments', 'list', '--json'], { cwd, env })).stdout);
    expect(active.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
    const deleted = JSON.parse((await runCli(['experiments', 'list', '--view', 'deleted', '--json'], { cwd, env })).stdout);
    expect(deleted.experiments.map((e: { name: string }) => e.name)).toEqual(['churn-v2']);

    expect((await runCli(['experiments', 'restore', id], { cwd, env })).code).toBe(0);
    expect(existsSync(join(cwd, 'mlruns', id, 'meta.yaml'))).toBe(true);
    expect(checkMlruns(join(cwd, 'mlruns')).output).toMatch(/^0 problems/m);
  });
});
