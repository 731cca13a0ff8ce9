/**
 * Entities as MLflow's REST API renders them (protobuf JSON, snake_case, NaN and ±inf as strings,
 * enums by name), so `--json` output reads like what an MLflow client already knows.
 */
import type { DatasetInput, Experiment, FileInfo, Metric, Run, RunInfo } from './entities.js';
import type { ModelVersion, RegisteredModel } from './registryMeta.js';

export type Json = null | boolean | number | string | bigint | Json[] | { [key: string]: Json };

export function metricValueJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function kv(record: Record<string, string>): Json[] {
  return Object.keys(record).sort().map((key) => ({ key, value: record[key]! }));
}

export function experimentJson(e: Experiment): Json {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: kv(e.tags),
  };
}

export function runInfoJson(info: RunInfo): Json {
  const out: { [key: string]: Json } = {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  };
  if (info.endTime !== null) out.end_time = info.endTime;
  return out;
}

export function metricJson(m: Metric): Json {
  return { key: m.key, value: metricValueJson(m.value), timestamp: m.timestamp, step: m.step };
}

export function datasetInputJson(input: DatasetInput): Json {
  const d = input.dataset;
  const dataset: { [key: string]: Json } = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema !== null) dataset.schema = d.schema;
  if (d.profile !== null) dataset.profile = d.profile;
  return { tags: kv(input.tags), dataset };
}

export function runJson(run: Run): Json {
  return {
    info: runInfoJson(run.info),
    data: {
      metrics: Object.keys(run.data.metrics).sort().map((k) => metricJson(run.data.metrics[k]!)),
      params: kv(run.data.params),
      tags: kv(run.data.tags),
    },
    inputs: { dataset_inputs: run.inputs.map(datasetInputJson) },
  };
}

/** Drops nulls: protobuf JSON omits unset optional fields. */
function compact(obj: { [key: string]: Json | undefined }): Json {
  for (const key of Object.keys(obj)) if (obj[key] === null || obj[key] === undefined) delete obj[key];
  return obj as Json;
}

/** model_registry.proto ModelVersion: the version as a string, MLflow's READY when the file has no status. */
export function modelVersionJson(mv: ModelVersion): Json {
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
    tags: kv(mv.tags),
    aliases: mv.aliases,
    model_id: mv.modelId,
  });
}

export function registeredModelJson(m: RegisteredModel): Json {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    description: m.description,
    latest_versions: m.latestVersions.map(modelVersionJson),
    tags: kv(m.tags),
    aliases: Object.keys(m.aliases).sort().map((alias) => ({ alias, version: m.aliases[alias]! })),
  });
}

export function fileInfoJson(f: FileInfo): Json {
  return f.isDir ? { path: f.path, is_dir: true } : { path: f.path, is_dir: false, file_size: f.fileSize };
}

/** JSON text where bigints keep every digit (int64 steps) instead of throwing. */
export function stringifyJson(value: Json, indent?: number): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${marker}${v}` : v), indent);
  return text.replace(/"\u0000bigint:(-?\d+)"/g, '$1');
}
