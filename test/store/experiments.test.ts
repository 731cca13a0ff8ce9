/** Experiment lifecycle through the store: create, get, get by name, rename, tags, delete into .trash/, restore. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathToFileUri } from '../../src/format/fileUri.js';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { captureError, checkAfter, expectCheckMlrunsOk, expectRefused } from '../conformance/fixtures.js';

function openStore(start = 1_000) {
  const clock = { now: start };
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root, { clock: () => clock.now });
  checkAfter(root);
  return { root, store, clock };
}

function pyyaml(file: string): Record<string, unknown> {
  return JSON.parse(execFileSync('python3', ['-c', 'import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], { encoding: 'utf8' }));
}

describe('createExperiment', () => {
  it('writes the 6 keys MLflow writes, an 18-digit id and a file: artifact location', async () => {
    const { root, store } = openStore(1_700_000_000_000);
    const id = await store.createExperiment('demo-exp');
    expect(id).toMatch(/^[1-9]\d{17}$/);
    const text = readFileSync(join(root, id, 'meta.yaml'), 'utf8');
    expect(text).toBe(
      `artifact_location: ${pathToFileUri(join(root, id))}\ncreation_time: 1700000000000\nexperiment_id: '${id}'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: demo-exp\n`,
    );
    expect(pyyaml(join(root, id, 'meta.yaml'))).toEqual({
      artifact_location: pathToFileUri(join(root, id)),
      creation_time: 1700000000000,
      experiment_id: id,
      last_update_time: 1700000000000,
      lifecycle_stage: 'active',
      name: 'demo-exp',
    });
    expect(await store.getExperiment(id)).toEqual({
      experimentId: id,
      name: 'demo-exp',
      artifactLocation: pathToFileUri(join(root, id)),
      lifecycleStage: 'active',
      creationTime: 1700000000000,
      lastUpdateTime: 1700000000000,
      tags: {},
    });
    expect((await store.getExperimentByName('demo-exp'))?.experimentId).toBe(id);
    expect(await store.getExperimentByName('nope')).toBeNull();
  });

  it('tags given at creation land in tags/ as value files', async () => {
    const { root, store } = openStore();
    const id = await store.createExperiment('tagged', { tags: { team: 'growth', 'mlflow.note.content': 'line1\nline2' } });
    expect(readFileSync(join(root, id, 'tags', 'mlflow.note.content'), 'utf8')).toBe('line1\nline2');
    expect((await store.getExperiment(id)).tags).toEqual({ team: 'growth', 'mlflow.note.content': 'line1\nline2' });
  });

  it('a relative artifact location is made absolute', async () => {
    const { store } = openStore();
    const id = await store.createExperiment('elsewhere', { artifactLocation: 'some/rel' });
    expect((await store.getExperiment(id)).artifactLocation).toBe(pathToFileUri(join(process.cwd(), 'some/rel')));
    const s3 = await store.createExperiment('s3', { artifactLocation: 's3://bucket/path' });
    expect((await store.getExperiment(s3)).artifactLocation).toBe('s3://bucket/path');
  });

  it('a duplicate name is ALREADY_EXISTS', async () => {
    const { root, store } = openStore();
    await store.createExperiment('dup');
    const err = await expectRefused(root, 'ALREADY_EXISTS', () => store.createExperiment('dup'));
    expect(err.message).toBe("Experiment 'dup' already exists.");
    await expectRefused(root, 'ALREADY_EXISTS', () => store.createExperiment('Default'));
  });

  it('an unknown id is NOT_FOUND', async () => {
    const { store } = openStore();
    const err = await captureError(() => store.getExperiment('424242'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.mlflowCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('experiment tags', () => {
  it('set overwrites, delete removes the file, deleting a missing tag is NOT_FOUND', async () => {
    const { root, store } = openStore();
    const id = await store.createExperiment('tags');
    await store.setExperimentTag(id, 'a/b', '1');
    await store.setExperimentTag(id, 'a/b', '2');
    expect((await store.getExperiment(id)).tags).toEqual({ 'a/b': '2' });
    await store.deleteExperimentTag(id, 'a/b');
    expect((await store.getExperiment(id)).tags).toEqual({});
    expect(existsSync(join(root, id, 'tags', 'a', 'b'))).toBe(false);
    await expectRefused(root, 'NOT_FOUND', () => store.deleteExperimentTag(id, 'a/b'));
  });
});

describe('renameExperiment', () => {
  it('changes the name and last_update_time, keeps creation_time', async () => {
    const { root, store, clock } = openStore(1_000);
    const id = await store.createExperiment('old');
    clock.now = 2_000;
    await store.renameExperiment(id, 'new');
    expect(await store.getExperiment(id)).toMatchObject({ name: 'new', creationTime: 1_000, lastUpdateTime: 2_000 });
    expect(await store.getExperimentByName('old')).toBeNull();
    await store.createRun({ experimentId: id, userId: 'u' });
    expectCheckMlrunsOk(root);
  });
  it('to a name in use (active or deleted) is ALREADY_EXISTS', async () => {
    const { root, store } = openStore();
    const a = await store.createExperiment('a');
    await store.createExperiment('b');
    const gone = await store.createExperiment('gone');
    await store.deleteExperiment(gone);
    await expectRefused(root, 'ALREADY_EXISTS', () => store.renameExperiment(a, 'b'));
    await expectRefused(root, 'ALREADY_EXISTS', () => store.renameExperiment(a, 'gone'));
  });
  it('a deleted experiment cannot be renamed (NOT_ACTIVE)', async () => {
    const { root, store } = openStore();
    const id = await store.createExperiment('x');
    await store.deleteExperiment(id);
    await expectRefused(root, 'NOT_ACTIVE', () => store.renameExperiment(id, 'y'));
  });
});

describe('deleteExperiment and restoreExperiment', () => {
  async function withRuns() {
    const env = openStore(1_000);
    const id = await env.store.createExperiment('doomed', { tags: { team: 't' } });
    const r1 = (await env.store.createRun({ experimentId: id, userId: 'u' })).info.runId;
    const r2 = (await env.store.createRun({ experimentId: id, userId: 'u' })).info.runId;
    await env.store.logParam(r1, 'p', '1');
    return { ...env, id, r1, r2 };
  }

  it('moves the directory to .trash/<id>, marks it and its runs deleted', async () => {
    const { root, store, clock, id, r1, r2 } = await withRuns();
    clock.now = 5_000;
    await store.deleteExperiment(id);
    expect(existsSync(join(root, id))).toBe(false);
    expect(existsSync(join(root, '.trash', id, 'meta.yaml'))).toBe(true);
    expect(await store.getExperiment(id)).toMatchObject({ lifecycleStage: 'deleted', lastUpdateTime: 5_000, tags: { team: 't' } });
    for (const runId of [r1, r2]) {
      expect((await store.getRun(runId)).info).toMatchObject({ lifecycleStage: 'deleted', deletedTime: 5_000 });
      expect(pyyaml(join(root, '.trash', id, runId, 'meta.yaml'))).toMatchObject({ lifecycle_stage: 'deleted', deleted_time: 5_000 });
    }
    expect((await store.searchExperiments()).items.map((e) => e.experimentId)).toEqual(['0']);
    expect((await store.searchExperiments({ viewType: 'DELETED_ONLY' })).items.map((e) => e.experimentId)).toEqual([id]);
    expect((await store.searchRuns({ experimentIds: [id] })).items).toEqual([]);
    expect((await store.searchRuns({ experimentIds: [id], viewType: 'ALL' })).items).toHaveLength(2);
    expect((await store.getExperimentByName('doomed'))?.lifecycleStage).toBe('deleted');
    expectCheckMlrunsOk(root);
  });

  it('keeps the name reserved and refuses writes', async () => {
    const { root, store, id, r1 } = await withRuns();
    await store.deleteExperiment(id);
    const err = await expectRefused(root, 'ALREADY_EXISTS', () => store.createExperiment('doomed'));
    expect(err.message).toContain('deleted state');
    await expectRefused(root, 'NOT_ACTIVE', () => store.createRun({ experimentId: id, userId: 'u' }));
    await expectRefused(root, 'NOT_ACTIVE', () => store.setExperimentTag(id, 'k', 'v'));
    await expectRefused(root, 'NOT_ACTIVE', () => store.logParam(r1, 'q', '1'));
    await expectRefused(root, 'NOT_ACTIVE', () => store.deleteExperiment(id));
  });

  it('a run deleted before keeps its own deleted_time', async () => {
    const { store, clock, id, r1 } = await withRuns();
    clock.now = 3_000;
    await store.deleteRun(r1);
    clock.now = 5_000;
    await store.deleteExperiment(id);
    expect((await store.getRun(r1)).info.deletedTime).toBe(3_000);
  });

  it('restore moves it back, marks it active and its runs active without deleted_time', async () => {
    const { root, store, clock, id, r1, r2 } = await withRuns();
    clock.now = 5_000;
    await store.deleteExperiment(id);
    clock.now = 7_000;
    await store.restoreExperiment(id);
    expect(existsSync(join(root, '.trash', id))).toBe(false);
    expect(await store.getExperiment(id)).toMatchObject({ lifecycleStage: 'active', lastUpdateTime: 7_000, name: 'doomed' });
    for (const runId of [r1, r2]) {
      const info = (await store.getRun(runId)).info;
      expect(info.lifecycleStage).toBe('active');
      expect(info.deletedTime).toBeUndefined();
      expect(readFileSync(join(root, id, runId, 'meta.yaml'), 'utf8')).not.toContain('deleted_time');
    }
    expect((await store.getRun(r1)).data.params).toEqual({ p: '1' });
    await store.logParam(r2, 'after', 'restore');
    expect((await store.searchRuns({ experimentIds: [id] })).items).toHaveLength(2);
    expectCheckMlrunsOk(root);
  });

  it('restoring an active experiment is INVALID_STATE; an unknown one NOT_FOUND', async () => {
    const { root, store, id } = await withRuns();
    await expectRefused(root, 'INVALID_STATE', () => store.restoreExperiment(id));
    await expectRefused(root, 'NOT_FOUND', () => store.restoreExperiment('424242'));
  });

  it('the Default experiment cannot be deleted', async () => {
    const { root, store } = openStore();
    await store.createRun({ experimentId: '0', userId: 'u' });
    const err = await expectRefused(root, 'INVALID_ARGUMENT', () => store.deleteExperiment('0'));
    expect(err.message).toMatch(/Default/);
    expect((await store.getExperiment('0')).lifecycleStage).toBe('active');
    expectCheckMlrunsOk(root);
  });
});
