/**
 * Spec section 14, cases 1 to 21 and 25: each input tree is written by hand with the bytes the case
 * gives (E=123, R=0123456789abcdef0123456789abcdef), then read through FileStore / MlrunsReader.
 * Where MLflow 2.x and 3.x differ, we pin the documented mltrack behaviour: the more tolerant reader.
 */
import { setReadWarningSink } from '../../src/store/readWarnings.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricJson, runJson } from '../../src/format/restJson.js';
import { FileStore } from '../../src/store/FileStore.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import { MlrunsReader } from '../../src/store/MlrunsReader.js';
import { tempDir } from '../helpers/env.js';
import {
  captureError, E, expectCheckMlrunsOk, experimentMetaText, md5, minimalTree, R, R_B, runMetaText, snapshot, writeTree,
} from './fixtures.js';

const RUN = `${E}/${R}`;

function fixture(files: Record<string, string | Uint8Array | null> = {}, run: Parameters<typeof minimalTree>[1] = {}): { root: string; store: FileStore } {
  const root = tempDir();
  minimalTree(root, run);
  writeTree(root, files);
  return { root, store: new FileStore(root) };
}

/** PyYAML's reading of one YAML scalar field, as `type:value`. */
function pyyamlField(file: string, key: string): string {
  return execFileSync('python3', ['-c', 'import yaml,sys; v=yaml.safe_load(open(sys.argv[1],encoding="utf-8"))[sys.argv[2]]; print(type(v).__name__+":"+str(v))', file, key], { encoding: 'utf8' }).trim();
}

describe('case 1: minimal valid tree', () => {
  it('reads one experiment and one FINISHED run, creating only .trash/', async () => {
    const root = tempDir();
    minimalTree(root);
    const store = new FileStore(root);
    expect(existsSync(join(root, '.trash'))).toBe(true);
    expect(existsSync(join(root, '0'))).toBe(false);

    const experiments = (await store.searchExperiments()).items;
    expect(experiments.map((e) => [e.experimentId, e.name, e.lifecycleStage])).toEqual([[E, 'handmade', 'active']]);

    const run = await store.getRun(R);
    expect(run.info).toMatchObject({ runId: R, experimentId: E, status: 'FINISHED', runName: 'hand-run', lifecycleStage: 'active', userId: 'alice', startTime: 1700000000000, endTime: 1700000001000 });
    expect(run.data.metrics).toEqual({});
    expect(run.data.params).toEqual({});
    expect(run.data.tags).toEqual({});
    expect((await store.searchRuns({ experimentIds: [E] })).items.map((r) => r.info.runId)).toEqual([R]);
    expectCheckMlrunsOk(root);
  });

  it('a missing root is created with the Default experiment 0', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new FileStore(root);
    const experiments = (await store.searchExperiments()).items;
    expect(experiments.map((e) => [e.experimentId, e.name])).toEqual([['0', 'Default']]);
    expect(readFileSync(join(root, '0', 'meta.yaml'), 'utf8')).toContain("experiment_id: '0'\n");
    expect(existsSync(join(root, '.trash'))).toBe(true);
  });
});

describe('case 2: metric latest and history', () => {
  it('latest is the last step; history keeps file order', async () => {
    const { store } = fixture({ [`${RUN}/metrics/loss`]: '1700000000001 0.5 0\n1700000000002 0.25 1\n' });
    const run = await store.getRun(R);
    expect(run.data.metrics.loss).toEqual({ key: 'loss', value: 0.25, timestamp: 1700000000002, step: 1 });
    expect(await store.getMetricHistory(R, 'loss')).toEqual([
      { key: 'loss', value: 0.5, timestamp: 1700000000001, step: 0 },
      { key: 'loss', value: 0.25, timestamp: 1700000000002, step: 1 },
    ]);
  });
});

describe('case 3: latest = max(step, timestamp, value)', () => {
  it('the higher step wins over the newer timestamp', async () => {
    const { store } = fixture({ [`${RUN}/metrics/m`]: '5 1.0 0\n1 2.0 1\n' });
    expect((await store.getRun(R)).data.metrics.m).toEqual({ key: 'm', value: 2, timestamp: 1, step: 1 });
  });

  it('at equal steps the newer timestamp wins, then the larger value', async () => {
    const { store } = fixture({ [`${RUN}/metrics/m`]: '2 9.0 3\n5 1.0 3\n5 0.5 3\n' });
    expect((await store.getRun(R)).data.metrics.m?.value).toBe(1);
  });
});

describe('case 4: legacy 2-field line', () => {
  it('reads value 1e-05 at step 0', async () => {
    const { store } = fixture({ [`${RUN}/metrics/two_fields`]: '1700000000001 1e-05\n' });
    expect(await store.getMetricHistory(R, 'two_fields')).toEqual([{ key: 'two_fields', value: 1e-5, timestamp: 1700000000001, step: 0 }]);
  });
});

describe('case 5: non-finite values', () => {
  it('nan, inf, -inf, NaN and Infinity parse; latest a = -inf, b = inf; REST renders strings', async () => {
    const { store } = fixture({
      [`${RUN}/metrics/a`]: '1 nan 0\n2 inf 1\n3 -inf 2\n',
      [`${RUN}/metrics/b`]: '1 NaN 0\n2 Infinity 1\n',
    });
    expect((await store.getMetricHistory(R, 'a')).map((m) => m.value)).toEqual([NaN, Infinity, -Infinity]);
    expect((await store.getMetricHistory(R, 'b')).map((m) => m.value)).toEqual([NaN, Infinity]);
    const run = await store.getRun(R);
    expect(run.data.metrics.a?.value).toBe(-Infinity);
    expect(run.data.metrics.b?.value).toBe(Infinity);
    const history = await store.getMetricHistory(R, 'a');
    expect(history.map((m) => (metricJson(m) as { value: unknown }).value)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

describe('case 6: nested keys', () => {
  it('subfolders become keys with /', async () => {
    const { store } = fixture({
      [`${RUN}/metrics/sub/acc`]: '1 0.5 0\n',
      [`${RUN}/params/nested/param`]: 'a b',
      [`${RUN}/tags/nested/tag`]: 'x',
    });
    const run = await store.getRun(R);
    expect(Object.keys(run.data.metrics)).toEqual(['sub/acc']);
    expect(run.data.params).toEqual({ 'nested/param': 'a b' });
    expect(run.data.tags).toEqual({ 'nested/tag': 'x' });
    expect((await store.getMetricHistory(R, 'sub/acc'))[0]?.value).toBe(0.5);
  });
});

describe('case 7: verbatim values', () => {
  it('a trailing newline stays part of a tag; UTF-8 params read back exactly', async () => {
    const { store } = fixture({
      [`${RUN}/tags/note`]: Buffer.from('multi\nline\n', 'utf8'),
      [`${RUN}/params/u`]: Buffer.from('héllo ✓', 'utf8'),
    });
    const run = await store.getRun(R);
    expect(run.data.tags.note).toBe('multi\nline\n');
    expect(run.data.params.u).toBe('héllo ✓');
  });
});

describe('case 8: malformed metric lines are errors', () => {
  const cases: [string, string, RegExp][] = [
    ['a trailing blank line', '1 2 3\n\n', /1 fields/],
    ['a 4-field line', '1 2 3 4\n', /4 fields/],
    ['a float timestamp', '1.5 2 3\n', /timestamp '1\.5'/],
    ['an empty file', '', /No data found/],
  ];
  for (const [what, content, message] of cases) {
    it(`${what} gives MALFORMED_METRIC on get_run and on history`, async () => {
      const { store } = fixture({ [`${RUN}/metrics/bad`]: content });
      const err = await captureError(() => store.getRun(R));
      expect(err.code).toBe('MALFORMED_METRIC');
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/Metric 'bad' is malformed/);
      expect((await captureError(() => store.getMetricHistory(R, 'bad'))).code).toBe('MALFORMED_METRIC');
      // A search skips the damaged run with one warning, as MLflow logs and skips it (spec §11.5).
      const { result, warnings } = await collectingWarnings(() => store.searchRuns({ experimentIds: [E] }));
      expect(result.items).toEqual([]);
      expect(warnings).toEqual([expect.stringContaining('MALFORMED_METRIC')]);
    });
  }

  it('a 5-field line is accepted with its dataset name and digest (we read like 3.x; 2.x refuses it)', async () => {
    const { store } = fixture({ [`${RUN}/metrics/m`]: '1 0.5 2 mydata a27a57c9\n' });
    expect(await store.getMetricHistory(R, 'm')).toEqual([{ key: 'm', value: 0.5, timestamp: 1, step: 2, datasetName: 'mydata', datasetDigest: 'a27a57c9' }]);
  });

  it('\\r\\n line ends and a missing final newline are tolerated', async () => {
    const { store } = fixture({ [`${RUN}/metrics/m`]: '1 0.5 0\r\n2 0.75 1' });
    expect((await store.getMetricHistory(R, 'm')).map((m) => m.value)).toEqual([0.5, 0.75]);
  });
});

describe('case 9: run_uuid / run_id presence', () => {
  // MLflow 2.x needs run_uuid and 3.x needs run_id; mltrack reads a run with either (spec 4.1).
  it('a meta without run_uuid (3.x) reads', async () => {
    const { store } = fixture({}, { raw: { run_uuid: null } });
    expect((await store.getRun(R)).info.runId).toBe(R);
  });
  it('a meta with only run_uuid (old 2.x) reads', async () => {
    const { store } = fixture({}, { raw: { run_id: null } });
    expect((await store.getRun(R)).info.runId).toBe(R);
    expect((await store.searchRuns({ experimentIds: [E] })).items.map((r) => r.info.runId)).toEqual([R]);
  });
  it('a meta with both reads', async () => {
    const { root, store } = fixture();
    expect((await store.getRun(R)).info.runId).toBe(R);
    expectCheckMlrunsOk(root);
  });
  it('a meta with neither is MALFORMED_META: get_run refuses it, a search skips it with one warning', async () => {
    const { store } = fixture({}, { raw: { run_id: null, run_uuid: null } });
    const { result, warnings } = await collectingWarnings(() => store.searchRuns({ experimentIds: [E] }));
    expect(result.items).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('MALFORMED_META')]);
  });
  it('a rewrite by our store puts run_uuid back (3.x trees become 2.x-readable)', async () => {
    const { root, store } = fixture({}, { raw: { run_uuid: null } });
    await store.setTag(R, 'k', 'v');
    await store.updateRunInfo(R, { status: 'KILLED' });
    expect(readFileSync(join(root, RUN, 'meta.yaml'), 'utf8')).toContain(`run_uuid: ${R}\n`);
    expectCheckMlrunsOk(root);
  });
});

describe('case 10: required run keys', () => {
  for (const key of ['end_time', 'start_time', 'user_id']) {
    it(`removing ${key} is MALFORMED_META`, async () => {
      const { store } = fixture({}, { raw: { [key]: null } });
      const err = await captureError(() => store.getRun(R));
      expect(err.code).toBe('MALFORMED_META');
      expect(err.message).toContain(`'${key}'`);
      const { result, warnings } = await collectingWarnings(() => store.searchRuns({ experimentIds: [E] }));
      expect(result.items).toEqual([]);
      expect(warnings).toEqual([expect.stringContaining('MALFORMED_META')]);
    });
  }
  it('removing lifecycle_stage reads as active', async () => {
    const { store } = fixture({}, { raw: { lifecycle_stage: null } });
    expect((await store.getRun(R)).info.lifecycleStage).toBe('active');
    expect((await store.searchRuns({ experimentIds: [E] })).items).toHaveLength(1);
  });
  it('removing status reads as RUNNING', async () => {
    const { store } = fixture({}, { raw: { status: null } });
    expect((await store.getRun(R)).info.status).toBe('RUNNING');
  });
  it('removing run_name falls back to tag mlflow.runName', async () => {
    const { store } = fixture({ [`${RUN}/tags/mlflow.runName`]: 'from-tag' }, { raw: { run_name: null } });
    expect((await store.getRun(R)).info.runName).toBe('from-tag');
  });
  it("an empty run_name ('') falls back to the tag too", async () => {
    const { store } = fixture({ [`${RUN}/tags/mlflow.runName`]: 'from-tag' }, { raw: { run_name: "run_name: ''" } });
    expect((await store.getRun(R)).info.runName).toBe('from-tag');
  });
  it('with neither run_name nor tag the name is null', async () => {
    const { store } = fixture({}, { raw: { run_name: null } });
    expect((await store.getRun(R)).info.runName).toBeNull();
  });
});

describe('case 11: status encoding and int ids', () => {
  it('status 4 is FAILED', async () => {
    const { store } = fixture({}, { status: 4 });
    expect((await store.getRun(R)).info.status).toBe('FAILED');
  });
  it('status: FINISHED (a string) is MALFORMED_META', async () => {
    const { store } = fixture({}, { raw: { status: 'status: FINISHED' } });
    const err = await captureError(() => store.getRun(R));
    expect(err.code).toBe('MALFORMED_META');
    expect(err.message).toContain("'status'");
  });
  it('experiment_id: 123 unquoted in both metas reads as "123"', async () => {
    const root = tempDir();
    writeTree(root, {
      [`${E}/meta.yaml`]: experimentMetaText(root, { raw: { experiment_id: 'experiment_id: 123' } }),
      [`${RUN}/meta.yaml`]: runMetaText(root, { raw: { experiment_id: 'experiment_id: 123' } }),
      [`${RUN}/metrics`]: null,
      [`${RUN}/params`]: null,
      [`${RUN}/artifacts`]: null,
    });
    const store = new FileStore(root);
    expect((await store.getExperiment(E)).experimentId).toBe('123');
    expect((await store.getRun(R)).info.experimentId).toBe('123');
    expect((await store.searchRuns({ experimentIds: [E] })).items.map((r) => r.info.runId)).toEqual([R]);
  });
});

describe('case 12: run subdirectories (3.x requires them; we do not)', () => {
  // 3.x get_run says "not found" without artifacts/ or params/; mltrack follows 2.x and reads the run.
  for (const missing of ['artifacts', 'params', 'metrics']) {
    it(`without ${missing}/ the run is still read and listed`, async () => {
      const { root, store } = fixture();
      rmSync(join(root, RUN, missing), { recursive: true });
      expect((await store.getRun(R)).info.status).toBe('FINISHED');
      expect((await store.searchRuns({ experimentIds: [E] })).items.map((r) => r.info.runId)).toEqual([R]);
    });
  }
});

describe('case 13: stray files', () => {
  it('metrics/.gitkeep (empty) makes get_run fail', async () => {
    const { store } = fixture({ [`${RUN}/metrics/.gitkeep`]: '' });
    const err = await captureError(() => store.getRun(R));
    expect(err.code).toBe('MALFORMED_METRIC');
    expect(err.message).toMatch(/Metric '\.gitkeep' is malformed.*No data found/);
  });
  it('params/.gitkeep is a param named .gitkeep with value ""', async () => {
    const { store } = fixture({ [`${RUN}/params/.gitkeep`]: '' });
    expect((await store.getRun(R)).data.params).toEqual({ '.gitkeep': '' });
  });
  it('tags/bad*name is MALFORMED_FILE (invalid key on read)', async () => {
    const { store } = fixture({ [`${RUN}/tags/bad*name`]: 'x' });
    const err = await captureError(() => store.getRun(R));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('bad*name');
  });
  it('params/a..b is a valid param', async () => {
    const { store } = fixture({ [`${RUN}/params/a..b`]: 'v' });
    expect((await store.getRun(R)).data.params).toEqual({ 'a..b': 'v' });
  });
});

describe('case 14: root hygiene', () => {
  it('a .git directory in the root, which makes search_experiments fail in MLflow, is skipped with one INVALID_ID warning', async () => {
    const { store } = fixture({ '.git/objects': null });
    const { result, warnings } = await collectingWarnings(() => store.searchExperiments());
    expect(result.items.map((e) => e.experimentId)).toEqual([E]);
    expect(warnings).toEqual([expect.stringMatching(/INVALID_ID.*Invalid experiment ID: '\.git'/)]);
  });
  it('999/ without meta is skipped, README.md ignored, models/ not an experiment', async () => {
    const { store } = fixture({ '999': null, 'README.md': '# notes', 'models/M/meta.yaml': 'name: M\ncreation_timestamp: 1\n' });
    expect((await store.searchExperiments({ viewType: 'ALL' })).items.map((e) => e.experimentId)).toEqual([E]);
    expect((await captureError(() => store.getExperiment('999'))).code).toBe('NOT_FOUND');
    expect((await store.getRun(R)).info.runId).toBe(R);
  });
});

describe('case 15: mismatches', () => {
  it("a run meta with experiment_id '124' inside 123/ is not listed", async () => {
    const { root, store } = fixture();
    writeTree(root, { [`${E}/${R_B}/meta.yaml`]: runMetaText(root, { runId: R_B, experimentId: '124' }) });
    expect((await store.searchRuns({ experimentIds: [E], viewType: 'ALL' })).items.map((r) => r.info.runId)).toEqual([R]);
    // MLflow's get_run: "Run '<id>' metadata is in invalid state." (INVALID_STATE)
    const err = await captureError(() => store.getRun(R_B));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toContain('metadata is in invalid state');
  });
  it('an experiment whose meta id differs from its directory is ignored', async () => {
    const { root, store } = fixture();
    writeTree(root, { '456/meta.yaml': experimentMetaText(root, { id: '789', name: 'mismatched' }) });
    expect((await store.searchExperiments({ viewType: 'ALL' })).items.map((e) => e.experimentId)).toEqual([E]);
    expect((await captureError(() => store.getExperiment('456'))).code).toBe('NOT_FOUND');
    expect(await store.getExperimentByName('mismatched')).toBeNull();
  });
  it('a run meta whose run_id differs from its directory gives INVALID_STATE on get_run', async () => {
    const { store } = fixture({}, { raw: { run_id: `run_id: ${R_B}`, run_uuid: `run_uuid: ${R_B}` } });
    const err = await captureError(() => store.getRun(R));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toContain(R_B);
  });
});

describe('case 16: deleted run', () => {
  function deletedRun() {
    return fixture({}, { stage: 'deleted', deletedTime: 1700000002000 });
  }
  it('is absent from ACTIVE_ONLY, present in ALL and DELETED_ONLY', async () => {
    const { store } = deletedRun();
    expect((await store.searchRuns({ experimentIds: [E] })).items).toEqual([]);
    expect((await store.searchRuns({ experimentIds: [E], viewType: 'ALL' })).items.map((r) => r.info.runId)).toEqual([R]);
    expect((await store.searchRuns({ experimentIds: [E], viewType: 'DELETED_ONLY' })).items.map((r) => r.info.runId)).toEqual([R]);
  });
  it('get_run still works and reports deleted_time', async () => {
    const { store } = deletedRun();
    expect((await store.getRun(R)).info).toMatchObject({ lifecycleStage: 'deleted', deletedTime: 1700000002000 });
  });
  it('logging to it is NOT_ACTIVE and writes nothing', async () => {
    const { root, store } = deletedRun();
    const before = snapshot(root);
    for (const action of [
      () => store.logMetric(R, { key: 'm', value: 1, timestamp: 1 }),
      () => store.logParam(R, 'p', 'v'),
      () => store.setTag(R, 't', 'v'),
      () => store.updateRunInfo(R, { status: 'FAILED' }),
    ]) {
      const err = await captureError(action);
      expect(err.code).toBe('NOT_ACTIVE');
      expect(err.message).toMatch(/must be in the 'active' state/);
    }
    expect(snapshot(root)).toEqual(before);
  });
});

describe('case 17: deleted experiment', () => {
  function trashTree(stage = 'deleted') {
    const { root, store } = fixture();
    writeTree(root, {
      '.trash/456/meta.yaml': experimentMetaText(root, { id: '456', name: 'gone', stage }),
      [`.trash/456/${R_B}/meta.yaml`]: runMetaText(root, { runId: R_B, experimentId: '456', stage: 'deleted', deletedTime: 1700000002000 }),
      [`.trash/456/${R_B}/metrics`]: null,
      [`.trash/456/${R_B}/params`]: null,
      [`.trash/456/${R_B}/artifacts`]: null,
    });
    return { root, store };
  }
  it('is listed only under DELETED_ONLY and ALL', async () => {
    const { root, store } = trashTree();
    expect((await store.searchExperiments()).items.map((e) => e.experimentId)).toEqual([E]);
    expect((await store.searchExperiments({ viewType: 'DELETED_ONLY' })).items.map((e) => e.experimentId)).toEqual(['456']);
    expect((await store.searchExperiments({ viewType: 'ALL' })).items.map((e) => e.experimentId).sort()).toEqual([E, '456']);
    expect((await store.searchRuns({ experimentIds: ['456'], viewType: 'ALL' })).items.map((r) => r.info.runId)).toEqual([R_B]);
    expect((await store.getRun(R_B)).info.lifecycleStage).toBe('deleted');
    expectCheckMlrunsOk(root);
  });
  it("get_experiment('456') and get_experiment_by_name work", async () => {
    const { store } = trashTree();
    expect(await store.getExperiment('456')).toMatchObject({ experimentId: '456', name: 'gone', lifecycleStage: 'deleted' });
    expect((await store.getExperimentByName('gone'))?.experimentId).toBe('456');
  });
  it('create_experiment with the same name is ALREADY_EXISTS "in deleted state"', async () => {
    const { store } = trashTree();
    const err = await captureError(() => store.createExperiment('gone'));
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.mlflowCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(err.message).toBe("Experiment 'gone' already exists in deleted state.");
  });
  it('an active meta placed in .trash is listed in the deleted view only', async () => {
    const { store } = trashTree('active');
    expect((await store.searchExperiments()).items.map((e) => e.experimentId)).toEqual([E]);
    expect((await store.searchExperiments({ viewType: 'DELETED_ONLY' })).items.map((e) => e.experimentId)).toEqual(['456']);
  });
  it('an experiment in the root with lifecycle_stage deleted is listed active but refuses new runs', async () => {
    const root = tempDir();
    minimalTree(root, {}, { stage: 'deleted' });
    const store = new FileStore(root);
    expect((await store.searchExperiments()).items.map((e) => e.experimentId)).toEqual([E]);
    expect((await captureError(() => store.createRun({ experimentId: E, userId: 'u' }))).code).toBe('NOT_ACTIVE');
  });
});

describe('case 18: datasets', () => {
  const datasetMeta = 'digest: a27a57c9\nname: mydata\nprofile: \'{"num_rows": 2, "num_elements": 4}\'\nschema: null\nsource: \'{"uri": "s3://bucket/data.csv"}\'\nsource_type: s3\n';
  const datasetId = md5('mydata' + 'a27a57c9');
  const inputMeta = `destination_id: ${datasetId}\ndestination_type: RUN\nsource_id: ${datasetId}\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n`;

  it('the run has one dataset input with context training, and dataset.context matches', async () => {
    const { root, store } = fixture({
      [`${E}/datasets/${datasetId}/meta.yaml`]: datasetMeta,
      [`${RUN}/inputs/${md5(datasetId + R)}/meta.yaml`]: inputMeta,
    });
    const run = await store.getRun(R);
    expect(run.inputs).toEqual([
      {
        dataset: { name: 'mydata', digest: 'a27a57c9', sourceType: 's3', source: '{"uri": "s3://bucket/data.csv"}', schema: null, profile: '{"num_rows": 2, "num_elements": 4}' },
        tags: { 'mlflow.data.context': 'training' },
      },
    ]);
    const hits = await store.searchRuns({ experimentIds: [E], filter: "dataset.context = 'training'" });
    expect(hits.items.map((r) => r.info.runId)).toEqual([R]);
    expect((await store.searchRuns({ experimentIds: [E], filter: "dataset.name = 'other'" })).items).toEqual([]);
    expect((runJson(run) as { inputs: { dataset_inputs: unknown[] } }).inputs.dataset_inputs).toHaveLength(1);
    expectCheckMlrunsOk(root);
  });

  it('an input pointing at a missing dataset is skipped', async () => {
    const { store } = fixture({ [`${RUN}/inputs/${md5(datasetId + R)}/meta.yaml`]: inputMeta });
    expect((await store.getRun(R)).inputs).toEqual([]);
    expect((await store.searchRuns({ experimentIds: [E], filter: "dataset.context = 'training'" })).items).toEqual([]);
  });
});

describe('case 19: search filters on the two-run fixture', () => {
  function twoRuns() {
    const root = tempDir();
    minimalTree(root);
    writeTree(root, {
      [`${RUN}/metrics/loss`]: '1700000000001 0.25 0\n',
      [`${RUN}/params/lr`]: '0.01',
      [`${RUN}/tags/mlflow.runName`]: 'hand-run',
      [`${E}/${R_B}/meta.yaml`]: runMetaText(root, { runId: R_B, status: 1, endTime: null, startTime: 1700000005000, runName: "'other run'" }),
      [`${E}/${R_B}/metrics/loss`]: '1700000005001 0.9 0\n',
      [`${E}/${R_B}/metrics/my metric`]: '1700000005001 7 0\n',
      [`${E}/${R_B}/params/lr`]: '0.1',
      [`${E}/${R_B}/tags/mlflow.runName`]: 'other run',
      [`${E}/${R_B}/artifacts`]: null,
    });
    return { root, store: new FileStore(root) };
  }
  const A = R;
  const B = R_B;
  const cases: [string, string[]][] = [
    ['metrics.loss < 0.3', [A]],
    ['params.lr = "0.1"', [B]],
    ["tags.mlflow.runName = 'hand-run'", [A]],
    ['metrics.`my metric` = 7', [B]],
    ["attributes.status = 'FINISHED'", [A]],
    ["status = 'finished'", []],
    ["`Run name` ILIKE 'HAND%'", [A]],
    [`run_id IN ('${A}')`, [A]],
    ['start_time > 1700000001000', [B]],
    ["params.lr LIKE '0_1'", [B]],
    ['', [B, A]],
  ];
  for (const [filter, expected] of cases) {
    it(`filter ${JSON.stringify(filter)} gives ${expected.length === 0 ? '[]' : expected.map((id) => (id === A ? 'A' : 'B')).join(', ')}`, async () => {
      const { root, store } = twoRuns();
      const page = await store.searchRuns({ experimentIds: [E], filter });
      expect(page.items.map((r) => r.info.runId)).toEqual(expected);
      expectCheckMlrunsOk(root);
    });
  }

  const errors: [string, string][] = [
    ['params.lr = 0.1', 'INVALID_FILTER'],
    ["metrics.loss > '0.1'", 'INVALID_FILTER'],
    ["metrics.loss < 0.3 OR params.lr = '0.1'", 'INVALID_FILTER'],
    ["lifecycle_stage = 'active'", 'INVALID_FILTER'],
  ];
  for (const [filter, code] of errors) {
    it(`filter ${JSON.stringify(filter)} is ${code}`, async () => {
      const { store } = twoRuns();
      const err = await captureError(() => store.searchRuns({ experimentIds: [E], filter }));
      expect(err.code).toBe(code);
      expect(err.mlflowCode).toBe('INVALID_PARAMETER_VALUE');
      expect(err.message).not.toMatch(/\n/);
    });
  }

  it('order_by ["metrics.loss"] gives [A, B]', async () => {
    const { store } = twoRuns();
    expect((await store.searchRuns({ experimentIds: [E], orderBy: ['metrics.loss'] })).items.map((r) => r.info.runId)).toEqual([A, B]);
  });
  it('order_by ["params.lr ASC"] gives [A, B]', async () => {
    const { store } = twoRuns();
    expect((await store.searchRuns({ experimentIds: [E], orderBy: ['params.lr ASC'] })).items.map((r) => r.info.runId)).toEqual([A, B]);
  });
  it('order_by ["metrics.loss DESC"] gives [B, A]', async () => {
    const { store } = twoRuns();
    expect((await store.searchRuns({ experimentIds: [E], orderBy: ['metrics.loss DESC'] })).items.map((r) => r.info.runId)).toEqual([B, A]);
  });
});

describe('case 20: experiment search', () => {
  function twoExperiments() {
    const root = tempDir();
    minimalTree(root);
    writeTree(root, {
      [`${E}/tags/team`]: 'v1',
      '456/meta.yaml': experimentMetaText(root, { id: '456', name: 'second' }),
    });
    return new FileStore(root);
  }
  it("name = 'handmade' AND tags.team = 'v1' matches", async () => {
    const store = twoExperiments();
    const page = await store.searchExperiments({ filter: "name = 'handmade' AND tags.team = 'v1'" });
    expect(page.items.map((e) => e.experimentId)).toEqual([E]);
    expect(page.items[0]?.tags).toEqual({ team: 'v1' });
  });
  it("experiment_id = '123' is INVALID_FILTER", async () => {
    const store = twoExperiments();
    expect((await captureError(() => store.searchExperiments({ filter: "experiment_id = '123'" }))).code).toBe('INVALID_FILTER');
  });
  it('order_by ["tags.team"] is INVALID_ORDER_BY', async () => {
    const store = twoExperiments();
    expect((await captureError(() => store.searchExperiments({ orderBy: ['tags.team'] }))).code).toBe('INVALID_ORDER_BY');
  });
  it('max_results=1 over 2 experiments gives next_page_token eyJvZmZzZXQiOiAxfQ==', async () => {
    const store = twoExperiments();
    const first = await store.searchExperiments({ maxResults: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextPageToken).toBe('eyJvZmZzZXQiOiAxfQ==');
    const second = await store.searchExperiments({ maxResults: 1, pageToken: first.nextPageToken });
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBeNull();
    expect([first.items[0]?.experimentId, second.items[0]?.experimentId].sort()).toEqual([E, '456']);
  });
});

describe('case 21: param immutability (write path)', () => {
  it('the same value is a no-op; a different value is PARAM_CHANGED and the file is unchanged', async () => {
    const { root, store } = fixture({ [`${RUN}/params/lr`]: '0.01' });
    const before = snapshot(root);
    await store.logParam(R, 'lr', '0.01');
    expect(snapshot(root)).toEqual(before);
    const err = await captureError(() => store.logParam(R, 'lr', '0.02'));
    expect(err.code).toBe('PARAM_CHANGED');
    expect(err.mlflowCode).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toBe(
      `Changing param values is not allowed. Param with key='lr' was already logged with value='0.01' for run ID='${R}'. Attempted logging new value '0.02'.`,
    );
    expect(readFileSync(join(root, RUN, 'params', 'lr'), 'utf8')).toBe('0.01');
    expect(snapshot(root)).toEqual(before);
    expectCheckMlrunsOk(root);
  });
});

describe('case 25: YAML 1.1 strings', () => {
  it('an experiment named 1e3 written unquoted by PyYAML reads as the string "1e3"', async () => {
    const root = tempDir();
    minimalTree(root, {}, { name: '1e3' });
    expect(readFileSync(join(root, E, 'meta.yaml'), 'utf8')).toContain('\nname: 1e3\n');
    const store = new FileStore(root);
    expect((await store.getExperiment(E)).name).toBe('1e3');
    expect((await store.getExperimentByName('1e3'))?.experimentId).toBe(E);
    // A PyYAML str: quoting rules agree with the reader's.
    expect(pyyamlField(join(root, E, 'meta.yaml'), 'name')).toBe('str:1e3');
  });

  it('other PyYAML-plain strings (0o17, NaN) read as strings', async () => {
    for (const name of ['0o17', 'NaN', '1.0e3']) {
      const root = tempDir();
      minimalTree(root, {}, { name });
      expect(pyyamlField(join(root, E, 'meta.yaml'), 'name')).toBe(`str:${name}`);
      expect((await new FileStore(root).getExperiment(E)).name).toBe(name);
    }
  });

  it('runs named 2024-01-01 and on, written by our store, read back as strings by PyYAML', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new FileStore(root);
    for (const name of ['2024-01-01', 'on', 'yes', '1:20', '1_000', 'null', '0x1F']) {
      const run = await store.createRun({ experimentId: '0', userId: 'u', runName: name });
      const meta = join(root, '0', run.info.runId, 'meta.yaml');
      expect(pyyamlField(meta, 'run_name')).toBe(`str:${name}`);
      expect((await store.getRun(run.info.runId)).info.runName).toBe(name);
      await store.setTerminated(run.info.runId);
      expect(pyyamlField(meta, 'run_name')).toBe(`str:${name}`);
    }
    expectCheckMlrunsOk(root);
  });

  it('experiments named on and 2024-01-01 created by our store read back as strings by PyYAML', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new FileStore(root);
    for (const name of ['on', '2024-01-01', '1e3']) {
      const id = await store.createExperiment(name);
      expect(pyyamlField(join(root, id, 'meta.yaml'), 'name')).toBe(`str:${name}`);
      expect((await store.getExperiment(id)).name).toBe(name);
    }
    await store.createRun({ experimentId: '0', userId: 'u' });
    expectCheckMlrunsOk(root);
  });

  it("experiment_id: '348215634096422514' keeps all 18 digits", async () => {
    const root = tempDir();
    const id = '348215634096422514';
    writeTree(root, { [`${id}/meta.yaml`]: experimentMetaText(root, { id, name: 'big' }) });
    const store = new FileStore(root);
    expect((await store.getExperiment(id)).experimentId).toBe(id);
    const run = await store.createRun({ experimentId: id, userId: 'u' });
    expect(run.info.experimentId).toBe(id);
    expect((await store.searchRuns({ experimentIds: [id] })).items.map((r) => r.info.experimentId)).toEqual([id]);
    expect(pyyamlField(join(root, id, run.info.runId, 'meta.yaml'), 'experiment_id')).toBe(`str:${id}`);
  });

  it('an unquoted 18-digit experiment_id (legacy int) keeps all digits', async () => {
    const root = tempDir();
    const id = '348215634096422519';
    writeTree(root, { [`${id}/meta.yaml`]: experimentMetaText(root, { id, name: 'big', raw: { experiment_id: `experiment_id: ${id}` } }) });
    const reader = new MlrunsReader(new FsTreeReader(root));
    expect((await reader.listExperiments()).map((e) => e.experiment.experimentId)).toEqual([id]);
  });
});

/** Runs `body` with the read-warning sink collecting `path: rule` lines. */
async function collectingWarnings<T>(body: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const previous = setReadWarningSink((w) => warnings.push(`${w.path}: ${w.rule}`));
  try {
    return { result: await body(), warnings };
  } finally {
    setReadWarningSink(previous);
  }
}
