/**
 * The `mlflow` npm package, a REST client for Node written outside this project, against a running
 * `mltrack server`: experiments, runs, batches, search with filters and pages, artifacts, and the
 * registry (that package has no registry class, so registry calls go through its own request base
 * class, MLflowBase, with the registry paths).
 */
import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { startServerProcess } from '../helpers/server.js';

const require = createRequire(import.meta.url);
const MLflow = require('mlflow').default ?? require('mlflow');
const { MLflowBase } = require('mlflow/lib/mlflow');

class Registry extends MLflowBase {
  constructor(args: { endpoint: string }, path: string) {
    super(args);
    this.path = path;
  }
}

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {}); // the client prints every request body
});

describe('the mlflow npm client against mltrack server', () => {
  it('logs experiments, runs, batches; searches with filters and pages; lists artifacts; drives the registry', async () => {
    const dir = tempDir();
    const server = await startServerProcess(['--mlruns', 'mlruns'], { cwd: dir, env: isolatedEnv(dir) });
    const client = new MLflow({ endpoint: server.url });
    const { Experiments, Runs, Metrics, Artifacts } = client;

    const { experiment_id } = await Experiments.create({ name: 'npm-client' });
    expect((await Experiments.get({ experiment_id })).experiment.name).toBe('npm-client');
    expect((await Experiments.list({})).experiments.map((e: any) => e.name)).toEqual(expect.arrayContaining(['Default', 'npm-client']));
    await Experiments.update({ experiment_id, new_name: 'npm-client-2' });
    await expect(Experiments.get({ experiment_id: '404404' })).rejects.toThrow(/RESOURCE_DOES_NOT_EXIST/);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { run } = await Runs.create({ experiment_id, start_time: 1000 + i, tags: [{ key: 'mlflow.runName', value: `run-${i}` }] });
      ids.push(run.info.run_id);
      await Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: String(i / 10) });
      await Runs.logMetric({ run_id: run.info.run_id, key: 'loss', value: 1 / (i + 1), timestamp: 1, step: 0 });
      await Runs.logBatch({
        run_id: run.info.run_id,
        metrics: [1, 2, 3].map((step) => ({ key: 'acc', value: i + step / 10, timestamp: 2, step })),
        params: [{ key: 'seed', value: '7' }],
        tags: [{ key: 'group', value: i % 2 ? 'odd' : 'even' }],
      });
      await Runs.setTag({ run_id: run.info.run_id, key: 'tmp', value: 'x' });
      await Runs.deleteTag({ run_id: run.info.run_id, key: 'tmp' });
      await Runs.update({ run_id: run.info.run_id, status: 'FINISHED', end_time: 2000 + i });
    }
    const got = (await Runs.get({ run_id: ids[2] })).run;
    expect(got.info.status).toBe('FINISHED');
    expect(got.data.params).toEqual([{ key: 'lr', value: '0.2' }, { key: 'seed', value: '7' }]);
    expect(got.data.tags.find((t: any) => t.key === 'tmp')).toBeUndefined();
    const history = await Metrics.getHistory({ run_id: ids[2], metric_key: 'acc' });
    expect(history.metrics.map((m: any) => m.step)).toEqual([1, 2, 3]);

    const filter = "tags.group = 'even' and metrics.acc > 0";
    const first = await Runs.search({ experiment_ids: [experiment_id], filter, order_by: ['params.lr DESC'], max_results: 2 });
    expect(first.runs.map((r: any) => r.info.run_id)).toEqual([ids[4], ids[2]]);
    const second = await Runs.search({ experiment_ids: [experiment_id], filter, order_by: ['params.lr DESC'], max_results: 2, page_token: first.next_page_token });
    expect(second.runs.map((r: any) => r.info.run_id)).toEqual([ids[0]]);
    expect(second.next_page_token).toBeUndefined();
    await expect(Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.acc >>> 1' })).rejects.toThrow(/INVALID_PARAMETER_VALUE/);

    await Runs.delete({ run_id: ids[1] });
    expect((await Runs.search({ experiment_ids: [experiment_id] })).runs).toHaveLength(4);
    await Runs.restore({ run_id: ids[1] });
    expect((await Runs.search({ experiment_ids: [experiment_id] })).runs).toHaveLength(5);

    // Artifacts: uploaded through the proxied service, listed through the client.
    const uri = got.info.artifact_uri as string;
    expect(uri).toBe(`mlflow-artifacts:/${experiment_id}/${ids[2]}/artifacts`);
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${uri.slice('mlflow-artifacts:/'.length)}/model/MLmodel`, { method: 'PUT', body: 'flavors: {}\n' });
    expect(put.status).toBe(200);
    const listed = await Artifacts.list({ run_id: ids[2] });
    expect(listed).toEqual({ root_uri: uri, files: [{ path: 'model', is_dir: true }] });
    expect((await Artifacts.list({ run_id: ids[2], path: 'model' })).files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);

    // Registry: versions, transitions, aliases.
    const models = new Registry({ endpoint: server.url }, '/registered-models');
    const versions = new Registry({ endpoint: server.url }, '/model-versions');
    await models.req('post', '/create', { name: 'churn' });
    for (const id of [ids[2], ids[4]]) await versions.req('post', '/create', { name: 'churn', source: `runs:/${id}/model`, run_id: id });
    await versions.req('post', '/transition-stage', { name: 'churn', version: '1', stage: 'Production', archive_existing_versions: false });
    await versions.req('post', '/transition-stage', { name: 'churn', version: '2', stage: 'Production', archive_existing_versions: true });
    expect((await versions.req('get', '/get', { name: 'churn', version: '1' })).model_version.current_stage).toBe('Archived');
    await models.req('post', '/alias', { name: 'churn', alias: 'champion', version: '2' });
    expect((await models.req('get', '/alias', { name: 'churn', alias: 'champion' })).model_version.run_id).toBe(ids[4]);
    const latest = await models.req('post', '/get-latest-versions', { name: 'churn', stages: ['Production'] });
    expect(latest.model_versions.map((v: any) => v.version)).toEqual(['2']);
    await models.req('delete', '/alias', { name: 'churn', alias: 'champion' });
    expect((await models.req('get', '/get', { name: 'churn' })).registered_model.aliases).toEqual([]);
    await expect(versions.req('post', '/transition-stage', { name: 'churn', version: '9', stage: 'Staging' })).rejects.toThrow(/RESOURCE_DOES_NOT_EXIST/);
  });
});
