/**
 * MLflow 3.x logged models, as `log_model` calls them (service.proto CreateLoggedModel,
 * GetLoggedModel, FinalizeLoggedModel, SearchLoggedModels, LogLoggedModelParams,
 * SetLoggedModelTags, DeleteLoggedModelTag, DeleteLoggedModel, ListLoggedModelArtifacts, LogOutputs).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fileInfoJson, metricValueJson, type Json } from '../../format/restJson.js';
import { searchLoggedModels, type DatasetRef, type LoggedModelOrder } from '../../format/search/index.js';
import { listArtifacts } from '../../store/artifacts.js';
import type { LoggedModelLocation, LoggedModelStatus } from '../../store/LoggedModelReader.js';
import { presentArtifactUri, type ServerContext } from '../context.js';
import { addEndpoint, bool, int, keyValueList, str, strList } from '../endpoint.js';
import { pairsToRecord } from '../json.js';
import { join } from 'node:path';
import { fileUriToPath } from '../../format/fileUri.js';

const STATUS_NAMES: Record<LoggedModelStatus, string> = {
  UNSPECIFIED: 'LOGGED_MODEL_STATUS_UNSPECIFIED', PENDING: 'LOGGED_MODEL_PENDING', READY: 'LOGGED_MODEL_READY', FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
};
const STATUS_BY_NAME: Record<string, LoggedModelStatus> = Object.fromEntries(Object.entries(STATUS_NAMES).map(([k, v]) => [v, k as LoggedModelStatus]));

function kv(record: Record<string, string>): Json[] {
  return Object.keys(record).sort().map((key) => ({ key, value: record[key]! }));
}

export function loggedModelOut(ctx: ServerContext, loc: LoggedModelLocation): Json {
  const m = loc.model;
  const info: { [key: string]: Json } = {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    artifact_uri: presentArtifactUri(ctx, m.artifactLocation),
    status: STATUS_NAMES[m.status],
    tags: kv(m.tags),
  };
  if (m.creationTimestamp !== null) info.creation_timestamp_ms = m.creationTimestamp;
  if (m.lastUpdatedTimestamp !== null) info.last_updated_timestamp_ms = m.lastUpdatedTimestamp;
  if (m.modelType) info.model_type = m.modelType;
  if (m.sourceRunId) info.source_run_id = m.sourceRunId;
  if (m.statusMessage) info.status_message = m.statusMessage;
  const metrics = Object.values(m.metrics).flat().map((x) => {
    const out: { [key: string]: Json } = { key: x.key, value: metricValueJson(x.value), timestamp: x.timestamp, step: x.step, run_id: x.runId, model_id: m.modelId };
    if (x.datasetName) Object.assign(out, { dataset_name: x.datasetName, dataset_digest: x.datasetDigest ?? '' });
    return out;
  });
  return { info, data: { params: kv(m.params), metrics } };
}

const modelId = (req: FastifyRequest) => (req.params as { model_id: string }).model_id;

export function loggedModelRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const models = ctx.loggedModels;
  const inModel = <T>(id: string, task: () => Promise<T>) => ctx.queue.run(`logged-model:${id}`, task);

  addEndpoint<{ experiment_id: string; name?: string; model_type?: string; source_run_id?: string; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] }>(app, {
    method: 'POST', path: '/logged-models', role: 'write',
    args: { experiment_id: str, name: str, model_type: str, source_run_id: str, params: keyValueList, tags: keyValueList }, required: ['experiment_id'],
    async handle(a) {
      const loc = await models.create({
        experimentId: a.experiment_id, name: a.name, modelType: a.model_type, sourceRunId: a.source_run_id || null, params: pairsToRecord(a.params), tags: pairsToRecord(a.tags),
      });
      return { model: loggedModelOut(ctx, loc) };
    },
  });

  addEndpoint<Record<string, never>>(app, {
    method: 'GET', path: '/logged-models/:model_id', role: 'read', args: {},
    async handle(_a, _p, req) {
      return { model: loggedModelOut(ctx, await models.reader.getLoggedModel(modelId(req))) };
    },
  });

  addEndpoint<{ status: string }>(app, {
    method: 'PATCH', path: '/logged-models/:model_id', role: 'write', args: { model_id: str, status: { type: 'string', enum: Object.keys(STATUS_BY_NAME) } }, required: ['status'],
    async handle(a, _p, req) {
      const id = modelId(req);
      return { model: loggedModelOut(ctx, await inModel(id, () => models.finalize(id, STATUS_BY_NAME[a.status]!))) };
    },
  });

  addEndpoint<Record<string, never>>(app, {
    method: 'DELETE', path: '/logged-models/:model_id', role: 'write', args: {},
    async handle(_a, _p, req) {
      const id = modelId(req);
      await inModel(id, () => models.delete(id));
      return {};
    },
  });

  addEndpoint<{ experiment_ids?: string[]; filter?: string; max_results?: number; page_token?: string; order_by?: LoggedModelOrder[]; datasets?: DatasetRef[] }>(app, {
    method: 'POST', path: '/logged-models/search', role: 'read',
    args: {
      experiment_ids: strList, filter: str, max_results: int, page_token: str,
      order_by: { type: 'array', items: { type: 'object', properties: { field_name: str, ascending: bool, dataset_name: str, dataset_digest: str } } },
      datasets: { type: 'array', items: { type: 'object', properties: { dataset_name: str, dataset_digest: str } } },
    },
    async handle(a) {
      const wanted = new Set(a.experiment_ids ?? []);
      const candidates = (await models.reader.listAllLoggedModels())
        .filter((l) => l.model.lifecycleStage === 'active' && (wanted.size === 0 || wanted.has(l.model.experimentId)));
      const page = searchLoggedModels(candidates.map((l) => ({ ...l.model, location: l })), {
        filter: a.filter, datasets: a.datasets, orderBy: a.order_by, maxResults: a.max_results, pageToken: a.page_token || null,
      });
      const out: { models: Json[]; next_page_token?: string } = { models: page.items.map((m) => loggedModelOut(ctx, m.location)) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  });

  addEndpoint<{ params?: { key: string; value: string }[] }>(app, {
    method: 'POST', path: '/logged-models/:model_id/params', role: 'write', args: { model_id: str, params: keyValueList },
    async handle(a, _p, req) {
      const id = modelId(req);
      await inModel(id, () => models.logParams(id, pairsToRecord(a.params)));
      return {};
    },
  });

  addEndpoint<{ tags?: { key: string; value: string }[] }>(app, {
    method: 'PATCH', path: '/logged-models/:model_id/tags', role: 'write', args: { model_id: str, tags: keyValueList },
    async handle(a, _p, req) {
      const id = modelId(req);
      await inModel(id, () => models.setTags(id, pairsToRecord(a.tags)));
      return {};
    },
  });

  addEndpoint<Record<string, never>>(app, {
    method: 'DELETE', path: '/logged-models/:model_id/tags/:tag_key', role: 'write', args: {},
    async handle(_a, _p, req) {
      const id = modelId(req);
      await inModel(id, () => models.deleteTag(id, (req.params as { tag_key: string }).tag_key));
      return {};
    },
  });

  addEndpoint<{ artifact_directory_path?: string }>(app, {
    method: 'GET', path: '/logged-models/:model_id/artifacts/directories', role: 'read', args: { artifact_directory_path: str, page_token: str },
    async handle(a, _p, req) {
      const loc = await models.reader.getLoggedModel(modelId(req));
      const path = fileUriToPath(loc.model.artifactLocation);
      const root = path === null || path === '' ? join(ctx.store.root, loc.dir, 'artifacts') : path;
      const files = listArtifacts(root, a.artifact_directory_path ?? '');
      return { root_uri: presentArtifactUri(ctx, loc.model.artifactLocation), files: files.map(fileInfoJson) };
    },
  });

  addEndpoint<{ run_id: string; models?: { model_id: string; step?: number }[] }>(app, {
    method: 'POST', path: '/runs/outputs', role: 'write',
    args: { run_id: str, models: { type: 'array', items: { type: 'object', properties: { model_id: str, step: int }, required: ['model_id'] } } }, required: ['run_id'],
    async handle(a) {
      await ctx.queue.run(`run:${a.run_id}`, async () => {
        for (const m of a.models ?? []) await models.logOutput(a.run_id, m.model_id, m.step ?? 0);
      });
      return {};
    },
  });
}
