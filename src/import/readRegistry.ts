/**
 * Registered models, versions, tags and aliases from MLflow's registry tables. Deleted versions
 * are rows with stage `Deleted_Internal`: they are written as MLflow's registry file store keeps
 * them (the directory stays, every lookup hides it), and their aliases stay, as in the database.
 */
import type { ImportedRegisteredModel } from './history.js';
import type { MlflowDb } from './openMlflowDb.js';

export function readRegistry(source: MlflowDb): ImportedRegisteredModel[] {
  const { db, tables } = source;
  if (!tables.has('registered_models')) return [];
  const models = db.prepare('SELECT name, creation_time, last_updated_time, description FROM registered_models ORDER BY name').all() as {
    name: string; creation_time: number | null; last_updated_time: number | null; description: string | null;
  }[];
  const byName = new Map<string, ImportedRegisteredModel>();
  for (const m of models) {
    byName.set(m.name, {
      meta: { name: m.name, creationTimestamp: m.creation_time, lastUpdatedTimestamp: m.last_updated_time, description: m.description, aliasesSnapshot: {} },
      tags: {},
      aliases: {},
      versions: [],
    });
  }
  if (tables.has('registered_model_tags')) {
    for (const t of db.prepare('SELECT name, key, value FROM registered_model_tags ORDER BY rowid').all() as { name: string; key: string; value: string | null }[]) {
      const model = byName.get(t.name);
      if (model) model.tags[t.key] = t.value ?? '';
    }
  }
  if (tables.has('registered_model_aliases')) {
    for (const a of db.prepare('SELECT name, alias, version FROM registered_model_aliases ORDER BY rowid').all() as { name: string; alias: string; version: number }[]) {
      const model = byName.get(a.name);
      if (model) model.aliases[a.alias] = a.version;
    }
  }
  const hasStorage = source.columns('model_versions').has('storage_location');
  const hasRunLink = source.columns('model_versions').has('run_link');
  const versions = db.prepare(`SELECT name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message${hasRunLink ? ', run_link' : ''}${hasStorage ? ', storage_location' : ''} FROM model_versions ORDER BY name, version`).all() as {
    name: string; version: number; creation_time: number | null; last_updated_time: number | null; description: string | null; user_id: string | null; current_stage: string | null;
    source: string | null; run_id: string | null; status: string | null; status_message: string | null; run_link?: string | null; storage_location?: string | null;
  }[];
  const versionTags = new Map<string, Record<string, string>>();
  if (tables.has('model_version_tags')) {
    for (const t of db.prepare('SELECT name, version, key, value FROM model_version_tags ORDER BY rowid').all() as { name: string; version: number; key: string; value: string | null }[]) {
      const k = `${t.name}\u0000${t.version}`;
      const m = versionTags.get(k) ?? {};
      m[t.key] = t.value ?? '';
      versionTags.set(k, m);
    }
  }
  for (const v of versions) {
    const model = byName.get(v.name);
    if (!model) continue;
    const aliases = Object.entries(model.aliases).filter(([, n]) => n === v.version).map(([a]) => a);
    model.versions.push({
      meta: {
        name: v.name,
        version: v.version,
        creationTimestamp: v.creation_time ?? 0,
        lastUpdatedTimestamp: v.last_updated_time,
        currentStage: v.current_stage,
        description: v.description,
        userId: v.user_id,
        source: v.source,
        runId: v.run_id,
        runLink: v.run_link ?? null,
        status: v.status,
        statusMessage: v.status_message,
        storageLocation: v.storage_location ?? v.source,
        aliasesSnapshot: aliases,
      },
      tags: versionTags.get(`${v.name}\u0000${v.version}`) ?? {},
    });
  }
  for (const model of byName.values()) model.meta.aliasesSnapshot = Object.fromEntries(Object.entries(model.aliases).map(([a, n]) => [a, String(n)]));
  return [...byName.values()];
}
