/**
 * Entities as MLflow's server sends them: protobuf JSON with snake_case names, int64 fields as JSON
 * numbers (MLflow's message_to_json turns them back into numbers), enums by name, model versions as
 * strings (modelVersionJson and registeredModelJson in src/format/restJson.ts). Artifact URIs go
 * through presentArtifactUri.
 */
import type { Experiment, Run, RunInfo } from '../format/entities.js';
import { experimentJson, runInfoJson, runJson, type Json } from '../format/restJson.js';
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

export function pairsToRecord(pairs: { key: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) out[p.key] = p.value ?? '';
  return out;
}
