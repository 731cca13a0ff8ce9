/**
 * Raw HTTP against a real `mltrack server`: every endpoint of spec/rest-api.md, its happy path and
 * an error path with MLflow's HTTP status and error_code; the tree written stays readable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess, type ServerProcess } from '../helpers/server.js';

let server: ServerProcess;
let dir: string;
let env: NodeJS.ProcessEnv;

async function fresh(): Promise<void> {
  dir = tempDir();
  env = isolatedEnv(dir);
  server = await startServerProcess(['--mlruns', 'mlruns'], { cwd: dir, env });
}

const api = (method: string, path: string, args?: Record<string, unknown>) => call(server.url, method, path, args);

function expectError(reply: { status: number; body: any }, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error_code }).toEqual({ status, code });
  expect(typeof reply.body.message).toBe('string');
}

describe('experiments', () => {
  beforeAll(async () => {});
  it('create, get, get-by-name, search with pages, update, delete, restore, tags; errors', async () => {
    await fresh();
    const created = await api('POST', '/experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'x' }] });
    expect(created.status).toBe(200);
    const id = created.body.experiment_id as string;
    expectError(await api('POST', '/experiments/create', { name: 'exp-a' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expectError(await api('POST', '/experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');

    const got = await api('GET', '/experiments/get', { experiment_id: id });
    expect(got.body.experiment).toMatchObject({ experiment_id: id, name: 'exp-a', lifecycle_stage: 'active', artifact_location: `mlflow-artifacts:/${id}`, tags: [{ key: 'team', value: 'x' }] });
    expect(typeof got.body.experiment.creation_time).toBe('number');
    expectError(await api('GET', '/experiments/get', { experiment_id: '12345' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('GET', '/experiments/get-by-name', { experiment_name: 'exp-a' })).body.experiment.experiment_id).toBe(id);
    expectError(await api('GET', '/experiments/get-by-name', { experiment_name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    for (const n of ['exp-b', 'exp-c']) await api('POST', '/experiments/create', { name: n });
    const page1 = await api('POST', '/experiments/search', { max_results: 2, order_by: ['name ASC'] });
    expect(page1.body.experiments.map((e: any) => e.name)).toEqual(['Default', 'exp-a']);
    const page2 = await api('POST', '/experiments/search', { max_results: 2, order_by: ['name ASC'], page_token: page1.body.next_page_token });
    expect(page2.body.experiments.map((e: any) => e.name)).toEqual(['exp-b', 'exp-c']);
    expect(page2.body.next_page_token).toBeUndefined();
    const filtered = await api('GET', '/experiments/search', { filter: "tags.team = 'x'" });
    expect(filtered.body.experiments.map((e: any) => e.name)).toEqual(['exp-a']);
    expectError(await api('POST', '/experiments/search', { filter: 'nonsense ===' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await api('POST', '/experiments/update', { experiment_id: id, new_name: 'exp-renamed' })).status).toBe(200);
    expect((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.name).toBe('exp-renamed');
    expectError(await api('POST', '/experiments/update', { experiment_id: '999', new_name: 'z' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' })).status).toBe(200);
    expectError(await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: '../bad', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await api('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' })).status).toBe(200);
    expectError(await api('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/experiments/delete', { experiment_id: id })).status).toBe(200);
    expect((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe('deleted');
    expect((await api('POST', '/experiments/search', { view_type: 'DELETED_ONLY' })).body.experiments.map((e: any) => e.name)).toEqual(['exp-renamed']);
    expectError(await api('POST', '/experiments/delete', { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('POST', '/experiments/restore', { experiment_id: id })).status).toBe(200);
    expect((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe('active');
    expectError(await api('POST', '/experiments/restore', { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    // The same API under /ajax-api, as MLflow's UI calls it.
    expect((await call(server.url, 'GET', '/ajax-api/2.0/mlflow/experiments/get', { experiment_id: id })).body.experiment.name).toBe('exp-renamed');
    expectError(await api('GET', '/no/such/endpoint'), 404, 'ENDPOINT_NOT_FOUND');
  });
});

describe("MLflow 1.x's experiments/list and the version probe", () => {
  it('lists by view type, refuses an unknown one, and /version answers in text', async () => {
    await fresh();
    const kept = (await api('POST', '/experiments/create', { name: 'kept' })).body.experiment_id as string;
    const gone = (await api('POST', '/experiments/create', { name: 'gone' })).body.experiment_id as string;
    expect((await api('POST', '/experiments/delete', { experiment_id: gone })).status).toBe(200);
    const names = async (viewType?: string) =>
      ((await api('GET', '/experiments/list', viewType ? { view_type: viewType } : {})).body.experiments as { name: string; experiment_id: string }[]).map((e) => e.name).sort();
    expect(await names()).toEqual(['Default', 'kept']);
    expect(await names('DELETED_ONLY')).toEqual(['gone']);
    expect(await names('ALL')).toEqual(['Default', 'gone', 'kept']);
    expect(kept).not.toBe(gone);
    expectError(await api('GET', '/experiments/list', { view_type: 'SOMETIMES' }), 400, 'INVALID_PARAMETER_VALUE');
    const version = await fetch(`${server.url}/version`);
    expect(version.status).toBe(200);
    expect(version.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await version.text()).toBe('mltrack');
  });
});

describe('runs, metrics, params, tags, batches, inputs, log-model', () => {
  it('every run endpoint, with MLflow errors; the tree passes verify', async () => {
    await fresh();
    const exp = (await api('POST', '/experiments/create', { name: 'e' })).body.experiment_id;
    const created = await api('POST', '/runs/create', { experiment_id: exp, run_name: 'first', start_time: 1000, tags: [{ key: 't', value: '1' }] });
    expect(created.status).toBe(200);
    const run = created.body.run;
    const runId = run.info.run_id as string;
    expect(run.info).toMatchObject({ run_name: 'first', status: 'RUNNING', start_time: 1000, lifecycle_stage: 'active', artifact_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts` });
    expectError(await api('POST', '/runs/create', { experiment_id: '404404' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/runs/log-metric', { run_id: runId, key: 'loss', value: 0.5, timestamp: 10, step: 1 })).status).toBe(200);
    expect((await api('POST', '/runs/log-metric', { run_id: runId, key: 'loss', value: 'NaN', timestamp: 11, step: 2 })).status).toBe(200);
    expectError(await api('POST', '/runs/log-metric', { run_id: runId, key: 'loss', value: 'abc', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api('POST', '/runs/log-metric', { run_id: 'f'.repeat(32), key: 'loss', value: 1, timestamp: 1 }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expectError(await api('POST', '/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await api('POST', '/runs/set-tag', { run_id: runId, key: 'note', value: 'hi' })).status).toBe(200);
    expectError(await api('POST', '/runs/set-tag', { run_id: runId, key: '', value: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await api('POST', '/runs/delete-tag', { run_id: runId, key: 'note' })).status).toBe(200);
    expectError(await api('POST', '/runs/delete-tag', { run_id: runId, key: 'note' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const batch = await api('POST', '/runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 20, step: 0 }, { key: 'acc', value: 0.95, timestamp: 21, step: 1 }],
      params: [{ key: 'depth', value: '3' }],
      tags: [{ key: 'stage', value: 'train' }],
    });
    expect(batch.status).toBe(200);
    expectError(await api('POST', '/runs/log-batch', { run_id: runId, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1 })) }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api('POST', '/runs/log-batch', { metrics: [] }), 400, 'INVALID_PARAMETER_VALUE');

    const inputs = await api('POST', '/runs/log-inputs', {
      run_id: runId,
      datasets: [{ dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "iris.csv"}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
    });
    expect(inputs.status).toBe(200);
    expectError(await api('POST', '/runs/log-inputs', { run_id: runId, datasets: [{ dataset: { name: 'x' } }] }), 400, 'INVALID_PARAMETER_VALUE');

    const modelJson = JSON.stringify({ run_id: runId, artifact_path: 'model', utc_time_created: '2024-01-01 00:00:00.000000', flavors: { python_function: {} } });
    expect((await api('POST', '/runs/log-model', { run_id: runId, model_json: modelJson })).status).toBe(200);
    expectError(await api('POST', '/runs/log-model', { run_id: runId, model_json: '{not json' }), 400, 'INVALID_PARAMETER_VALUE');

    const got = (await api('GET', '/runs/get', { run_id: runId })).body.run;
    expect(got.data.metrics.map((m: any) => [m.key, m.value])).toEqual([['acc', 0.95], ['loss', 'NaN']]);
    expect(got.data.params).toEqual([{ key: 'depth', value: '3' }, { key: 'lr', value: '0.1' }]);
    expect(got.data.tags.map((t: any) => t.key)).toEqual(expect.arrayContaining(['mlflow.log-model.history', 'mlflow.runName', 'stage', 't']));
    expect(got.inputs.dataset_inputs[0].dataset).toMatchObject({ name: 'iris', digest: 'abc123' });
    expectError(await api('GET', '/runs/get', { run_id: 'a'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const history = await api('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss' });
    expect(history.body.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 10, step: 1 }, { key: 'loss', value: 'NaN', timestamp: 11, step: 2 }]);
    const paged = await api('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 1 });
    expect(paged.body.metrics).toHaveLength(1);
    expect(typeof paged.body.next_page_token).toBe('string');
    expectError(await api('GET', '/metrics/get-history', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE');

    for (let i = 0; i < 3; i++) {
      const r = (await api('POST', '/runs/create', { experiment_id: exp, run_name: `r${i}` })).body.run.info.run_id;
      await api('POST', '/runs/log-metric', { run_id: r, key: 'acc', value: i / 10, timestamp: 1 });
    }
    const search = await api('POST', '/runs/search', { experiment_ids: [exp], filter: 'metrics.acc < 0.5', order_by: ['metrics.acc DESC'], max_results: 2 });
    expect(search.body.runs.map((r: any) => r.info.run_name)).toEqual(['r2', 'r1']);
    const next = await api('POST', '/runs/search', { experiment_ids: [exp], filter: 'metrics.acc < 0.5', order_by: ['metrics.acc DESC'], max_results: 2, page_token: search.body.next_page_token });
    expect(next.body.runs.map((r: any) => r.info.run_name)).toEqual(['r0']);
    expectError(await api('POST', '/runs/search', { experiment_ids: [exp], filter: 'metrics.acc <<< 1' }), 400, 'INVALID_PARAMETER_VALUE');

    const updated = await api('POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
    expect(updated.body.run_info).toMatchObject({ status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
    expectError(await api('POST', '/runs/update', { run_id: runId, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await api('POST', '/runs/delete', { run_id: runId })).status).toBe(200);
    expect((await api('GET', '/runs/get', { run_id: runId })).body.run.info.lifecycle_stage).toBe('deleted');
    expectError(await api('POST', '/runs/log-metric', { run_id: runId, key: 'x', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await api('POST', '/runs/restore', { run_id: runId })).status).toBe(200);
    expectError(await api('POST', '/runs/delete', { run_id: 'b'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api('POST', '/runs/restore', { run_id: 'b'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const verify = spawnCli(['verify', '--mlruns', 'mlruns', '--json'], { cwd: dir, env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe('artifacts', () => {
  it('proxied upload, download, list and delete; artifacts/list; traversal and metas refused', async () => {
    await fresh();
    const run = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info;
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts`;
    expect((await fetch(`${base}/model/MLmodel`, { method: 'PUT', body: 'flavors: {}\n' })).status).toBe(200);
    expect((await fetch(`${base}/data.json`, { method: 'PUT', body: '{"a": 1}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect(readFileSync(join(dir, 'mlruns', '0', run.run_id, 'artifacts', 'model', 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
    const down = await fetch(`${base}/data.json`);
    expect(await down.text()).toBe('{"a": 1}');
    expectError(await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts/missing.txt`), 404, 'RESOURCE_DOES_NOT_EXIST');

    const listed = await call(server.url, 'GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `0/${run.run_id}/artifacts` });
    expect(listed.body.files).toEqual([{ path: 'data.json', is_dir: false, file_size: 8 }, { path: 'model', is_dir: true }]);
    const list = await api('GET', '/artifacts/list', { run_id: run.run_id, path: 'model' });
    expect(list.body).toEqual({ root_uri: `mlflow-artifacts:/0/${run.run_id}/artifacts`, files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }] });
    expectError(await api('GET', '/artifacts/list', { run_id: 'c'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api('GET', '/artifacts/list', { run_id: run.run_id, path: '../../meta.yaml' }), 400, 'INVALID_PARAMETER_VALUE');

    for (const bad of ['0/meta.yaml', `0/${run.run_id}/meta.yaml`, `0/${run.run_id}/artifacts/..%2F..%2Fmeta.yaml`, `0/${run.run_id}/artifacts/%2E%2E/metrics/x`]) {
      const reply = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${bad}`, { method: 'PUT', body: 'x' });
      expect({ bad, status: reply.status, code: ((await reply.json()) as any).error_code }).toEqual({ bad, status: 400, code: 'INVALID_PARAMETER_VALUE' });
    }
    expect(readFileSync(join(dir, 'mlruns', '0', 'meta.yaml'), 'utf8')).toContain('name: Default');

    expect((await fetch(`${base}/data.json`, { method: 'DELETE' })).status).toBe(200);
    expect(existsSync(join(dir, 'mlruns', '0', run.run_id, 'artifacts', 'data.json'))).toBe(false);
    expectError(await call(server.url, 'DELETE', `/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts/data.json`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('--artifacts-destination puts new experiments\' artifacts there, behind the same mlflow-artifacts URIs', async () => {
    dir = tempDir();
    env = isolatedEnv(dir);
    server = await startServerProcess(['--mlruns', 'mlruns', '--artifacts-destination', 'store'], { cwd: dir, env });
    const exp = (await api('POST', '/experiments/create', { name: 'remote' })).body.experiment_id;
    const run = (await api('POST', '/runs/create', { experiment_id: exp })).body.run.info;
    expect(run.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${run.run_id}/artifacts`);
    expect((await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts/a.txt`, { method: 'PUT', body: 'A' })).status).toBe(200);
    expect(readFileSync(join(dir, 'store', exp, run.run_id, 'artifacts', 'a.txt'), 'utf8')).toBe('A');
    expect((await api('GET', '/artifacts/list', { run_id: run.run_id })).body.files).toEqual([{ path: 'a.txt', is_dir: false, file_size: 1 }]);
  });
});

describe('model registry', () => {
  it('registered models, versions, stages, aliases, tags, download URIs; errors', async () => {
    await fresh();
    const runId = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const created = await api('POST', '/registered-models/create', { name: 'churn', description: 'd', tags: [{ key: 'team', value: 'g' }] });
    expect(created.body.registered_model).toMatchObject({ name: 'churn', description: 'd', tags: [{ key: 'team', value: 'g' }] });
    expectError(await api('POST', '/registered-models/create', { name: 'churn' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expectError(await api('GET', '/registered-models/get', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('GET', '/registered-models/get', { name: 'churn' })).body.registered_model.name).toBe('churn');

    const v1 = await api('POST', '/model-versions/create', { name: 'churn', source: `runs:/${runId}/model`, run_id: runId });
    expect(v1.body.model_version).toMatchObject({ name: 'churn', version: '1', current_stage: 'None', status: 'READY', run_id: runId });
    const v2 = await api('POST', '/model-versions/create', { name: 'churn', source: `runs:/${runId}/model` });
    expect(v2.body.model_version.version).toBe('2');
    expectError(await api('POST', '/model-versions/create', { name: 'nope', source: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const moved = await api('POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production', archive_existing_versions: false });
    expect(moved.body.model_version.current_stage).toBe('Production');
    await api('POST', '/model-versions/transition-stage', { name: 'churn', version: '2', stage: 'production', archive_existing_versions: true });
    expect((await api('GET', '/model-versions/get', { name: 'churn', version: '1' })).body.model_version.current_stage).toBe('Archived');
    expectError(await api('POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Nowhere' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api('POST', '/model-versions/transition-stage', { name: 'churn', version: '9', stage: 'Staging' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const latest = await api('POST', '/registered-models/get-latest-versions', { name: 'churn', stages: ['Production'] });
    expect(latest.body.model_versions.map((v: any) => v.version)).toEqual(['2']);
    expect((await api('GET', '/registered-models/get-latest-versions', { name: 'churn' })).body.model_versions.map((v: any) => v.version)).toEqual(['1', '2']);
    expectError(await api('POST', '/registered-models/get-latest-versions', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/registered-models/alias', { name: 'churn', alias: 'champion', version: '2' })).status).toBe(200);
    expect((await api('GET', '/registered-models/alias', { name: 'churn', alias: 'champion' })).body.model_version.version).toBe('2');
    expect((await api('GET', '/registered-models/get', { name: 'churn' })).body.registered_model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    expectError(await api('POST', '/registered-models/alias', { name: 'churn', alias: 'champion', version: '7' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('DELETE', '/registered-models/alias', { name: 'churn', alias: 'champion' })).status).toBe(200);
    expectError(await api('DELETE', '/registered-models/alias', { name: 'churn', alias: 'champion' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    // MLflow's FileStore answers a missing alias with INVALID_PARAMETER_VALUE, not a 404.
    expectError(await api('GET', '/registered-models/alias', { name: 'churn', alias: 'champion' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await api('POST', '/registered-models/set-tag', { name: 'churn', key: 'k', value: 'v' })).status).toBe(200);
    expect((await api('DELETE', '/registered-models/delete-tag', { name: 'churn', key: 'k' })).status).toBe(200);
    expectError(await api('DELETE', '/registered-models/delete-tag', { name: 'churn', key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('POST', '/model-versions/set-tag', { name: 'churn', version: '1', key: 'ok', value: 'y' })).status).toBe(200);
    expectError(await api('POST', '/model-versions/set-tag', { name: 'churn', version: 'x', key: 'ok', value: 'y' }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await api('DELETE', '/model-versions/delete-tag', { name: 'churn', version: '1', key: 'ok' })).status).toBe(200);
    expectError(await api('DELETE', '/model-versions/delete-tag', { name: 'churn', version: '1', key: 'ok' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('PATCH', '/registered-models/update', { name: 'churn', description: 'new' })).body.registered_model.description).toBe('new');
    expectError(await api('PATCH', '/registered-models/update', { name: 'nope', description: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await api('PATCH', '/model-versions/update', { name: 'churn', version: '1', description: 'v1' })).body.model_version.description).toBe('v1');
    expectError(await api('PATCH', '/model-versions/update', { name: 'churn', version: '5', description: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('GET', '/model-versions/get-download-uri', { name: 'churn', version: '1' })).body.artifact_uri).toBe(`runs:/${runId}/model`);
    expectError(await api('GET', '/model-versions/get-download-uri', { name: 'churn', version: '8' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const mvs = await api('GET', '/model-versions/search', { filter: "name = 'churn'", max_results: 1 });
    expect(mvs.body.model_versions).toHaveLength(1);
    expect(typeof mvs.body.next_page_token).toBe('string');
    expectError(await api('GET', '/model-versions/search', { filter: 'bogus >< 1' }), 400, 'INVALID_PARAMETER_VALUE');
    await api('POST', '/registered-models/create', { name: 'other' });
    const rms = await api('GET', '/registered-models/search', { filter: "name LIKE 'ch%'" });
    expect(rms.body.registered_models.map((m: any) => m.name)).toEqual(['churn']);
    expectError(await api('GET', '/registered-models/search', { filter: 'bogus >< 1' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await api('DELETE', '/model-versions/delete', { name: 'churn', version: '1' })).status).toBe(200);
    expectError(await api('GET', '/model-versions/get', { name: 'churn', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api('DELETE', '/model-versions/delete', { name: 'churn', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/registered-models/rename', { name: 'other', new_name: 'other2' })).body.registered_model.name).toBe('other2');
    expectError(await api('POST', '/registered-models/rename', { name: 'other2', new_name: 'churn' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expect((await api('DELETE', '/registered-models/delete', { name: 'other2' })).status).toBe(200);
    expectError(await api('DELETE', '/registered-models/delete', { name: 'other2' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const verify = spawnCli(['verify', '--mlruns', 'mlruns', '--json'], { cwd: dir, env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe('logged models (MLflow 3.x log_model)', () => {
  it('create, upload artifacts, finalize, get, search, params, tags, list artifacts, outputs, delete', async () => {
    await fresh();
    const runId = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const created = await api('POST', '/logged-models', { experiment_id: '0', name: 'model', source_run_id: runId, params: [{ key: 'alpha', value: '1' }], tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }] });
    const info = created.body.model.info;
    expect(info).toMatchObject({ experiment_id: '0', name: 'model', status: 'LOGGED_MODEL_PENDING', source_run_id: runId, artifact_uri: `mlflow-artifacts:/0/models/${info.model_id}/artifacts` });
    expectError(await api('POST', '/logged-models', { experiment_id: '777' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const upload = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/models/${info.model_id}/artifacts/MLmodel`, { method: 'PUT', body: 'artifact_path: model\n' });
    expect(upload.status).toBe(200);
    const listed = await api('GET', `/logged-models/${info.model_id}/artifacts/directories`);
    expect(listed.body.files).toEqual([{ path: 'MLmodel', is_dir: false, file_size: 21 }]);

    const done = await api('PATCH', `/logged-models/${info.model_id}`, { model_id: info.model_id, status: 'LOGGED_MODEL_READY' });
    expect(done.body.model.info.status).toBe('LOGGED_MODEL_READY');
    expectError(await api('PATCH', `/logged-models/${info.model_id}`, { status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api('GET', '/logged-models/m-00000000000000000000000000000000'), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', `/logged-models/${info.model_id}/params`, { params: [{ key: 'beta', value: '2' }] })).status).toBe(200);
    expect((await api('PATCH', `/logged-models/${info.model_id}/tags`, { tags: [{ key: 'k', value: 'v' }] })).status).toBe(200);
    const got = (await api('GET', `/logged-models/${info.model_id}`)).body.model;
    expect(got.data.params).toEqual([{ key: 'alpha', value: '1' }, { key: 'beta', value: '2' }]);
    expect(got.info.tags).toContainEqual({ key: 'k', value: 'v' });
    expect((await api('DELETE', `/logged-models/${info.model_id}/tags/k`)).status).toBe(200);
    expectError(await api('DELETE', `/logged-models/${info.model_id}/tags/k`), 404, 'RESOURCE_DOES_NOT_EXIST');

    expect((await api('POST', '/runs/outputs', { run_id: runId, models: [{ model_id: info.model_id, step: 0 }] })).status).toBe(200);
    expectError(await api('POST', '/runs/outputs', { run_id: runId, models: [{ model_id: 'm-nope' }] }), 404, 'RESOURCE_DOES_NOT_EXIST');

    const search = await api('POST', '/logged-models/search', { experiment_ids: ['0'] });
    expect(search.body.models.map((m: any) => m.info.model_id)).toEqual([info.model_id]);

    const verify = spawnCli(['verify', '--mlruns', 'mlruns', '--json'], { cwd: dir, env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect((await api('DELETE', `/logged-models/${info.model_id}`)).status).toBe(200);
    expect((await api('POST', '/logged-models/search', { experiment_ids: ['0'] })).body.models).toEqual([]);
  });
});

describe('logged-model metrics and search (MLflow 3.x)', () => {
  it('log-metric and log-batch with model_id; search filters on attributes, metrics, params and tags; datasets; order_by objects; page tokens; errors', async () => {
    await fresh();
    const runId = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const create = async (name: string, params: Record<string, string>, tags: Record<string, string>) => {
      const pairs = (r: Record<string, string>) => Object.entries(r).map(([key, value]) => ({ key, value }));
      return (await api('POST', '/logged-models', { experiment_id: '0', name, model_type: name === 'gbm' ? 'tree' : 'linear', source_run_id: runId, params: pairs(params), tags: pairs(tags) })).body.model.info.model_id as string;
    };
    const gbm = await create('gbm', { depth: '6' }, { team: 'growth' });
    const ridge = await create('ridge', { alpha: '0.1' }, { team: 'risk' });
    const lasso = await create('lasso', { alpha: '0.5' }, {});
    expect((await api('PATCH', `/logged-models/${gbm}`, { status: 'LOGGED_MODEL_READY' })).status).toBe(200);
    // MLflow 3.x logs a model's metrics with model_id (and the dataset) on log-metric and log-batch.
    const point = (model: string, value: number, timestamp: number, dataset?: [string, string]) =>
      ({ key: 'auc', value, timestamp, step: 0, model_id: model, ...(dataset ? { dataset_name: dataset[0], dataset_digest: dataset[1] } : {}) });
    expect((await api('POST', '/runs/log-metric', { run_id: runId, ...point(gbm, 0.91, 100, ['holdout', 'd1']) })).status).toBe(200);
    expect((await api('POST', '/runs/log-metric', { run_id: runId, ...point(gbm, 0.93, 200, ['holdout', 'd1']) })).status).toBe(200);
    expect((await api('POST', '/runs/log-batch', { run_id: runId, metrics: [point(ridge, 0.85, 100, ['train', 'd0']), point(ridge, 0.95, 300, ['holdout', 'd1'])] })).status).toBe(200);
    expect((await api('POST', '/runs/log-metric', { run_id: runId, ...point(lasso, 0.8, 100) })).status).toBe(200);
    expectError(await api('POST', '/runs/log-metric', { run_id: runId, ...point('m-00000000000000000000000000000000', 1, 1) }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api('POST', '/runs/log-metric', { run_id: runId, ...point(lasso, 1, 1, ['hold out', 'd9']) }), 400, 'INVALID_PARAMETER_VALUE');
    // The lines MLflow's file store writes for a logged model: ts value step run_id [dataset_name dataset_digest].
    expect(readFileSync(join(dir, 'mlruns', '0', 'models', ridge, 'metrics', 'auc'), 'utf8')).toBe(`100 0.85 0 ${runId} train d0\n300 0.95 0 ${runId} holdout d1\n`);
    expect(readFileSync(join(dir, 'mlruns', '0', 'models', lasso, 'metrics', 'auc'), 'utf8')).toBe(`100 0.8 0 ${runId}\n`);
    const ridgeMetrics = (await api('GET', `/logged-models/${ridge}`)).body.model.data.metrics;
    expect(ridgeMetrics[1]).toEqual({ key: 'auc', value: 0.95, timestamp: 300, step: 0, run_id: runId, model_id: ridge, dataset_name: 'holdout', dataset_digest: 'd1' });
    // The run has every value too.
    expect((await api('GET', '/metrics/get-history', { run_id: runId, metric_key: 'auc' })).body.metrics).toHaveLength(5);

    const search = async (args: Record<string, unknown>) => {
      const reply = await api('POST', '/logged-models/search', { experiment_ids: ['0'], ...args });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return { ids: (reply.body.models ?? []).map((m: any) => m.info.model_id) as string[], next: reply.body.next_page_token as string | undefined };
    };
    const names: Record<string, string> = { [gbm]: 'gbm', [ridge]: 'ridge', [lasso]: 'lasso' };
    const named = async (args: Record<string, unknown>) => (await search(args)).ids.map((id) => names[id]);

    expect(await named({ filter: "name = 'ridge'" })).toEqual(['ridge']);
    expect((await named({ filter: "name LIKE '%so'" }))).toEqual(['lasso']);
    expect((await named({ filter: "status = 'READY'" }))).toEqual(['gbm']);
    expect((await named({ filter: "model_type IN ('linear')", order_by: [{ field_name: 'name' }] }))).toEqual(['lasso', 'ridge']);
    expect((await named({ filter: `source_run_id = '${runId}' AND params.alpha = '0.5'` }))).toEqual(['lasso']);
    expect((await named({ filter: "tags.team != 'risk'" }))).toEqual(['gbm']);
    expect((await named({ filter: 'creation_timestamp > 0', order_by: [{ field_name: 'name', ascending: false }] }))).toEqual(['ridge', 'lasso', 'gbm']);
    // A metric clause compares the first value logged for the key; with datasets, the first on them.
    expect((await named({ filter: 'metrics.auc > 0.9' }))).toEqual(['gbm']);
    expect((await named({ filter: 'metrics.auc > 0.9', datasets: [{ dataset_name: 'holdout' }], order_by: [{ field_name: 'name' }] }))).toEqual(['gbm', 'ridge']);
    // Datasets alone: models with any metric on them.
    expect((await named({ datasets: [{ dataset_name: 'train', dataset_digest: 'd0' }] }))).toEqual(['ridge']);
    // Ordering by a metric uses its latest value (on the dataset when named); a model without it comes last.
    expect(await named({ order_by: [{ field_name: 'metrics.auc', ascending: false }] })).toEqual(['ridge', 'gbm', 'lasso']);
    expect(await named({ order_by: [{ field_name: 'metrics.auc', dataset_name: 'train' }] })).toEqual(['ridge', ...(await named({})).filter((n) => n !== 'ridge')]);
    // Default order: newest first, then model_id (two models made in the same millisecond tie on time).
    const infos = (await api('POST', '/logged-models/search', { experiment_ids: ['0'] })).body.models.map((m: any) => m.info);
    const byDefault = [...infos].sort((a: any, b: any) => b.creation_timestamp_ms - a.creation_timestamp_ms || (a.model_id < b.model_id ? -1 : 1));
    expect(infos.map((i: any) => i.model_id)).toEqual(byDefault.map((i: any) => i.model_id));

    const first = await search({ max_results: 2, order_by: [{ field_name: 'name' }] });
    expect(first.ids.map((id) => names[id])).toEqual(['gbm', 'lasso']);
    const second = await search({ max_results: 2, order_by: [{ field_name: 'name' }], page_token: first.next });
    expect([second.ids.map((id) => names[id]), second.next]).toEqual([['ridge'], undefined]);

    for (const bad of [
      { filter: "colour = 'red'" },
      { filter: "name = 'a' OR name = 'b'" },
      { filter: "metrics.auc > 'high'" },
      { filter: "creation_timestamp = 'yesterday'" },
      { filter: "datasets.name = 'holdout'" },
      { order_by: [{ field_name: 'params.alpha' }] },
      { order_by: [{ field_name: 'colour' }] },
      { order_by: [{ field_name: 'metrics.auc', dataset_digest: 'd1' }] },
      { order_by: [{ ascending: true }] },
      { page_token: 'not-a-token' },
      { max_results: 0 },
    ]) expectError(await api('POST', '/logged-models/search', { experiment_ids: ['0'], ...bad }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it("multipart upload is answered with the message MLflow's client falls back on", async () => {
    await fresh();
    for (const step of ['create', 'complete', 'abort']) {
      const reply = await call(server.url, 'POST', `/api/2.0/mlflow-artifacts/mpu/${step}/0/r/artifacts/big.bin`, { path: '/tmp/big.bin', num_parts: 2 });
      expectError(reply, 501, 'NOT_IMPLEMENTED');
      expect(reply.body.message.startsWith('Multipart upload is not supported for the current artifact repository')).toBe(true);
    }
  });
});
