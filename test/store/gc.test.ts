/** gc: deleted runs and trashed experiments are removed for good; active ones never; `olderThanMs` by deletion time. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { captureError, checkAfter, expectCheckMlrunsOk } from '../conformance/fixtures.js';

async function setup() {
  const clock = { now: 1_000 };
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root, { clock: () => clock.now });
  checkAfter(root);
  const keep = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'keep' })).info.runId;
  const oldRun = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'old' })).info.runId;
  const newRun = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'new' })).info.runId;
  const oldExp = await store.createExperiment('old-exp');
  const oldExpRun = (await store.createRun({ experimentId: oldExp, userId: 'u' })).info.runId;
  const newExp = await store.createExperiment('new-exp');
  clock.now = 2_000;
  await store.deleteRun(oldRun);
  await store.deleteExperiment(oldExp);
  clock.now = 8_000;
  await store.deleteRun(newRun);
  await store.deleteExperiment(newExp);
  clock.now = 10_000;
  return { root, store, clock, keep, oldRun, newRun, oldExp, oldExpRun, newExp };
}

describe('gc', () => {
  it('removes every deleted run and trashed experiment, and nothing active', async () => {
    const { root, store, keep, oldRun, newRun, oldExp, oldExpRun, newExp } = await setup();
    const removed = await store.gc();
    expect(removed.runs.sort()).toEqual([oldRun, newRun, oldExpRun].sort());
    expect(removed.experiments.sort()).toEqual([oldExp, newExp].sort());
    expect(existsSync(join(root, '0', oldRun))).toBe(false);
    expect(existsSync(join(root, '.trash', oldExp))).toBe(false);
    expect(existsSync(join(root, '.trash', newExp))).toBe(false);
    expect((await store.getRun(keep)).info.lifecycleStage).toBe('active');
    expect((await captureError(() => store.getRun(oldRun))).code).toBe('NOT_FOUND');
    expect((await captureError(() => store.getExperiment(oldExp))).code).toBe('NOT_FOUND');
    expect((await store.searchExperiments({ viewType: 'ALL' })).items.map((e) => e.experimentId)).toEqual(['0']);
    // The name of a removed experiment is free again.
    await store.createExperiment('old-exp');
    expectCheckMlrunsOk(root);
  });

  it('olderThanMs keeps what was deleted more recently', async () => {
    const { root, store, oldRun, newRun, oldExp, oldExpRun, newExp } = await setup();
    const removed = await store.gc({ olderThanMs: 5_000 }); // cutoff 5_000: deleted at 2_000 goes, at 8_000 stays
    expect(removed.runs.sort()).toEqual([oldRun, oldExpRun].sort());
    expect(removed.experiments).toEqual([oldExp]);
    expect((await store.getRun(newRun)).info.lifecycleStage).toBe('deleted');
    expect((await store.getExperiment(newExp)).lifecycleStage).toBe('deleted');
    expectCheckMlrunsOk(root);
  });

  it('runIds limits gc to those runs and removes no experiment', async () => {
    const { store, oldRun, newRun, oldExp } = await setup();
    const removed = await store.gc({ runIds: [newRun] });
    expect(removed).toEqual({ runs: [newRun], experiments: [] });
    expect((await store.getRun(oldRun)).info.lifecycleStage).toBe('deleted');
    expect((await store.getExperiment(oldExp)).lifecycleStage).toBe('deleted');
  });

  it('experimentIds limits gc to those experiments', async () => {
    const { store, oldRun, newExp, oldExp } = await setup();
    const removed = await store.gc({ experimentIds: [newExp] });
    expect(removed).toEqual({ runs: [], experiments: [newExp] });
    expect((await store.getRun(oldRun)).info.lifecycleStage).toBe('deleted');
    expect((await store.getExperiment(oldExp)).lifecycleStage).toBe('deleted');
  });

  it('a second gc finds nothing', async () => {
    const { store } = await setup();
    await store.gc();
    expect(await store.gc()).toEqual({ runs: [], experiments: [] });
  });
});
