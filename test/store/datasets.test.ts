/** Dataset inputs (MLflow log_inputs): one record per (name, digest) per experiment, one edge per run. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/format/entities.js';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { checkAfter, expectCheckMlrunsOk, expectRefused, md5 } from '../conformance/fixtures.js';

const DATA: Dataset = {
  name: 'mydata',
  digest: 'a27a57c9',
  sourceType: 's3',
  source: '{"uri": "s3://bucket/data.csv"}',
  schema: null,
  profile: '{"num_rows": 2, "num_elements": 4}',
};

function pyyaml(file: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1],encoding="utf-8"))))', file], { encoding: 'utf8' }));
}

async function setup() {
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root);
  checkAfter(root);
  const a = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'a' })).info.runId;
  const b = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'b' })).info.runId;
  return { root, store, a, b };
}

describe('logInputs', () => {
  it('writes datasets/<md5(name+digest)>/meta.yaml and inputs/<md5(dataset_id+run_id)>/meta.yaml as MLflow does', async () => {
    const { root, store, a } = await setup();
    await store.logInputs(a, [{ dataset: DATA, tags: { 'mlflow.data.context': 'training' } }]);
    const datasetId = md5('mydata' + 'a27a57c9');
    expect(pyyaml(join(root, '0', 'datasets', datasetId, 'meta.yaml'))).toEqual({
      digest: 'a27a57c9',
      name: 'mydata',
      profile: '{"num_rows": 2, "num_elements": 4}',
      schema: null,
      source: '{"uri": "s3://bucket/data.csv"}',
      source_type: 's3',
    });
    expect(pyyaml(join(root, '0', a, 'inputs', md5(datasetId + a), 'meta.yaml'))).toEqual({
      destination_id: datasetId, // MLflow's quirk: the source id, not the run id
      destination_type: 'RUN',
      source_id: datasetId,
      source_type: 'DATASET',
      tags: { 'mlflow.data.context': 'training' },
    });
    expect((await store.getRun(a)).inputs).toEqual([{ dataset: DATA, tags: { 'mlflow.data.context': 'training' } }]);
    expect(await store.getDatasetInputs(a)).toEqual([{ dataset: DATA, tags: { 'mlflow.data.context': 'training' } }]);
    expectCheckMlrunsOk(root);
  });

  it('the same dataset is not linked twice to a run (a second context is ignored), and shared across runs', async () => {
    const { root, store, a, b } = await setup();
    await store.logInputs(a, [{ dataset: DATA, tags: { 'mlflow.data.context': 'training' } }]);
    await store.logInputs(a, [{ dataset: DATA, tags: { 'mlflow.data.context': 'eval' } }]);
    await store.logInputs(b, [{ dataset: DATA, tags: { 'mlflow.data.context': 'eval' } }]);
    expect(readdirSync(join(root, '0', 'datasets'))).toEqual([md5('mydata' + 'a27a57c9')]);
    expect(readdirSync(join(root, '0', a, 'inputs'))).toHaveLength(1);
    expect((await store.getRun(a)).inputs.map((i) => i.tags)).toEqual([{ 'mlflow.data.context': 'training' }]);
    expect((await store.getRun(b)).inputs.map((i) => i.tags)).toEqual([{ 'mlflow.data.context': 'eval' }]);
    expectCheckMlrunsOk(root);
  });

  it("dataset filters search by context, name and digest", async () => {
    const { store, a, b } = await setup();
    await store.logInputs(a, [{ dataset: DATA, tags: { 'mlflow.data.context': 'training' } }]);
    await store.logInputs(b, [{ dataset: { ...DATA, name: 'other', digest: 'ffff0000' }, tags: { 'mlflow.data.context': 'eval' } }]);
    const ids = async (filter: string) => (await store.searchRuns({ experimentIds: ['0'], filter })).items.map((r) => r.info.runId);
    expect(await ids("dataset.context = 'training'")).toEqual([a]);
    expect(await ids("dataset.context = 'eval'")).toEqual([b]);
    expect(await ids("dataset.name = 'mydata' AND dataset.digest = 'a27a57c9'")).toEqual([a]);
    expect(await ids("datasets.name IN ('mydata', 'other')")).toHaveLength(2);
    expect(await ids("dataset.context = 'test'")).toEqual([]);
  });

  it('over-long fields are VALUE_TOO_LONG and write nothing', async () => {
    const { root, store, a } = await setup();
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logInputs(a, [{ dataset: { ...DATA, digest: 'd'.repeat(37) } }]));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logInputs(a, [{ dataset: { ...DATA, name: 'n'.repeat(501) } }]));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logInputs(a, [{ dataset: DATA, tags: { 'mlflow.data.context': 'c'.repeat(501) } }]));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logInputs(a, [{ dataset: DATA }, { dataset: { ...DATA, digest: 'd'.repeat(37) } }]));
    expect(existsSync(join(root, '0', 'datasets'))).toBe(false);
  });

  it('a deleted run is NOT_ACTIVE', async () => {
    const { root, store, a } = await setup();
    await store.deleteRun(a);
    await expectRefused(root, 'NOT_ACTIVE', () => store.logInputs(a, [{ dataset: DATA }]));
  });
});
