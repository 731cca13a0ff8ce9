/** Run lifecycle through the store: create, run names, nested runs, tags, update, delete and restore. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathToFileUri } from '../../src/format/fileUri.js';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { captureError, checkAfter, expectCheckMlrunsOk, expectRefused } from '../conformance/fixtures.js';

function openStore(start = 1_700_000_000_000) {
  const clock = { now: start };
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root, { clock: () => clock.now });
  checkAfter(root);
  return { root, store, clock };
}

function pyyaml(file: string): Record<string, unknown> {
  return JSON.parse(execFileSync('python3', ['-c', 'import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1],encoding="utf-8"))))', file], { encoding: 'utf8' }));
}

describe('createRun', () => {
  it('writes the 15-key meta of the writer profile, the four folders and the mlflow.runName tag', async () => {
    const { root, store } = openStore();
    const run = await store.createRun({ experimentId: '0', userId: 'alice', runName: 'first', tags: { team: 'x' } });
    const id = run.info.runId;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const dir = join(root, '0', id);
    expect(readdirSync(dir).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
    expect(pyyaml(join(dir, 'meta.yaml'))).toEqual({
      artifact_uri: `${pathToFileUri(join(root, '0'))}/${id}/artifacts`,
      end_time: null,
      entry_point_name: '',
      experiment_id: '0',
      lifecycle_stage: 'active',
      run_id: id,
      run_name: 'first',
      run_uuid: id,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: 1_700_000_000_000,
      status: 1,
      tags: [],
      user_id: 'alice',
    });
    expect(readFileSync(join(dir, 'tags', 'mlflow.runName'), 'utf8')).toBe('first');
    expect(run.data.tags).toEqual({ team: 'x', 'mlflow.runName': 'first' });
    expect(await store.getRun(id)).toEqual({
      info: { runId: id, runName: 'first', experimentId: '0', userId: 'alice', status: 'RUNNING', startTime: 1_700_000_000_000, endTime: null, artifactUri: `${pathToFileUri(join(root, '0'))}/${id}/artifacts`, lifecycleStage: 'active' },
      data: { metrics: {}, params: {}, tags: { team: 'x', 'mlflow.runName': 'first' } },
      inputs: [],
    });
    expectCheckMlrunsOk(root);
  });

  it('without a name it picks <adjective>-<noun>-<n> of at most 20 characters', async () => {
    const { root, store } = openStore();
    for (let i = 0; i < 20; i++) {
      const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
      expect(info.runName).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
      expect(info.runName!.length).toBeLessThanOrEqual(20);
      expect(readFileSync(join(root, '0', info.runId, 'tags', 'mlflow.runName'), 'utf8')).toBe(info.runName);
    }
  });

  it('takes the name from the mlflow.runName tag when no run_name is given', async () => {
    const { store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u', tags: { 'mlflow.runName': 'from-tag' } });
    expect(info.runName).toBe('from-tag');
    expect((await store.getRun(info.runId)).info.runName).toBe('from-tag');
  });

  it('run_name and an equal mlflow.runName tag are fine; different ones are INVALID_ARGUMENT', async () => {
    const { root, store } = openStore();
    await store.createRun({ experimentId: '0', userId: 'u', runName: 'same', tags: { 'mlflow.runName': 'same' } });
    const err = await expectRefused(root, 'INVALID_ARGUMENT', () =>
      store.createRun({ experimentId: '0', userId: 'u', runName: 'one', tags: { 'mlflow.runName': 'two' } }),
    );
    expect(err.message).toContain("'mlflow.runName'");
  });

  it('bad tags are refused before the run directory exists', async () => {
    const { root, store } = openStore();
    await expectRefused(root, 'INVALID_KEY', () => store.createRun({ experimentId: '0', userId: 'u', tags: { 'bad*': 'v' } }));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.createRun({ experimentId: '0', userId: 'u', tags: { t: 'x'.repeat(8001) } }));
    await expectRefused(root, 'INVALID_KEY', () => store.createRun({ experimentId: '0', userId: 'u', tags: { a: '1', 'a/b': '2' } }));
  });
});

describe('run names after creation', () => {
  it("setTag('mlflow.runName') rewrites meta run_name", async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u', runName: 'before' });
    await store.setTag(info.runId, 'mlflow.runName', 'after');
    expect(pyyaml(join(root, '0', info.runId, 'meta.yaml')).run_name).toBe('after');
    expect((await store.getRun(info.runId)).info.runName).toBe('after');
    await store.logBatch(info.runId, { tags: [{ key: 'mlflow.runName', value: 'on' }] });
    expect(pyyaml(join(root, '0', info.runId, 'meta.yaml')).run_name).toBe('on');
    expectCheckMlrunsOk(root);
  });

  it('updateRunInfo({runName}) writes the tag too', async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u', runName: 'before' });
    await store.updateRunInfo(info.runId, { runName: 'renamed' });
    expect(readFileSync(join(root, '0', info.runId, 'tags', 'mlflow.runName'), 'utf8')).toBe('renamed');
    expect((await store.getRun(info.runId)).info.runName).toBe('renamed');
    expectCheckMlrunsOk(root);
  });
});

describe('nested runs', () => {
  it('children carry mlflow.parentRunId and are found by it', async () => {
    const { root, store } = openStore();
    const parent = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'parent' })).info.runId;
    const children: string[] = [];
    for (let i = 0; i < 3; i++) {
      children.push((await store.createRun({ experimentId: '0', userId: 'u', runName: `child-${i}`, startTime: 1_700_000_000_001 + i, tags: { 'mlflow.parentRunId': parent } })).info.runId);
    }
    const found = await store.searchRuns({ experimentIds: ['0'], filter: `tags.mlflow.parentRunId = '${parent}'`, orderBy: ['start_time ASC'] });
    expect(found.items.map((r) => r.info.runId)).toEqual(children);
    expect((await store.getRun(children[0]!)).data.tags['mlflow.parentRunId']).toBe(parent);
    expect((await store.getRun(parent)).data.tags['mlflow.parentRunId']).toBeUndefined();
    expectCheckMlrunsOk(root);
  });
});

describe('tags', () => {
  it('setTag overwrites; deleteTag removes the file; a missing tag is NOT_FOUND', async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await store.setTag(info.runId, 'nested/t', 'one');
    await store.setTag(info.runId, 'nested/t', 'two\n');
    expect((await store.getRun(info.runId)).data.tags['nested/t']).toBe('two\n');
    await store.deleteTag(info.runId, 'nested/t');
    expect(existsSync(join(root, '0', info.runId, 'tags', 'nested', 't'))).toBe(false);
    expect((await store.getRun(info.runId)).data.tags['nested/t']).toBeUndefined();
    const err = await expectRefused(root, 'NOT_FOUND', () => store.deleteTag(info.runId, 'nested/t'));
    expect(err.mlflowCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expectCheckMlrunsOk(root);
  });
  it('deleteTag on a deleted run is NOT_ACTIVE', async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await store.setTag(info.runId, 't', 'v');
    await store.deleteRun(info.runId);
    await expectRefused(root, 'NOT_ACTIVE', () => store.deleteTag(info.runId, 't'));
  });
});

describe('update, terminate, delete, restore', () => {
  it('setTerminated sets a terminal status and end_time; a non-terminal status is INVALID_ARGUMENT', async () => {
    const { root, store, clock } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    clock.now = 1_700_000_009_000;
    await store.setTerminated(info.runId, 'FAILED');
    expect((await store.getRun(info.runId)).info).toMatchObject({ status: 'FAILED', endTime: 1_700_000_009_000 });
    expect(pyyaml(join(root, '0', info.runId, 'meta.yaml'))).toMatchObject({ status: 4, end_time: 1_700_000_009_000 });
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.setTerminated(info.runId, 'RUNNING'));
  });

  it('end_time is applied only when truthy, as MLflow does', async () => {
    const { store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await store.updateRunInfo(info.runId, { status: 'FINISHED', endTime: 0 });
    expect((await store.getRun(info.runId)).info).toMatchObject({ status: 'FINISHED', endTime: null });
  });

  it('a FINISHED run can still be logged to', async () => {
    const { store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await store.setTerminated(info.runId);
    await store.logMetric(info.runId, { key: 'late', value: 1, timestamp: 5 });
    expect((await store.getRun(info.runId)).data.metrics.late?.value).toBe(1);
  });

  it('deleteRun keeps the directory and sets deleted_time; restoreRun drops it', async () => {
    const { root, store, clock } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    clock.now = 1_700_000_002_000;
    await store.deleteRun(info.runId);
    expect(pyyaml(join(root, '0', info.runId, 'meta.yaml'))).toMatchObject({ lifecycle_stage: 'deleted', deleted_time: 1_700_000_002_000 });
    expect((await store.searchRuns({ experimentIds: ['0'] })).items).toEqual([]);
    expect((await store.searchRuns({ experimentIds: ['0'], viewType: 'DELETED_ONLY' })).items.map((r) => r.info.runId)).toEqual([info.runId]);
    expectCheckMlrunsOk(root);
    await store.restoreRun(info.runId);
    const text = readFileSync(join(root, '0', info.runId, 'meta.yaml'), 'utf8');
    expect(text).not.toContain('deleted_time');
    expect(text).toContain('lifecycle_stage: active\n');
    expect((await store.searchRuns({ experimentIds: ['0'] })).items.map((r) => r.info.runId)).toEqual([info.runId]);
    expectCheckMlrunsOk(root);
  });

  it('restoring a run that is not deleted is INVALID_STATE; deleting a deleted run is a no-op', async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await expectRefused(root, 'INVALID_STATE', () => store.restoreRun(info.runId));
    await store.deleteRun(info.runId);
    const before = readFileSync(join(root, '0', info.runId, 'meta.yaml'), 'utf8');
    await store.deleteRun(info.runId); // MLflow refuses this (run must be active); we keep the first deleted_time
    expect(readFileSync(join(root, '0', info.runId, 'meta.yaml'), 'utf8')).toBe(before);
  });

  it('an unknown run is NOT_FOUND for every call', async () => {
    const { store } = openStore();
    const missing = 'ffffffffffffffffffffffffffffffff';
    for (const action of [() => store.getRun(missing), () => store.deleteRun(missing), () => store.restoreRun(missing), () => store.getMetricHistory(missing, 'm'), () => store.setTerminated(missing)]) {
      expect((await captureError(action)).code).toBe('NOT_FOUND');
    }
  });

  it('metric history of a key never logged is empty', async () => {
    const { store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    expect(await store.getMetricHistory(info.runId, 'never')).toEqual([]);
  });

  it('metrics are written as Python repr floats, one line each', async () => {
    const { root, store } = openStore();
    const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
    await store.logBatch(info.runId, {
      metrics: [3, 0.5, 1e-5, 1e16, NaN, Infinity, -Infinity].map((value, step) => ({ key: 'm', value, timestamp: 10, step })),
    });
    expect(readFileSync(join(root, '0', info.runId, 'metrics', 'm'), 'utf8')).toBe(
      '10 3.0 0\n10 0.5 1\n10 1e-05 2\n10 1e+16 3\n10 nan 4\n10 inf 5\n10 -inf 6\n',
    );
  });
});
