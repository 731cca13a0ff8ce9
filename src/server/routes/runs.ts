/** Runs, params, metrics, tags, batches, inputs, log-model: service.proto CreateRun ... LogInputs, GetMetricHistory. */
import type { FastifyInstance } from 'fastify';
import { TERMINATED_STATUSES, type RunStatus } from '../../format/entities.js';
import { fail } from '../../format/errors.js';
import { appendHistory, LOG_MODEL_HISTORY_TAG } from '../../format/mlmodel.js';
import { metricJson } from '../../format/restJson.js';
import { paginate } from '../../format/search/index.js';
import type { MetricInput } from '../../store/FileStore.js';
import type { ServerContext } from '../context.js';
import { addEndpoint, int, keyValueList, str, strList } from '../endpoint.js';
import { pairsToRecord, runInfoOut, runOut } from '../json.js';
import { parseViewType, viewType } from './experiments.js';

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
/** Metric values: numbers, or "NaN" / "Infinity" / "-Infinity" as protobuf JSON writes them. */
const metricValue = { anyOf: [{ type: 'number' }, { type: 'string', enum: ['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf'] }] };
const noSpace = { type: 'string', pattern: '^\\S*$' } as const;
const metricSchema = {
  type: 'object',
  // model_id, dataset_name, dataset_digest: MLflow 3.x metrics of a logged model. The dataset goes into
  // a space-separated metric line, so white space is refused here, before the run gets the value.
  properties: { key: str, value: metricValue, timestamp: int, step: int, model_id: str, dataset_name: noSpace, dataset_digest: noSpace },
  required: ['key', 'value', 'timestamp'],
};

function metricValueOf(value: number | string): number {
  if (typeof value === 'number') return value;
  const v = value.toLowerCase();
  return v === 'nan' ? NaN : v.startsWith('-') ? -Infinity : Infinity;
}

interface RawMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step?: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

function toMetric(m: RawMetric): MetricInput {
  return { key: m.key, value: metricValueOf(m.value), timestamp: m.timestamp, step: m.step ?? 0 };
}

/** MLflow sends run_id and the deprecated run_uuid; either names the run. */
function runIdOf(a: { run_id?: string; run_uuid?: string }): string {
  const id = a.run_id || a.run_uuid;
  if (!id) throw fail('INVALID_ARGUMENT', "Missing value for required parameter 'run_id'.");
  return id;
}

const runRef = { run_id: str, run_uuid: str };

export function runRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { store, queue } = ctx;
  const inRun = <T>(runId: string, task: () => Promise<T>) => queue.run(`run:${runId}`, task);
  /**
   * Metrics that name a logged model go to its files too, as MLflow 3.x's store does. The models are
   * looked up first, so an unknown one refuses the request before the run gets anything.
   */
  const modelMetricsWriter = async (runId: string, metrics: readonly RawMetric[]) => {
    const byModel = new Map<string, RawMetric[]>();
    for (const m of metrics) if (m.model_id) byModel.set(m.model_id, [...(byModel.get(m.model_id) ?? []), m]);
    for (const modelId of byModel.keys()) await ctx.loggedModels.reader.getLoggedModel(modelId);
    return async () => {
      for (const [modelId, list] of byModel) {
        const input = list.map((m) => ({ ...toMetric(m), datasetName: m.dataset_name ?? null, datasetDigest: m.dataset_digest ?? null }));
        await queue.run(`logged-model:${modelId}`, () => ctx.loggedModels.logMetrics(modelId, runId, input));
      }
    };
  };

  addEndpoint<{ experiment_id?: string; user_id?: string; run_name?: string; start_time?: number; tags?: { key: string; value: string }[] }>(app, {
    method: 'POST', path: '/runs/create', role: 'write',
    args: { experiment_id: str, user_id: str, run_name: str, start_time: int, tags: keyValueList },
    async handle(a, principal) {
      const run = await store.createRun({
        experimentId: a.experiment_id || '0',
        userId: principal?.name ?? a.user_id ?? '',
        runName: a.run_name || null,
        startTime: a.start_time,
        tags: pairsToRecord(a.tags),
      });
      return { run: runOut(ctx, run) };
    },
  });

  addEndpoint<{ run_id?: string; run_uuid?: string; status?: RunStatus; end_time?: number; run_name?: string }>(app, {
    method: 'POST', path: '/runs/update', role: 'write',
    args: { ...runRef, status: { type: 'string', enum: RUN_STATUSES }, end_time: int, run_name: str },
    async handle(a) {
      const runId = runIdOf(a);
      const info = await inRun(runId, () => store.updateRunInfo(runId, { status: a.status, endTime: a.end_time ?? null, runName: a.run_name }));
      if (a.status && TERMINATED_STATUSES.includes(a.status)) await ctx.hooks.runEnded?.(runId);
      return { run_info: runInfoOut(ctx, info) };
    },
  });

  addEndpoint<{ run_id: string }>(app, {
    method: 'POST', path: '/runs/delete', role: 'write', args: runRef,
    async handle(a) {
      const runId = runIdOf(a);
      await inRun(runId, () => store.deleteRun(runId));
      return {};
    },
  });

  addEndpoint<{ run_id: string }>(app, {
    method: 'POST', path: '/runs/restore', role: 'write', args: runRef,
    async handle(a) {
      const runId = runIdOf(a);
      await inRun(runId, () => store.restoreRun(runId));
      return {};
    },
  });

  addEndpoint<{ run_id?: string; run_uuid?: string }>(app, {
    method: 'GET', path: '/runs/get', role: 'read', args: runRef,
    async handle(a) {
      return { run: runOut(ctx, await store.getRun(runIdOf(a))) };
    },
  });

  addEndpoint<{ experiment_ids?: string[]; filter?: string; run_view_type?: string; max_results?: number; order_by?: string[]; page_token?: string }>(app, {
    method: 'POST', path: '/runs/search', role: 'read',
    args: { experiment_ids: strList, filter: str, run_view_type: viewType, max_results: int, order_by: strList, page_token: str },
    async handle(a) {
      const page = await store.searchRuns({
        experimentIds: a.experiment_ids ?? [], filter: a.filter || undefined, viewType: parseViewType(a.run_view_type),
        maxResults: a.max_results, orderBy: a.order_by, pageToken: a.page_token || null,
      });
      const out: { runs: ReturnType<typeof runOut>[]; next_page_token?: string } = { runs: page.items.map((r) => runOut(ctx, r)) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  });

  addEndpoint<RawMetric & { run_id?: string; run_uuid?: string }>(app, {
    method: 'POST', path: '/runs/log-metric', role: 'write',
    args: { ...runRef, ...metricSchema.properties }, required: ['key', 'value', 'timestamp'],
    async handle(a) {
      const runId = runIdOf(a);
      const toModels = await modelMetricsWriter(runId, [a]);
      await inRun(runId, () => store.logMetric(runId, toMetric(a)));
      await toModels();
      return {};
    },
  });

  addEndpoint<{ run_id?: string; run_uuid?: string; key: string; value: string }>(app, {
    method: 'POST', path: '/runs/log-parameter', role: 'write', args: { ...runRef, key: str, value: str }, required: ['key', 'value'],
    async handle(a) {
      const runId = runIdOf(a);
      await inRun(runId, () => store.logParam(runId, a.key, a.value));
      return {};
    },
  });

  addEndpoint<{ run_id?: string; run_uuid?: string; key: string; value: string }>(app, {
    method: 'POST', path: '/runs/set-tag', role: 'write', args: { ...runRef, key: str, value: str }, required: ['key', 'value'],
    async handle(a) {
      const runId = runIdOf(a);
      await inRun(runId, () => store.setTag(runId, a.key, a.value));
      return {};
    },
  });

  addEndpoint<{ run_id: string; key: string }>(app, {
    method: 'POST', path: '/runs/delete-tag', role: 'write', args: { run_id: str, key: str }, required: ['run_id', 'key'],
    async handle(a) {
      await inRun(a.run_id, () => store.deleteTag(a.run_id, a.key));
      return {};
    },
  });

  addEndpoint<{ run_id: string; metrics?: RawMetric[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] }>(app, {
    method: 'POST', path: '/runs/log-batch', role: 'write',
    args: { run_id: str, metrics: { type: 'array', items: metricSchema }, params: keyValueList, tags: keyValueList }, required: ['run_id'],
    async handle(a) {
      const batch = {
        metrics: (a.metrics ?? []).map(toMetric),
        params: (a.params ?? []).map((p) => ({ key: p.key, value: p.value ?? '' })),
        tags: (a.tags ?? []).map((t) => ({ key: t.key, value: t.value ?? '' })),
      };
      const toModels = await modelMetricsWriter(a.run_id, a.metrics ?? []);
      await inRun(a.run_id, () => store.logBatch(a.run_id, batch));
      await toModels();
      return {};
    },
  });

  addEndpoint<{ run_id: string; model_json: string }>(app, {
    method: 'POST', path: '/runs/log-model', role: 'write', args: { run_id: str, model_json: str }, required: ['run_id', 'model_json'],
    async handle(a) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(a.model_json) as Record<string, unknown>;
      } catch {
        throw fail('INVALID_ARGUMENT', "Parameter 'model_json' is not valid JSON");
      }
      await inRun(a.run_id, async () => {
        const run = await store.getRun(a.run_id);
        await store.setTag(a.run_id, LOG_MODEL_HISTORY_TAG, appendHistory(run.data.tags[LOG_MODEL_HISTORY_TAG], entry));
      });
      return {};
    },
  });

  const datasetSchema = {
    type: 'object',
    properties: {
      tags: keyValueList,
      dataset: {
        type: 'object',
        properties: { name: str, digest: str, source_type: str, source: str, schema: str, profile: str },
        required: ['name', 'digest', 'source_type', 'source'],
      },
    },
    required: ['dataset'],
  };
  interface RawInput {
    tags?: { key: string; value: string }[];
    dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
  }
  addEndpoint<{ run_id: string; datasets?: RawInput[]; models?: unknown[] }>(app, {
    method: 'POST', path: '/runs/log-inputs', role: 'write',
    args: { run_id: str, datasets: { type: 'array', items: datasetSchema }, models: { type: 'array' } }, required: ['run_id'],
    async handle(a) {
      const inputs = (a.datasets ?? []).map((d) => ({
        dataset: { name: d.dataset.name, digest: d.dataset.digest, sourceType: d.dataset.source_type, source: d.dataset.source, schema: d.dataset.schema ?? null, profile: d.dataset.profile ?? null },
        tags: pairsToRecord(d.tags),
      }));
      await inRun(a.run_id, () => store.logInputs(a.run_id, inputs));
      return {};
    },
  });

  addEndpoint<{ run_id?: string; run_uuid?: string; metric_key: string; page_token?: string; max_results?: number }>(app, {
    method: 'GET', path: '/metrics/get-history', role: 'read',
    args: { ...runRef, metric_key: str, page_token: str, max_results: int }, required: ['metric_key'],
    async handle(a) {
      const history = await store.getMetricHistory(runIdOf(a), a.metric_key);
      const page = a.max_results || a.page_token ? paginate(history, a.page_token || null, a.max_results ?? 25000) : { items: history, nextPageToken: null };
      const out: { metrics: unknown[]; next_page_token?: string } = { metrics: page.items.map(metricJson) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out as never;
    },
  });
}
