import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { runCli, spawnCli } from '../helpers/cli.js';

describe('mltrack demo', () => {
  it('trains the grid into a tree MLflow can read, and the runs are searchable', async () => {
    const home = tempDir();
    const env = isolatedEnv(home);
    const result = spawnCli(['demo', '--dir', 'proj', '--json'], { cwd: home, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const demo = JSON.parse(result.stdout);
    expect(demo.runs).toHaveLength(9);
    const best = Math.max(...demo.runs.map((r: { val_accuracy: number }) => r.val_accuracy));
    expect(best).toBeGreaterThan(0.9);

    // The runs are committed to the demo's own tracking branch, with lineage to its code commit.
    const proj = join(home, 'proj');
    expect(git(proj, env, 'rev-parse', 'mltrack')).toBe(demo.commit);
    expect(git(proj, env, 'ls-tree', '-d', '--name-only', `mltrack:mlruns/${demo.experiment_id}`).split('\n').filter((n) => /^[0-9a-f]{32}$/.test(n))).toHaveLength(9);
    const best1 = JSON.parse((await runCli(['runs', 'show', demo.runs[0].run_id, '--json'], { cwd: proj, env })).stdout).run;
    const tags = Object.fromEntries(best1.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags['mlflow.source.git.commit']).toBe(git(proj, env, 'rev-parse', 'HEAD'));
    expect(best1.inputs.dataset_inputs[0].dataset).toMatchObject({ name: 'iris', source: '{"uri":"data/iris.csv"}' });

    // The best run's model: an MLflow model directory, registered and promoted to Production with stage tags.
    const mlmodel = readFileSync(join(proj, 'mlruns', demo.experiment_id, demo.model.run_id, 'artifacts', 'model', 'MLmodel'), 'utf8');
    expect(mlmodel).toMatch(/^flavors:\n  mltrack_softmax:/m);
    expect(mlmodel).toContain(`run_id: ${demo.model.run_id}`);
    const model = JSON.parse((await runCli(['models', 'show', 'iris-classifier', '--json'], { cwd: proj, env })).stdout);
    expect(model.model_versions).toMatchObject([{ version: '1', current_stage: 'Production', aliases: ['champion'], run_id: demo.model.run_id }]);
    const history = JSON.parse((await runCli(['models', 'history', 'iris-classifier', '--json'], { cwd: proj, env })).stdout).events;
    expect(history.map((e: { event: string; stage: string | null }) => e.stage ?? e.event)).toEqual(['registered', 'Staging', 'Production']);

    const check = checkMlruns(join(home, 'proj', 'mlruns'));
    expect(check.output).toContain('0 problems');
    expect(check.ok).toBe(true);

    const search = await runCli(['runs', 'search', 'metrics.val_accuracy > 0.9', '--json'], { cwd: join(home, 'proj'), env });
    expect(search.code).toBe(0);
    const found = JSON.parse(search.stdout).runs;
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(9);
    for (const run of found) {
      const acc = run.data.metrics.find((m: { key: string }) => m.key === 'val_accuracy');
      expect(acc.value).toBeGreaterThan(0.9);
      expect(acc.step).toBe(30);
    }
  });
});
