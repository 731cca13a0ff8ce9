/** Experiments: service.proto CreateExperiment ... DeleteExperimentTag. */
import type { FastifyInstance } from 'fastify';
import { fail } from '../../format/errors.js';
import type { ViewType } from '../../format/entities.js';
import type { ServerContext } from '../context.js';
import { addEndpoint, int, keyValueList, str, strList } from '../endpoint.js';
import { experimentOut, pairsToRecord } from '../json.js';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
export const viewType = { type: 'string', enum: [...VIEW_TYPES, '1', '2', '3'] } as const;

/** ViewType by name, or by its proto number as some clients send it. */
export function parseViewType(value: string | undefined): ViewType {
  if (value === undefined) return 'ACTIVE_ONLY';
  const byNumber: Record<string, ViewType> = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL' };
  return (byNumber[value] ?? value) as ViewType;
}

export function experimentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { store } = ctx;

  addEndpoint<{ name: string; artifact_location?: string; tags?: { key: string; value: string }[] }>(app, {
    method: 'POST', path: '/experiments/create', role: 'write',
    args: { name: str, artifact_location: str, tags: keyValueList }, required: ['name'],
    async handle(a) {
      const artifactRoot = ctx.artifactsRoot === store.root ? undefined : ctx.artifactsRoot;
      const id = await store.createExperiment(a.name, { artifactLocation: a.artifact_location || undefined, artifactRoot, tags: pairsToRecord(a.tags) });
      return { experiment_id: id };
    },
  });

  addEndpoint<{ experiment_id: string }>(app, {
    method: 'GET', path: '/experiments/get', role: 'read', args: { experiment_id: str }, required: ['experiment_id'],
    async handle(a) {
      return { experiment: experimentOut(ctx, await store.getExperiment(a.experiment_id)) };
    },
  });

  addEndpoint<{ experiment_name: string }>(app, {
    method: 'GET', path: '/experiments/get-by-name', role: 'read', args: { experiment_name: str }, required: ['experiment_name'],
    async handle(a) {
      const e = await store.getExperimentByName(a.experiment_name);
      if (!e) throw fail('NOT_FOUND', `Could not find experiment with name '${a.experiment_name}'`, { name: a.experiment_name });
      return { experiment: experimentOut(ctx, e) };
    },
  });

  addEndpoint<{ max_results?: number; page_token?: string; filter?: string; order_by?: string[]; view_type?: string }>(app, {
    method: ['POST', 'GET'], path: '/experiments/search', role: 'read',
    args: { max_results: int, page_token: str, filter: str, order_by: strList, view_type: viewType },
    async handle(a) {
      const page = await store.searchExperiments({
        filter: a.filter || undefined, orderBy: a.order_by, maxResults: a.max_results, pageToken: a.page_token || null, viewType: parseViewType(a.view_type),
      });
      const out: { experiments: ReturnType<typeof experimentOut>[]; next_page_token?: string } = { experiments: page.items.map((e) => experimentOut(ctx, e)) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  });

  // MLflow 1.x clients (the mlflow npm package among them) still list instead of search.
  addEndpoint<{ view_type?: string }>(app, {
    method: 'GET', path: '/experiments/list', role: 'read', args: { view_type: viewType },
    async handle(a) {
      const page = await store.searchExperiments({ viewType: parseViewType(a.view_type), maxResults: 50000 });
      return { experiments: page.items.map((e) => experimentOut(ctx, e)) };
    },
  });

  addEndpoint<{ experiment_id: string; new_name?: string }>(app, {
    method: 'POST', path: '/experiments/update', role: 'write', args: { experiment_id: str, new_name: str }, required: ['experiment_id'],
    async handle(a) {
      if (a.new_name) await store.renameExperiment(a.experiment_id, a.new_name);
      return {};
    },
  });

  addEndpoint<{ experiment_id: string }>(app, {
    method: 'POST', path: '/experiments/delete', role: 'write', args: { experiment_id: str }, required: ['experiment_id'],
    async handle(a) {
      await store.deleteExperiment(a.experiment_id);
      return {};
    },
  });

  addEndpoint<{ experiment_id: string }>(app, {
    method: 'POST', path: '/experiments/restore', role: 'write', args: { experiment_id: str }, required: ['experiment_id'],
    async handle(a) {
      await store.restoreExperiment(a.experiment_id);
      return {};
    },
  });

  addEndpoint<{ experiment_id: string; key: string; value: string }>(app, {
    method: 'POST', path: '/experiments/set-experiment-tag', role: 'write',
    args: { experiment_id: str, key: str, value: str }, required: ['experiment_id', 'key', 'value'],
    async handle(a) {
      await store.setExperimentTag(a.experiment_id, a.key, a.value);
      return {};
    },
  });

  addEndpoint<{ experiment_id: string; key: string }>(app, {
    method: 'POST', path: '/experiments/delete-experiment-tag', role: 'write',
    args: { experiment_id: str, key: str }, required: ['experiment_id', 'key'],
    async handle(a) {
      await store.deleteExperimentTag(a.experiment_id, a.key);
      return {};
    },
  });
}
