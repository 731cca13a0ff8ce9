/** The model registry: model_registry.proto CreateRegisteredModel ... GetModelVersionByAlias. */
import type { FastifyInstance } from 'fastify';
import { fail } from '../../format/errors.js';
import { canonicalStage } from '../../format/registryMeta.js';
import { modelVersionJson, registeredModelJson } from '../../format/restJson.js';
import type { Principal } from '../auth.js';
import type { ServerContext } from '../context.js';
import { addEndpoint, bool, int, keyValueList, str, strList } from '../endpoint.js';
import { HttpError } from '../httpErrors.js';
import { pairsToRecord } from '../json.js';

function versionNumber(text: string | number): number {
  const n = Number(String(text).trim());
  if (!Number.isSafeInteger(n)) throw fail('INVALID_ARGUMENT', `Parameter 'version' must be an integer, got '${text}'.`, { version: String(text) });
  return n;
}

function searchArgs(a: { filter?: string; max_results?: number; order_by?: string[]; page_token?: string }) {
  return { filter: a.filter || undefined, maxResults: a.max_results, orderBy: a.order_by, pageToken: a.page_token || null };
}

export function registryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { registry, queue } = ctx;
  /** The registry as the request's user: every change it makes records who made it (spec/rest-api.md, Users). */
  const as = (principal: Principal | null) => registry.as(principal?.name ?? null);
  /** Registry writes of one model run one at a time, then commit when the config asks. */
  const inModel = async <T>(name: string, task: () => Promise<T>): Promise<T> => {
    const result = await queue.run(`model:${name}`, task);
    await ctx.hooks.registryChanged?.();
    return result;
  };
  /** Moving into a protected stage or alias needs the promote role (auth on only). */
  const checkPromote = (principal: Principal | null, model: string, target: { stage?: string; alias?: string }) => {
    if (!principal || principal.role === 'promote') return;
    if (ctx.hooks.isProtected?.(model, target)) {
      const what = target.stage ? `stage '${target.stage}'` : `alias '${target.alias}'`;
      throw new HttpError('PERMISSION_DENIED', `User '${principal.name}' (role ${principal.role}) may not move ${model} to the protected ${what}: the promote role is needed`);
    }
  };

  addEndpoint<{ name: string; tags?: { key: string; value: string }[]; description?: string }>(app, {
    method: 'POST', path: '/registered-models/create', role: 'write', args: { name: str, tags: keyValueList, description: str }, required: ['name'],
    async handle(a, principal) {
      const m = await inModel(a.name, () => as(principal).createRegisteredModel(a.name, { description: a.description ?? null, tags: pairsToRecord(a.tags) }));
      return { registered_model: registeredModelJson(m) };
    },
  });

  addEndpoint<{ name: string; new_name: string }>(app, {
    method: 'POST', path: '/registered-models/rename', role: 'write', args: { name: str, new_name: str }, required: ['name', 'new_name'],
    async handle(a, principal) {
      const m = await inModel(a.name, () => as(principal).renameRegisteredModel(a.name, a.new_name));
      return { registered_model: registeredModelJson(m) };
    },
  });

  addEndpoint<{ name: string; description?: string }>(app, {
    method: 'PATCH', path: '/registered-models/update', role: 'write', args: { name: str, description: str }, required: ['name'],
    async handle(a, principal) {
      const m = await inModel(a.name, () => as(principal).updateRegisteredModel(a.name, a.description ?? null));
      return { registered_model: registeredModelJson(m) };
    },
  });

  addEndpoint<{ name: string }>(app, {
    method: 'DELETE', path: '/registered-models/delete', role: 'write', args: { name: str }, required: ['name'],
    async handle(a, principal) {
      await inModel(a.name, () => as(principal).deleteRegisteredModel(a.name));
      return {};
    },
  });

  addEndpoint<{ name: string }>(app, {
    method: 'GET', path: '/registered-models/get', role: 'read', args: { name: str }, required: ['name'],
    async handle(a) {
      return { registered_model: registeredModelJson(await registry.getRegisteredModel(a.name)) };
    },
  });

  addEndpoint<{ filter?: string; max_results?: number; order_by?: string[]; page_token?: string }>(app, {
    method: 'GET', path: '/registered-models/search', role: 'read', args: { filter: str, max_results: int, order_by: strList, page_token: str },
    async handle(a) {
      const page = await registry.searchRegisteredModels(searchArgs(a));
      const out: { registered_models: unknown[]; next_page_token?: string } = { registered_models: page.items.map(registeredModelJson) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out as never;
    },
  });

  addEndpoint<{ name: string; stages?: string[] }>(app, {
    method: ['POST', 'GET'], path: '/registered-models/get-latest-versions', role: 'read', args: { name: str, stages: strList }, required: ['name'],
    async handle(a) {
      const versions = await registry.getLatestVersions(a.name, a.stages && a.stages.length ? a.stages : undefined);
      return { model_versions: versions.map(modelVersionJson) };
    },
  });

  addEndpoint<{ name: string; key: string; value: string }>(app, {
    method: 'POST', path: '/registered-models/set-tag', role: 'write', args: { name: str, key: str, value: str }, required: ['name', 'key', 'value'],
    async handle(a, principal) {
      await inModel(a.name, () => as(principal).setRegisteredModelTag(a.name, a.key, a.value));
      return {};
    },
  });

  addEndpoint<{ name: string; key: string }>(app, {
    method: 'DELETE', path: '/registered-models/delete-tag', role: 'write', args: { name: str, key: str }, required: ['name', 'key'],
    async handle(a, principal) {
      await inModel(a.name, () => as(principal).deleteRegisteredModelTag(a.name, a.key));
      return {};
    },
  });

  addEndpoint<{ name: string; alias: string; version: string }>(app, {
    method: 'POST', path: '/registered-models/alias', role: 'write', args: { name: str, alias: str, version: str }, required: ['name', 'alias', 'version'],
    async handle(a, principal) {
      checkPromote(principal, a.name, { alias: a.alias });
      const version = versionNumber(a.version);
      await inModel(a.name, () => as(principal).setAlias(a.name, a.alias, version));
      return {};
    },
  });

  addEndpoint<{ name: string; alias: string }>(app, {
    method: 'DELETE', path: '/registered-models/alias', role: 'write', args: { name: str, alias: str }, required: ['name', 'alias'],
    async handle(a, principal) {
      checkPromote(principal, a.name, { alias: a.alias });
      await inModel(a.name, () => as(principal).deleteAlias(a.name, a.alias));
      return {};
    },
  });

  addEndpoint<{ name: string; alias: string }>(app, {
    method: 'GET', path: '/registered-models/alias', role: 'read', args: { name: str, alias: str }, required: ['name', 'alias'],
    async handle(a) {
      return { model_version: modelVersionJson(await registry.getModelVersionByAlias(a.name, a.alias)) };
    },
  });

  addEndpoint<{ name: string; source: string; run_id?: string; tags?: { key: string; value: string }[]; run_link?: string; description?: string; model_id?: string }>(app, {
    method: 'POST', path: '/model-versions/create', role: 'write',
    args: { name: str, source: str, run_id: str, tags: keyValueList, run_link: str, description: str, model_id: str }, required: ['name', 'source'],
    async handle(a, principal) {
      const mv = await inModel(a.name, () => as(principal).createModelVersion(a.name, {
        source: a.source, runId: a.run_id || null, runLink: a.run_link || null, description: a.description ?? null, tags: pairsToRecord(a.tags),
      }));
      return { model_version: modelVersionJson(mv) };
    },
  });

  addEndpoint<{ name: string; version: string; description?: string }>(app, {
    method: 'PATCH', path: '/model-versions/update', role: 'write', args: { name: str, version: str, description: str }, required: ['name', 'version'],
    async handle(a, principal) {
      const version = versionNumber(a.version);
      const mv = await inModel(a.name, () => as(principal).updateModelVersion(a.name, version, a.description ?? null));
      return { model_version: modelVersionJson(mv) };
    },
  });

  addEndpoint<{ name: string; version: string; stage: string; archive_existing_versions?: boolean }>(app, {
    method: 'POST', path: '/model-versions/transition-stage', role: 'write',
    args: { name: str, version: str, stage: str, archive_existing_versions: bool }, required: ['name', 'version', 'stage'],
    async handle(a, principal) {
      const version = versionNumber(a.version);
      const stage = canonicalStage(a.stage);
      checkPromote(principal, a.name, { stage });
      const mv = await inModel(a.name, async () => {
        await as(principal).transitionModelVersionStage(a.name, version, stage, Boolean(a.archive_existing_versions));
        return registry.getModelVersion(a.name, version);
      });
      return { model_version: modelVersionJson(mv) };
    },
  });

  addEndpoint<{ name: string; version: string }>(app, {
    method: 'DELETE', path: '/model-versions/delete', role: 'write', args: { name: str, version: str }, required: ['name', 'version'],
    async handle(a, principal) {
      const version = versionNumber(a.version);
      const mv = await registry.getModelVersion(a.name, version);
      if (mv.currentStage) checkPromote(principal, a.name, { stage: mv.currentStage });
      for (const alias of mv.aliases) checkPromote(principal, a.name, { alias });
      await inModel(a.name, () => as(principal).deleteModelVersion(a.name, version));
      return {};
    },
  });

  addEndpoint<{ name: string; version: string }>(app, {
    method: 'GET', path: '/model-versions/get', role: 'read', args: { name: str, version: str }, required: ['name', 'version'],
    async handle(a) {
      return { model_version: modelVersionJson(await registry.getModelVersion(a.name, a.version)) };
    },
  });

  addEndpoint<{ filter?: string; max_results?: number; order_by?: string[]; page_token?: string }>(app, {
    method: 'GET', path: '/model-versions/search', role: 'read', args: { filter: str, max_results: int, order_by: strList, page_token: str },
    async handle(a) {
      const page = await registry.searchModelVersions(searchArgs(a));
      const out: { model_versions: unknown[]; next_page_token?: string } = { model_versions: page.items.map(modelVersionJson) };
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out as never;
    },
  });

  addEndpoint<{ name: string; version: string }>(app, {
    method: 'GET', path: '/model-versions/get-download-uri', role: 'read', args: { name: str, version: str }, required: ['name', 'version'],
    async handle(a) {
      const mv = await registry.getModelVersion(a.name, a.version);
      return { artifact_uri: mv.storageLocation ?? mv.source ?? '' };
    },
  });

  addEndpoint<{ name: string; version: string; key: string; value: string }>(app, {
    method: 'POST', path: '/model-versions/set-tag', role: 'write', args: { name: str, version: str, key: str, value: str }, required: ['name', 'version', 'key', 'value'],
    async handle(a, principal) {
      await inModel(a.name, () => as(principal).setModelVersionTag(a.name, versionNumber(a.version), a.key, a.value));
      return {};
    },
  });

  addEndpoint<{ name: string; version: string; key: string }>(app, {
    method: 'DELETE', path: '/model-versions/delete-tag', role: 'write', args: { name: str, version: str, key: str }, required: ['name', 'version', 'key'],
    async handle(a, principal) {
      await inModel(a.name, () => as(principal).deleteModelVersionTag(a.name, versionNumber(a.version), a.key));
      return {};
    },
  });
}
