/** `mlruns/<experiment_id>/<run_id>/meta.yaml` (spec 4.1). */
import { RUN_STATUS_CODES, runStatusFromCode, type RunInfo } from './entities.js';
import { fail } from './errors.js';
import { parseLifecycleStage } from './experimentMeta.js';
import { dumpYaml, YamlFields, type YamlValue } from './yaml.js';

/**
 * All 15 keys, like MLflow 2.x; both `run_id` and `run_uuid` so 2.x and 3.x both read it.
 * The legacy fields keep the constant values MLflow writes.
 */
export function formatRunMeta(info: RunInfo): string {
  const doc: Record<string, YamlValue> = {
    artifact_uri: info.artifactUri,
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName ?? '',
    run_uuid: info.runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: info.startTime,
    status: RUN_STATUS_CODES[info.status],
    tags: [],
    user_id: info.userId,
  };
  if (info.lifecycleStage === 'deleted') doc.deleted_time = info.deletedTime ?? null;
  return dumpYaml(doc);
}

/** What the meta holds beyond RunInfo that readers need to judge it. */
export interface ParsedRunMeta {
  info: RunInfo;
  /** Which id keys were present: 2.x needs run_uuid, 3.x needs run_id. */
  hasRunId: boolean;
  hasRunUuid: boolean;
}

/** Read as MLflow does (either id key; end_time, start_time and user_id keys required; status an int). */
export function parseRunMeta(text: string, where: string): ParsedRunMeta {
  const f = YamlFields.parse(text, where);
  const runId = f.string('run_id') || f.string('run_uuid');
  if (!runId) throw fail('MALFORMED_META', `${where}: neither 'run_id' nor 'run_uuid' is set`, { path: where });
  if (!f.has('end_time')) throw fail('MALFORMED_META', `${where}: field 'end_time' is missing`, { path: where });
  const startTime = f.int('start_time');
  if (startTime === undefined || startTime === null) throw fail('MALFORMED_META', `${where}: field 'start_time' is missing`, { path: where });
  const statusCode = f.int('status');
  const status = statusCode === undefined || statusCode === null ? 'RUNNING' : runStatusFromCode(statusCode);
  if (!status) throw fail('MALFORMED_META', `${where}: field 'status' has unknown code ${statusCode}`, { path: where });
  const info: RunInfo = {
    runId,
    runName: f.string('run_name') || null,
    experimentId: f.requiredString('experiment_id'),
    userId: f.requiredString('user_id'),
    status,
    startTime,
    endTime: f.int('end_time') ?? null,
    artifactUri: f.string('artifact_uri') ?? '',
    lifecycleStage: parseLifecycleStage(f.string('lifecycle_stage'), where, 'active'),
  };
  if (f.has('deleted_time')) info.deletedTime = f.int('deleted_time') ?? null;
  return { info, hasRunId: Boolean(f.string('run_id')), hasRunUuid: Boolean(f.string('run_uuid')) };
}
