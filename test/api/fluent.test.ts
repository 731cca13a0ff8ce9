import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as mltrack from '../../src/index.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { tempDir } from '../helpers/env.js';

const saved = { ...process.env };
const savedCwd = process.cwd();
// Run outside any git repository, so lineage does not look at this project's own work tree.
beforeEach(() => process.chdir(tempDir()));
afterEach(() => {
  process.chdir(savedCwd);
  process.env = { ...saved };
  mltrack.resetFluentState();
});

describe('fluent API', () => {
  it('withRun logs params, metrics with steps, tags and artifacts, and ends FINISHED', async () => {
    const root = join(tempDir(), 'mlruns');
    mltrack.setTrackingUri(`file://${root}`);
    const experiment = await mltrack.setExperiment('api');
    const runId = await mltrack.withRun({ runName: 'ok', description: 'first try' }, async (run) => {
      await run.logParams({ lr: 0.1, deep: true, none: null });
      for (let step = 0; step < 5; step++) await run.logMetric('loss', 1 / (step + 1), { step, timestamp: 1000 + step });
      await run.logMetrics({ acc: 0.9, f1: 0.8 }, { step: 4 });
      await run.setTag('team', 'ml');
      await run.logDict({ a: 1 }, 'config/params.json');
      return run.runId;
    });
    const run = await mltrack.store().getRun(runId);
    expect(run.info).toMatchObject({ status: 'FINISHED', runName: 'ok', experimentId: experiment.experimentId });
    expect(run.info.endTime).toBeGreaterThanOrEqual(run.info.startTime);
    expect(run.data.params).toEqual({ lr: '0.1', deep: 'True', none: 'None' });
    expect(run.data.metrics.loss).toMatchObject({ value: 0.2, step: 4, timestamp: 1004 });
    expect(run.data.tags).toMatchObject({ team: 'ml', 'mlflow.note.content': 'first try', 'mlflow.runName': 'ok', 'mlflow.source.type': 'LOCAL' });
    expect((await mltrack.store().getMetricHistory(runId, 'loss')).map((m) => m.value)).toEqual([1, 0.5, 1 / 3, 0.25, 0.2]);
    expect(new TextDecoder().decode(await mltrack.store().readArtifact(runId, 'config/params.json'))).toContain('"a": 1');
    expect(checkMlruns(root).output).toMatch(/^0 problems/m);
  });

  it('a callback that throws marks the run FAILED and rethrows', async () => {
    mltrack.setTrackingUri(join(tempDir(), 'mlruns'));
    let id = '';
    await expect(
      mltrack.withRun({}, async (run) => {
        id = run.runId;
        await run.logMetric('x', 1);
        throw new Error('diverged');
      }),
    ).rejects.toThrow('diverged');
    expect((await mltrack.store().getRun(id)).info.status).toBe('FAILED');
    expect(mltrack.activeRun()).toBeNull();
  });

  it('nested runs get mlflow.parentRunId, and a second top-level run is refused', async () => {
    mltrack.setTrackingUri(join(tempDir(), 'mlruns'));
    const parent = await mltrack.startRun({ runName: 'parent' });
    await expect(mltrack.startRun()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const child = await mltrack.startRun({ nested: true, runName: 'child' });
    await mltrack.logParam('depth', 1);
    await mltrack.endRun();
    await mltrack.endRun();
    const childRun = await mltrack.store().getRun(child.runId);
    expect(childRun.data.tags['mlflow.parentRunId']).toBe(parent.runId);
    expect(childRun.data.params).toEqual({ depth: '1' });
    expect((await mltrack.store().getRun(parent.runId)).info.status).toBe('FINISHED');
  });

  it('honours MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME and resumes MLFLOW_RUN_ID', async () => {
    const root = join(tempDir(), 'tracked');
    process.env.MLFLOW_TRACKING_URI = `file:${root}`;
    process.env.MLFLOW_EXPERIMENT_NAME = 'from-env';
    const first = await mltrack.startRun({ runName: 'outer' });
    await mltrack.endRun();
    expect(mltrack.getTrackingUri()).toBe(root);
    const experiment = await mltrack.store().getExperiment(first.experimentId);
    expect(experiment.name).toBe('from-env');

    mltrack.resetFluentState();
    process.env.MLFLOW_RUN_ID = first.runId;
    const resumed = await mltrack.startRun();
    expect(resumed.runId).toBe(first.runId);
    await mltrack.logMetric('late', 2);
    await mltrack.endRun();
    expect((await mltrack.store().getRun(first.runId)).data.metrics.late?.value).toBe(2);
  });
});
