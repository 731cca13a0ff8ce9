/**
 * mltrack's fluent API for Node programs, shaped like `mlflow.*`: pick an experiment, start a run,
 * log to it, end it. It honours MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME / _ID and MLFLOW_RUN_ID
 * (or MLTRACK_RUN_ID) like MLflow does, so a child process logs into its parent's run.
 */
import type { Experiment, RunStatus } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { DEFAULT_EXPERIMENT_ID } from '../format/layout.js';
import { DESCRIPTION_TAG, FileStore } from '../store/FileStore.js';
import { ActiveRun } from './ActiveRun.js';
import { commitIfAutomatic } from './autoCommit.js';
import { loadConfig, trackingUriToPath } from './config.js';
import { currentUser, sourceOptions, systemTags } from './systemTags.js';

export interface StartRunOptions {
  runName?: string;
  experimentId?: string;
  /** Resume an existing run instead of creating one. */
  runId?: string;
  tags?: Record<string, string>;
  description?: string;
  /** Make the new run a child of the active run (MLflow's nested=True). */
  nested?: boolean;
  /** Parent run id, for a nested run started from elsewhere. */
  parentRunId?: string;
  sourceName?: string;
  /** Directory whose git repository holds the run's code (default: the working directory). */
  sourceDir?: string;
}

interface State {
  store: FileStore | null;
  trackingPath: string | null;
  experimentId: string | null;
  runs: ActiveRun[];
}

const state: State = { store: null, trackingPath: null, experimentId: null, runs: [] };

/** Point the API at an mlruns directory (`file:` URI or path). */
export function setTrackingUri(uri: string): void {
  state.trackingPath = trackingUriToPath(uri, process.cwd(), 'tracking URI');
  state.store = null;
}

export function getTrackingUri(): string {
  return store().root;
}

/** The store behind the fluent API (MLflow's MlflowClient equivalent). */
export function store(): FileStore {
  if (!state.store) {
    const path = state.trackingPath ?? loadConfig().mlruns;
    state.store = new FileStore(path);
  }
  return state.store;
}

/** Make `name` the current experiment, creating it when it does not exist (like mlflow.set_experiment). */
export async function setExperiment(name: string): Promise<Experiment> {
  const s = store();
  let experiment = await s.getExperimentByName(name);
  if (!experiment) experiment = await s.getExperiment(await s.createExperiment(name));
  if (experiment.lifecycleStage !== 'active') {
    throw fail('NOT_ACTIVE', `Cannot set a deleted experiment '${name}' as the active experiment. You can restore it with 'mltrack experiments restore ${experiment.experimentId}'.`);
  }
  state.experimentId = experiment.experimentId;
  return experiment;
}

async function currentExperimentId(): Promise<string> {
  if (state.experimentId) return state.experimentId;
  const config = loadConfig();
  if (config.experimentId) return config.experimentId;
  if (config.experiment) return (await setExperiment(config.experiment)).experimentId;
  return DEFAULT_EXPERIMENT_ID;
}

export function activeRun(): ActiveRun | null {
  return state.runs[state.runs.length - 1] ?? null;
}

export async function startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
  const s = store();
  const resumeId = options.runId ?? (state.runs.length === 0 ? process.env.MLFLOW_RUN_ID || process.env.MLTRACK_RUN_ID : undefined);
  if (state.runs.length > 0 && !options.nested) {
    throw fail('INVALID_STATE', `Run with UUID ${activeRun()!.runId} is already active. End it first, or start the new run with nested: true.`);
  }
  let run: ActiveRun;
  if (resumeId) {
    const existing = await s.getRun(resumeId);
    if (existing.info.lifecycleStage !== 'active') throw fail('NOT_ACTIVE', `Cannot resume run ${resumeId}: it is deleted`);
    if (existing.info.status !== 'RUNNING') await s.updateRunInfo(resumeId, { status: 'RUNNING' });
    run = new ActiveRun(s, resumeId, existing.info.experimentId);
  } else {
    const experimentId = options.experimentId ?? (await currentExperimentId());
    const tags: Record<string, string> = { ...(await systemTags({ sourceName: options.sourceName, cwd: options.sourceDir, mlruns: s.root, snapshotPolicy: sourceOptions(loadConfig()).snapshotPolicy, report: (line) => process.stderr.write(`mltrack: ${line}\n`) })), ...(options.tags ?? {}) };
    const parent = options.parentRunId ?? (options.nested ? activeRun()?.runId : undefined);
    if (parent) tags['mlflow.parentRunId'] = parent;
    if (options.description) tags[DESCRIPTION_TAG] = options.description;
    const created = await s.createRun({ experimentId, userId: tags['mlflow.user'] ?? currentUser(), runName: options.runName ?? null, tags });
    run = new ActiveRun(s, created.info.runId, experimentId);
  }
  state.runs.push(run);
  return run;
}

/** End the active run (FINISHED unless told otherwise). */
export async function endRun(status: RunStatus = 'FINISHED'): Promise<void> {
  const run = state.runs.pop();
  if (run) await finish(run, status);
}

/** End a run, then commit it to the tracking branch when auto_commit is on. */
async function finish(run: ActiveRun, status: RunStatus): Promise<void> {
  await run.end(status);
  if (!state.trackingPath) await commitIfAutomatic(loadConfig(), process.cwd(), run.runId);
}

/**
 * Run `body` inside a run: FINISHED when it returns, FAILED when it throws (the error is rethrown),
 * like `with mlflow.start_run():`.
 */
export async function withRun<T>(options: StartRunOptions, body: (run: ActiveRun) => Promise<T> | T): Promise<T> {
  const run = await startRun(options);
  let result: T;
  try {
    result = await body(run);
  } catch (err) {
    removeRun(run);
    await finish(run, 'FAILED');
    throw err;
  }
  removeRun(run);
  await finish(run, 'FINISHED');
  return result;
}

function removeRun(run: ActiveRun): void {
  const index = state.runs.lastIndexOf(run);
  if (index >= 0) state.runs.splice(index, 1);
}

function requireActive(): ActiveRun {
  const run = activeRun();
  if (!run) throw fail('NO_ACTIVE_RUN', 'No active run: call startRun() first');
  return run;
}

export const logParam = (key: string, value: unknown) => requireActive().logParam(key, value);
export const logParams = (params: Record<string, unknown>) => requireActive().logParams(params);
export const logMetric = (key: string, value: number, options?: { step?: number; timestamp?: number }) => requireActive().logMetric(key, value, options);
export const logMetrics = (metrics: Record<string, number>, options?: { step?: number; timestamp?: number }) => requireActive().logMetrics(metrics, options);
export const setTag = (key: string, value: unknown) => requireActive().setTag(key, value);
export const setTags = (tags: Record<string, unknown>) => requireActive().setTags(tags);
export const logArtifact = (localPath: string, artifactPath?: string) => requireActive().logArtifact(localPath, artifactPath);
export const logArtifacts = (localDir: string, artifactPath?: string) => requireActive().logArtifacts(localDir, artifactPath);
export const logText = (text: string, artifactFile: string) => requireActive().logText(text, artifactFile);
export const logDict = (value: unknown, artifactFile: string) => requireActive().logDict(value, artifactFile);

/** Forget the fluent state (tests, and programs that switch trees). */
export function resetFluentState(): void {
  state.store = null;
  state.trackingPath = null;
  state.experimentId = null;
  state.runs = [];
}
