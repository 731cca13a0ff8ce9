/**
 * An MLflow tracking server's history through its REST API, in the shapes the database readers
 * give (history.ts), so one writer serves both. Every experiment and run of every lifecycle stage,
 * full metric histories, dataset inputs, the registry, and [3.x] logged models. Artifacts behind
 * `mlflow-artifacts:/` URIs are downloaded through the server into `staging`, from where the writer
 * copies them like local files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LifecycleStage, Metric, RunStatus, Step } from '../format/entities.js';
import { fail, isMltrackError } from '../format/errors.js';
import { validateArtifactPath } from '../format/validation.js';
import { REST_REVISION, type ArtifactsFrom, type ImportedExperiment, type ImportedHistory, type ImportedLoggedModel, type ImportedRegisteredModel, type ImportedRun, type Omission } from './history.js';
import type { MlflowRestClient } from './mlflowRest.js';

type Json = any;

const PROXY = 'mlflow-artifacts:';
const LOGGED_MODEL_STATUS: Record<string, number> = { LOGGED_MODEL_STATUS_UNSPECIFIED: 0, LOGGED_MODEL_PENDING: 1, LOGGED_MODEL_READY: 2, LOGGED_MODEL_UPLOAD_FAILED: 3 };

const pairs = (list: { key: string; value?: string }[] | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((p) => [p.key, p.value ?? '']));
const metricValue = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v));
/** int64 as parseJsonExact gives it: a number when exact, else a bigint. */
const int64 = (v: number | bigint | string | undefined): Step => (v === undefined ? 0 : typeof v === 'string' ? (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v)) : v);
const msOrNull = (v: number | bigint | undefined | null): number | null => (v === undefined || v === null ? null : Number(v));

export interface RestReadOptions {
  /** Where downloaded artifacts wait until the writer copies them; null: do not download (--artifacts keep). */
  staging: string | null;
  /** A dry run lists artifact files (for the counts) and downloads none. */
  listOnly: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A run's or model's artifact files under a proxied root, downloaded into `dir`; with `listOnly`
 * only listed. Returns what the writer copies from: the folder, or the listing.
 */
async function fetchArtifacts(client: MlflowRestClient, rootUri: string, dir: string, listOnly: boolean, list: (path: string) => Promise<{ path: string; is_dir?: boolean; file_size?: number }[]>): Promise<ArtifactsFrom> {
  const root = rootUri.slice(PROXY.length).replace(/^\/+/, '');
  const listing: { path: string; size: number }[] = [];
  const walk = async (path: string) => {
    for (const f of await list(path)) {
      // A path the server sends is checked like one a user sends: it must stay under the root.
      const rel = validateArtifactPath(f.path);
      if (f.is_dir) await walk(rel);
      else if (listOnly) listing.push({ path: rel, size: Number(f.file_size ?? 0) });
      else {
        const target = join(dir, rel);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, await client.download(`${root}/${rel}`));
      }
    }
  };
  await walk('');
  return listOnly ? listing : dir;
}

export async function readRest(client: MlflowRestClient, options: RestReadOptions): Promise<ImportedHistory> {
  const omitted: Omission[] = [];
  const experimentsJson = await client.all('experiments', 1000, (page_token, max_results) => client.post('/experiments/search', { view_type: 'ALL', max_results, page_token }));
  const experiments: ImportedExperiment[] = experimentsJson.map((e: Json) => ({
    experiment: {
      experimentId: String(e.experiment_id),
      name: e.name,
      artifactLocation: e.artifact_location ?? '',
      lifecycleStage: (e.lifecycle_stage === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
      creationTime: msOrNull(e.creation_time),
      lastUpdateTime: msOrNull(e.last_update_time),
      tags: pairs(e.tags),
    },
    runs: [],
    loggedModels: [],
  }));
  const byId = new Map(experiments.map((e) => [e.experiment.experimentId, e]));
  const ids = [...byId.keys()];

  const runsJson: Json[] = ids.length
    ? await client.all('runs', 1000, (page_token, max_results) => client.post('/runs/search', { experiment_ids: ids, run_view_type: 'ALL', max_results, page_token }))
    : [];

  let loggedModelsJson: Json[] = [];
  try {
    if (ids.length) loggedModelsJson = await client.all('models', 100, (page_token, max_results) => client.post('/logged-models/search', { experiment_ids: ids, max_results, page_token }));
  } catch (err) {
    // MLflow 2.x servers have no logged models: ENDPOINT_NOT_FOUND, nothing to import.
    if (!(isMltrackError(err) && err.code === 'SOURCE_REFUSED' && err.data.status === 404)) throw err;
  }

  const total = runsJson.length + loggedModelsJson.length;
  let done = 0;
  let unreachableArtifacts = 0;

  for (const r of runsJson) {
    const info = r.info;
    const runId: string = info.run_id ?? info.run_uuid;
    const metrics: Record<string, Metric[]> = {};
    for (const latest of r.data?.metrics ?? []) {
      const history = await client.all('metrics', 25000, (page_token, max_results) => client.get('/metrics/get-history', { run_id: runId, metric_key: latest.key, max_results, page_token }));
      metrics[latest.key] = history.map((m: Json) => ({ key: latest.key, value: metricValue(m.value), timestamp: Number(m.timestamp), step: int64(m.step) }));
    }
    const lifecycleStage: LifecycleStage = info.lifecycle_stage === 'deleted' ? 'deleted' : 'active';
    const run: ImportedRun = {
      info: {
        runId,
        runName: info.run_name ?? null,
        experimentId: String(info.experiment_id),
        userId: info.user_id ?? '',
        status: info.status as RunStatus,
        startTime: Number(info.start_time ?? 0),
        endTime: msOrNull(info.end_time),
        artifactUri: info.artifact_uri ?? '',
        lifecycleStage,
        // MLflow's REST API does not send deleted_time.
        ...(lifecycleStage === 'deleted' ? { deletedTime: null } : {}),
      },
      params: pairs(r.data?.params),
      tags: pairs(r.data?.tags),
      metrics: () => metrics,
      datasetInputs: (r.inputs?.dataset_inputs ?? []).map((d: Json) => ({
        dataset: { name: d.dataset.name, digest: d.dataset.digest, sourceType: d.dataset.source_type, source: d.dataset.source, schema: d.dataset.schema ?? null, profile: d.dataset.profile ?? null },
        tags: pairs(d.tags),
      })),
      modelOutputs: (r.outputs?.model_outputs ?? []).map((o: Json) => ({ modelId: o.model_id, step: int64(o.step) })),
      modelInputs: (r.inputs?.model_inputs ?? []).map((i: Json) => i.model_id),
    };
    // MLflow 3's search leaves a run's model inputs empty and GetRun fills them: ask for them only
    // where there are logged models they could name.
    if (loggedModelsJson.length && !run.modelInputs.length) {
      run.modelInputs = ((await client.get('/runs/get', { run_id: runId })).run?.inputs?.model_inputs ?? []).map((i: Json) => i.model_id);
    }
    if (options.staging && run.info.artifactUri.startsWith(PROXY)) {
      run.artifactsFrom = await fetchArtifacts(client, run.info.artifactUri, join(options.staging, 'runs', runId), options.listOnly, async (path) => (await client.get('/artifacts/list', { run_id: runId, path: path || undefined })).files ?? []);
    } else if (options.staging && !run.info.artifactUri.startsWith('file:') && !run.info.artifactUri.startsWith('/')) unreachableArtifacts++;
    const experiment = byId.get(run.info.experimentId);
    if (!experiment) throw fail('SOURCE_REFUSED', `${client.base}: run ${runId} names experiment ${run.info.experimentId}, which the experiment search did not return`, { runId });
    experiment.runs.push(run);
    options.onProgress?.(++done, total);
  }

  for (const m of loggedModelsJson) {
    const info = m.info;
    const model: ImportedLoggedModel = {
      modelId: info.model_id,
      experimentId: String(info.experiment_id),
      name: info.name,
      artifactLocation: info.artifact_uri ?? '',
      creationTimestamp: Number(info.creation_timestamp_ms ?? 0),
      lastUpdatedTimestamp: Number(info.last_updated_timestamp_ms ?? info.creation_timestamp_ms ?? 0),
      status: LOGGED_MODEL_STATUS[info.status] ?? 0,
      statusMessage: info.status_message ?? null,
      lifecycleStage: null,
      modelType: info.model_type ?? null,
      sourceRunId: info.source_run_id ?? null,
      tags: pairs(info.tags),
      params: pairs(m.data?.params),
      metrics: {},
    };
    for (const x of m.data?.metrics ?? []) {
      (model.metrics[x.key] ??= []).push({
        key: x.key, value: metricValue(x.value), timestamp: Number(x.timestamp), step: int64(x.step), runId: x.run_id,
        ...(x.dataset_name && x.dataset_digest ? { datasetName: x.dataset_name, datasetDigest: x.dataset_digest } : {}),
      });
    }
    if (options.staging && model.artifactLocation.startsWith(PROXY)) {
      model.artifactsFrom = await fetchArtifacts(client, model.artifactLocation, join(options.staging, 'models', model.modelId), options.listOnly, async (path) =>
        (await client.get(`/logged-models/${encodeURIComponent(model.modelId)}/artifacts/directories`, { artifact_directory_path: path || undefined })).files ?? []);
    }
    byId.get(model.experimentId)?.loggedModels.push(model);
    options.onProgress?.(++done, total);
  }
  if (unreachableArtifacts) omitted.push({ kind: 'run artifact roots', count: unreachableArtifacts, reason: 'not served through the proxied artifact service (mlflow-artifacts:/); start the server with --serve-artifacts, or use --artifacts keep' });

  return { revision: REST_REVISION, experiments, registeredModels: await readRestRegistry(client, runsJson, loggedModelsJson), omitted };
}

/**
 * A version's source and download URI as the server stores them may be paths on the server's disk
 * (`file:///srv/mlruns/1/<run>/artifacts/model`). Inside a run's or logged model's artifact folder,
 * they are restated under that run's or model's URI as the server presents it, so the writer moves
 * them with the files.
 */
function underPresentedRoot(uri: string | null, roots: Map<string, string>): string | null {
  if (!uri) return uri;
  const m = /\/((?:models\/)?[^/]+)\/artifacts(\/.*)?$/.exec(uri);
  if (!m) return uri;
  const root = roots.get(m[1]!.replace(/^models\//, ''));
  return root && !uri.startsWith(root) ? `${root}${m[2] ?? ''}` : uri;
}

async function readRestRegistry(client: MlflowRestClient, runsJson: Json[], modelsJson: Json[]): Promise<ImportedRegisteredModel[]> {
  const roots = new Map<string, string>();
  for (const r of runsJson) roots.set(r.info.run_id ?? r.info.run_uuid, r.info.artifact_uri);
  for (const m of modelsJson) roots.set(m.info.model_id, m.info.artifact_uri);
  const modelsJsonList = await client.all('registered_models', 1000, (page_token, max_results) => client.get('/registered-models/search', { max_results, page_token }));
  const byName = new Map<string, ImportedRegisteredModel>();
  for (const m of modelsJsonList) {
    const aliases: Record<string, number> = Object.fromEntries((m.aliases ?? []).map((a: Json) => [a.alias, Number(a.version)]));
    byName.set(m.name, {
      meta: {
        name: m.name, creationTimestamp: msOrNull(m.creation_timestamp), lastUpdatedTimestamp: msOrNull(m.last_updated_timestamp), description: m.description ?? null,
        aliasesSnapshot: Object.fromEntries(Object.entries(aliases).map(([a, v]) => [a, String(v)])),
      },
      tags: pairs(m.tags),
      aliases,
      versions: [],
    });
  }
  const versions = await client.all('model_versions', 1000, (page_token, max_results) => client.get('/model-versions/search', { max_results, page_token }));
  for (const v of versions) {
    const model = byName.get(v.name);
    if (!model) continue;
    const version = Number(v.version);
    const download = (await client.get('/model-versions/get-download-uri', { name: v.name, version: v.version })).artifact_uri ?? null;
    model.versions.push({
      meta: {
        name: v.name,
        version,
        creationTimestamp: Number(v.creation_timestamp ?? 0),
        lastUpdatedTimestamp: msOrNull(v.last_updated_timestamp),
        currentStage: v.current_stage ?? 'None',
        description: v.description ?? null,
        userId: v.user_id ?? null,
        source: underPresentedRoot(v.source ?? null, roots),
        runId: v.run_id ?? null,
        runLink: v.run_link ?? null,
        status: v.status ?? null,
        statusMessage: v.status_message ?? null,
        storageLocation: underPresentedRoot(download, roots),
        aliasesSnapshot: Object.entries(model.aliases).filter(([, n]) => n === version).map(([a]) => a),
        ...(v.model_id ? { modelId: v.model_id } : {}),
      },
      tags: pairs(v.tags),
    });
  }
  for (const model of byName.values()) model.versions.sort((a, b) => a.meta.version - b.meta.version);
  return [...byName.values()];
}
