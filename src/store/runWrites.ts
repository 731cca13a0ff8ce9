/** Run writes with MLflow's rules: create, update (status, end time, name), delete and restore, tag removal. */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Run, RunInfo, RunStatus } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { newRunId } from '../format/ids.js';
import { ARTIFACTS_DIR, RUN_SUBDIRS, TAGS_DIR } from '../format/layout.js';
import { randomRunName } from '../format/runNames.js';
import { LIMITS, validateExperimentId, validateKey, validateValueLength } from '../format/validation.js';
import { checkKeyClashes } from './keyRules.js';
import type { StoreCore } from './StoreCore.js';

export const RUN_NAME_TAG = 'mlflow.runName';

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  startTime?: number;
  runName?: string | null;
  tags?: Record<string, string>;
}

export async function createRun(core: StoreCore, input: CreateRunInput): Promise<Run> {
  core.ensureRoot();
  const tags = { ...(input.tags ?? {}) };
  for (const [key, value] of Object.entries(tags)) {
    validateKey('tag', key);
    validateValueLength('tag', key, value, LIMITS.runTagValue);
  }
  const experimentId = input.experimentId;
  validateExperimentId(experimentId);
  const found = await core.reader.findExperiment(experimentId);
  if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
  const { experiment } = found;
  if (experiment.lifecycleStage !== 'active') {
    throw fail('NOT_ACTIVE', `Could not create run under non-active experiment with ID ${experimentId}.`, { experimentId });
  }
  const tagName = tags[RUN_NAME_TAG];
  if (input.runName && tagName !== undefined && tagName !== input.runName) {
    throw fail('INVALID_ARGUMENT', `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`);
  }
  checkKeyClashes(null, Object.keys(tags));
  const runName = input.runName || tagName || randomRunName();
  tags[RUN_NAME_TAG] = runName;
  const runId = newRunId();
  const runDir = join(found.dir, runId);
  const info: RunInfo = {
    runId,
    runName,
    experimentId,
    userId: input.userId,
    status: 'RUNNING',
    startTime: input.startTime ?? core.clock(),
    endTime: null,
    artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/${ARTIFACTS_DIR}`,
    lifecycleStage: 'active',
  };
  try {
    for (const sub of RUN_SUBDIRS) mkdirSync(join(core.abs(runDir), sub), { recursive: true });
    for (const [key, value] of Object.entries(tags)) core.writeValue(runDir, TAGS_DIR, key, value);
    // meta.yaml last: a run directory without it is skipped by every reader.
    core.writeRunMeta(runDir, info);
  } catch (err) {
    // A run that could not be written whole (a full disk, a refused write) leaves no folder behind.
    rmSync(core.abs(runDir), { recursive: true, force: true });
    throw err;
  }
  core.runCache.set(runId, { experimentDir: found.dir, dir: runDir, experimentId });
  return { info, data: { metrics: {}, params: {}, tags }, inputs: [] };
}

export async function updateRunInfo(core: StoreCore, runId: string, update: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<RunInfo> {
  const run = await core.activeRun(runId);
  const info: RunInfo = { ...run.info };
  if (update.status) info.status = update.status;
  if (update.endTime) info.endTime = update.endTime; // MLflow applies end_time only when truthy
  if (update.runName) {
    info.runName = update.runName;
    core.writeValue(run.dir, TAGS_DIR, RUN_NAME_TAG, update.runName);
  }
  core.writeRunMeta(run.dir, info);
  return info;
}

export async function deleteRun(core: StoreCore, runId: string): Promise<void> {
  const run = await core.locateRun(runId);
  if (run.info.lifecycleStage === 'deleted') return;
  core.writeRunMeta(run.dir, { ...run.info, lifecycleStage: 'deleted', deletedTime: core.clock() });
}

export async function restoreRun(core: StoreCore, runId: string): Promise<void> {
  const run = await core.locateRun(runId);
  if (run.info.lifecycleStage !== 'deleted') throw fail('INVALID_STATE', `Cannot restore run ${runId}: it is not deleted`, { runId });
  const { deletedTime: _dropped, ...rest } = run.info;
  core.writeRunMeta(run.dir, { ...rest, lifecycleStage: 'active' });
}

export async function deleteTag(core: StoreCore, runId: string, key: string): Promise<void> {
  validateKey('tag', key);
  const run = await core.activeRun(runId);
  const path = join(core.abs(run.dir), TAGS_DIR, key);
  if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} in run with id ${runId}`, { runId, key });
  rmSync(path);
}
