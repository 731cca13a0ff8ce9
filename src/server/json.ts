/**
 * Entities as MLflow's server sends them: protobuf JSON with snake_case names, int64 fields as JSON
 * numbers (MLflow's message_to_json turns them back into numbers), enums by name, model versions as
 * strings. Artifact URIs go through presentArtifactUri.
 */
import type { Experiment, Run, RunInfo } from '../format/entities.js';
import { experimentJson, runInfoJson, runJson, type Json } from '../format/restJson.js';
import type { ModelVersion, RegisteredModel } from '../store/RegistryReader.js';
import { presentArtifactUri, type ServerContext } from './context.js';

type Obj = { [key: string]: Json };

export function experimentOut(ctx: ServerContext, e: Experiment): Json {
  const out = experimentJson(e) as Obj;
  out.artifact_location = presentArtifactUri(ctx, e.artifactLocation);
  return out;
}

export function runInfoOut(ctx: ServerContext, info: RunInfo): Json {
  const out = runInfoJson(info) as Obj;
  out.artifact_uri = presentArtifactUri(ctx, info.artifactUri);
  return out;
}

export function runOut(ctx: ServerContext, run: Run): Json {
  const out = runJson(run) as Obj;
  out.info = runInfoOut(ctx, run.info);
  return out;
}

function tagList(tags: Record<string, string>): Json[] {
  return Object.keys(tags).sort().map((key) => ({ key, value: tags[key]! }));
}

/** Drops nulls: protobuf JSON omits unset optional fields. */
function compact(obj: Obj): Obj {
  for (const key of Object.keys(obj)) if (obj[key] === null || obj[key] === undefined) delete obj[key];
  return obj;
}

export function modelVersionOut(mv: ModelVersion): Json {
  return compact({
    name: mv.name,
    version: String(mv.version),
    creation_timestamp: mv.creationTimestamp,
    last_updated_timestamp: mv.lastUpdatedTimestamp,
    user_id: mv.userId,
    current_stage: mv.currentStage,
    description: mv.description,
    source: mv.source,
    run_id: mv.runId,
    run_link: mv.runLink,
    status: mv.status ?? 'READY',
    status_message: mv.statusMessage,
    tags: tagList(mv.tags),
    aliases: mv.aliases,
    model_id: mv.modelId ?? null,
  });
}

export function registeredModelOut(m: RegisteredModel): Json {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    description: m.description,
    latest_versions: m.latestVersions.map(modelVersionOut),
    tags: tagList(m.tags),
    aliases: Object.keys(m.aliases).sort().map((alias) => ({ alias, version: m.aliases[alias]! })),
  });
}

export function pairsToRecord(pairs: { key: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) out[p.key] = p.value ?? '';
  return out;
}
