/**
 * MLflow's tracking FileStore over an mlruns directory: experiments, runs, params, metrics, tags,
 * dataset inputs and gc, with MLflow's semantics (spec sections 2 to 6). Every check runs before
 * anything is written; meta.yaml and value files are replaced atomically; metric lines are appended
 * with one write() each, so concurrent loggers never interleave.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset, DatasetInput, Experiment, FileInfo, Metric, Page, Run, RunInfo, RunStatus, Step, ViewType } from '../format/entities.js';
import { TERMINATED_STATUSES } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { datasetId, formatDatasetMeta, formatInputMeta, inputId } from '../format/datasetMeta.js';
import { formatExperimentMeta, type ExperimentMeta } from '../format/experimentMeta.js';
import { fileUriToPath, pathToFileUri } from '../format/fileUri.js';
import { newExperimentId, newRunId } from '../format/ids.js';
import {
  ARTIFACTS_DIR, DATASETS_DIR, DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, INPUTS_DIR, META_FILE, METRICS_DIR, PARAMS_DIR, RUN_SUBDIRS, TAGS_DIR, TRASH_DIR,
} from '../format/layout.js';
import { formatMetricLine } from '../format/metricFile.js';
import { formatRunMeta } from '../format/runMeta.js';
import { randomRunName } from '../format/runNames.js';
import type { SearchOptions } from '../format/search/index.js';
import {
  LIMITS, validateExperimentId, validateExperimentName, validateKey, validateMetricValue, validateRunId, validateStep, validateTimestamp, validateValueLength,
} from '../format/validation.js';
import { copyIntoArtifacts, listArtifacts, readArtifact, writeArtifact } from './artifacts.js';
import { appendOnce, createExclusive, writeAtomic } from './fsWrite.js';
import { FsTreeReader } from './FsTreeReader.js';
import { MlrunsReader, type RunLocation } from './MlrunsReader.js';
import { searchIndexDir } from './searchIndex/indexLocation.js';
import { SearchIndex, type SearchIndexOptions } from './searchIndex/SearchIndex.js';
import { TrackingView } from './TrackingView.js';

export const RUN_NAME_TAG = 'mlflow.runName';
export const DESCRIPTION_TAG = 'mlflow.note.content';

export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: Step;
}

export interface BatchInput {
  metrics?: MetricInput[];
  params?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  startTime?: number;
  runName?: string | null;
  tags?: Record<string, string>;
}

export interface SearchRunsInput extends SearchOptions {
  experimentIds: string[];
  viewType?: ViewType;
}

interface LocatedRun extends RunLocation {
  experimentId: string;
  info: RunInfo;
}

export class FileStore {
  readonly root: string;
  readonly reader: MlrunsReader;
  /** The derived search index, or null when it is turned off (MLTRACK_INDEX=0, `index: false`). */
  readonly searchIndex: SearchIndex | null;
  private readonly view: TrackingView;
  private readonly clock: () => number;

  /**
   * `create: true` (the default, as MLflow's FileStore does) sets the tree up at once. With
   * `create: false` nothing is written until the first run or experiment is created, and reads of
   * a missing tree are NOT_FOUND: what the CLI uses, so a read-only command or a mistyped
   * `--mlruns` never leaves a new tree behind.
   */
  constructor(root: string, options: { clock?: () => number; create?: boolean; index?: false | Partial<SearchIndexOptions> } = {}) {
    this.root = resolve(root);
    this.reader = new MlrunsReader(new FsTreeReader(this.root));
    const indexDir = options.index === false ? null : (options.index?.dir ?? searchIndexDir(this.root));
    this.searchIndex = indexDir === null ? null : new SearchIndex(this.root, this.reader, { ...options.index, dir: indexDir });
    this.view = new TrackingView(this.reader, this.searchIndex);
    this.clock = options.clock ?? Date.now;
    if (options.create !== false) this.ensureRoot();
  }

  /** Set the tree up now (Default experiment, `.trash/`) if it is missing: for a command about to write. */
  ensureCreated(): void {
    this.ensureRoot();
  }

  /** Whether the tree exists on disk. */
  exists(): boolean {
    return existsSync(this.root);
  }

  /** Reads need the tree: a missing one is NOT_FOUND (a mistyped --mlruns, or a clone not yet set up). */
  private requireRoot(): void {
    if (!existsSync(this.root)) {
      throw fail('NOT_FOUND', `No mlruns directory at ${this.root} (check --mlruns / MLFLOW_TRACKING_URI, or create one with mltrack init)`, { mlruns: this.root });
    }
  }

  /** Like MLflow: a missing root is created with the Default experiment; an existing one only gains `.trash/`. */
  private ensureRoot(): void {
    if (!existsSync(this.root)) {
      mkdirSync(this.root, { recursive: true });
      this.writeExperimentMeta(DEFAULT_EXPERIMENT_ID, {
        experimentId: DEFAULT_EXPERIMENT_ID,
        name: DEFAULT_EXPERIMENT_NAME,
        artifactLocation: pathToFileUri(join(this.root, DEFAULT_EXPERIMENT_ID)),
        lifecycleStage: 'active',
        creationTime: this.clock(),
        lastUpdateTime: this.clock(),
      });
    }
    mkdirSync(join(this.root, TRASH_DIR), { recursive: true });
  }

  private abs(rel: string): string {
    return join(this.root, rel);
  }

  // ================================================================ experiments

  private writeExperimentMeta(dir: string, meta: ExperimentMeta): void {
    writeAtomic(join(this.abs(dir), META_FILE), formatExperimentMeta(meta));
  }

  /** `artifactRoot`: with no artifactLocation, artifacts go to `<artifactRoot>/<id>` instead of the tree (a server's --artifacts-destination). */
  async createExperiment(name: string, options: { artifactLocation?: string; artifactRoot?: string; tags?: Record<string, string> } = {}): Promise<string> {
    validateExperimentName(name);
    this.ensureRoot();
    const tags = options.tags ?? {};
    for (const key of Object.keys(tags)) validateKey('experiment tag', key);
    checkKeyClashes(null, Object.keys(tags));
    const existing = (await this.reader.listExperiments('ALL')).find((e) => e.experiment.name === name);
    if (existing) {
      const state = existing.experiment.lifecycleStage === 'deleted' ? ' in deleted state' : '';
      throw fail('ALREADY_EXISTS', `Experiment '${name}' already exists${state}.`, { name });
    }
    let id = newExperimentId();
    while (existsSync(this.abs(id)) || existsSync(this.abs(join(TRASH_DIR, id)))) id = newExperimentId();
    const now = this.clock();
    const location = options.artifactLocation
      ? resolveArtifactLocation(options.artifactLocation)
      : pathToFileUri(options.artifactRoot ? join(resolve(options.artifactRoot), id) : this.abs(id));
    mkdirSync(this.abs(id), { recursive: true });
    for (const [key, value] of Object.entries(tags)) this.writeValue(id, TAGS_DIR, key, value);
    // meta.yaml last: until it exists, readers skip the directory.
    this.writeExperimentMeta(id, { experimentId: id, name, artifactLocation: location, lifecycleStage: 'active', creationTime: now, lastUpdateTime: now });
    return id;
  }

  // Reads shared with trees mltrack does not write to (a revision of the tracking branch).
  async getExperiment(experimentId: string): Promise<Experiment> {
    this.requireRoot();
    return this.view.getExperiment(experimentId);
  }

  /** Active or deleted; with duplicate names, MLflow's default order picks (creation_time DESC, id ASC). */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    this.requireRoot();
    return this.view.getExperimentByName(name);
  }

  async searchExperiments(options: SearchOptions & { viewType?: ViewType } = {}): Promise<Page<Experiment>> {
    this.requireRoot();
    return this.view.searchExperiments(options);
  }

  private async activeExperimentDir(experimentId: string, action: string): Promise<{ dir: string; experiment: Experiment }> {
    validateExperimentId(experimentId);
    this.requireRoot();
    const found = await this.reader.findExperiment(experimentId);
    if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
    if (found.inTrash || found.experiment.lifecycleStage !== 'active') {
      throw fail('NOT_ACTIVE', `Cannot ${action} experiment ${experimentId}: it is not active (lifecycle_stage '${found.experiment.lifecycleStage}')`, { experimentId });
    }
    return { dir: found.dir, experiment: found.experiment };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    const { dir, experiment } = await this.activeExperimentDir(experimentId, 'rename');
    if (experiment.name === newName) return;
    if ((await this.reader.listExperiments('ALL')).some((e) => e.experiment.name === newName)) {
      throw fail('ALREADY_EXISTS', `Experiment '${newName}' already exists.`, { name: newName });
    }
    this.writeExperimentMeta(dir, { ...stripTags(experiment), name: newName, lastUpdateTime: this.clock() });
  }

  /** Marks the experiment and its active runs deleted, then moves it into `.trash/`. The Default experiment stays. */
  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) throw fail('INVALID_ARGUMENT', 'Cannot delete the Default experiment (id 0): it is reserved.');
    const { dir, experiment } = await this.activeExperimentDir(experimentId, 'delete');
    const now = this.clock();
    for (const location of await this.reader.listRunDirs(dir)) {
      const info = await this.reader.readRunInfoOrSkip(location, experimentId);
      if (info && info.lifecycleStage === 'active') this.writeRunMeta(location.dir, { ...info, lifecycleStage: 'deleted', deletedTime: now });
    }
    this.writeExperimentMeta(dir, { ...stripTags(experiment), lifecycleStage: 'deleted', lastUpdateTime: now });
    mkdirSync(this.abs(TRASH_DIR), { recursive: true });
    renameSync(this.abs(dir), this.abs(join(TRASH_DIR, experimentId)));
    this.runCache.clear();
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    this.requireRoot();
    const found = await this.reader.findExperiment(experimentId);
    if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
    if (!found.inTrash) throw fail('INVALID_STATE', `Cannot restore experiment ${experimentId}: it is not deleted`, { experimentId });
    if (existsSync(this.abs(experimentId))) throw fail('ALREADY_EXISTS', `Cannot restore experiment ${experimentId}: an active experiment directory with that id exists`);
    const active = await this.reader.listExperiments('ACTIVE_ONLY');
    if (active.some((e) => e.experiment.name === found.experiment.name)) {
      throw fail('ALREADY_EXISTS', `Cannot restore experiment ${experimentId}: an active experiment is named '${found.experiment.name}'`);
    }
    renameSync(this.abs(found.dir), this.abs(experimentId));
    this.runCache.clear();
    const now = this.clock();
    this.writeExperimentMeta(experimentId, { ...stripTags(found.experiment), lifecycleStage: 'active', lastUpdateTime: now });
    for (const location of await this.reader.listRunDirs(experimentId)) {
      const info = await this.reader.readRunInfoOrSkip(location, experimentId);
      if (info && info.lifecycleStage === 'deleted') {
        const { deletedTime: _dropped, ...rest } = info;
        this.writeRunMeta(location.dir, { ...rest, lifecycleStage: 'active' });
      }
    }
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateKey('experiment tag', key);
    validateValueLength('experiment tag', key, value, LIMITS.experimentTagValue);
    const { dir } = await this.activeExperimentDir(experimentId, 'set a tag on');
    this.writeValue(dir, TAGS_DIR, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    validateKey('experiment tag', key);
    const { dir } = await this.activeExperimentDir(experimentId, 'delete a tag of');
    const path = join(this.abs(dir), TAGS_DIR, key);
    if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} in experiment with id ${experimentId}`, { key });
    rmSync(path);
  }

  // ================================================================ runs

  private readonly runCache = new Map<string, RunLocation & { experimentId: string }>();

  /** Parsed metas by run id, reused while meta.yaml's stat data is unchanged (every rewrite is a rename). */
  private readonly infoCache = new Map<string, { stamp: string; info: RunInfo }>();

  private async locateRun(runId: string): Promise<LocatedRun> {
    validateRunId(runId);
    this.requireRoot();
    let location = this.runCache.get(runId);
    let stat = location ? statOrNull(join(this.abs(location.dir), META_FILE)) : null;
    if (!location || !stat) {
      location = (await this.reader.findRun(runId)) ?? undefined;
      if (!location) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
      this.runCache.set(runId, location);
      stat = statOrNull(join(this.abs(location.dir), META_FILE));
    }
    const stamp = stat ? `${stat.mtimeNs}:${stat.size}:${stat.ino}` : '';
    const cached = this.infoCache.get(runId);
    if (cached && cached.stamp === stamp) return { ...location, info: { ...cached.info } };
    const info = await this.reader.readRunInfo(location, location.experimentId);
    if (!info) {
      // The meta exists (findRun saw it) but names another experiment: MLflow's get_run says INVALID_STATE.
      if (existsSync(join(this.abs(location.dir), META_FILE))) {
        throw fail('INVALID_STATE', `Run '${runId}' metadata is in invalid state: its meta.yaml names an experiment other than ${location.experimentId}`, { runId });
      }
      throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    }
    // `runId` may be a unique prefix (MlrunsReader.findRun): the directory's name is the full id.
    const fullId = location.dir.slice(location.dir.lastIndexOf('/') + 1);
    if (info.runId !== fullId) throw fail('INVALID_STATE', `Run '${fullId}': its meta.yaml names run '${info.runId}'`, { runId: fullId });
    if (stamp) this.infoCache.set(runId, { stamp, info: { ...info } });
    return { ...location, info };
  }

  /** A run that may be written to: MLflow requires lifecycle_stage active (any status). */
  private async activeRun(runId: string): Promise<LocatedRun> {
    const run = await this.locateRun(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw fail('NOT_ACTIVE', `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`, { runId });
    }
    return run;
  }

  private writeRunMeta(runDir: string, info: RunInfo): void {
    writeAtomic(join(this.abs(runDir), META_FILE), formatRunMeta(info));
  }

  /** A value file (param, tag) written via a temp file in the owner directory, never inside the key folder. */
  private writeValue(ownerDir: string, folder: string, key: string, value: string): void {
    const target = join(this.abs(ownerDir), folder, key);
    try {
      writeAtomic(target, value, this.abs(ownerDir));
    } catch (err) {
      throw keyPathError(err, key);
    }
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    this.ensureRoot();
    const tags = { ...(input.tags ?? {}) };
    for (const [key, value] of Object.entries(tags)) {
      validateKey('tag', key);
      validateValueLength('tag', key, value, LIMITS.runTagValue);
    }
    const experimentId = input.experimentId;
    const experiment = await this.getExperiment(experimentId);
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
    const found = await this.reader.findExperiment(experimentId);
    const runDir = join(found!.dir, runId);
    const info: RunInfo = {
      runId,
      runName,
      experimentId,
      userId: input.userId,
      status: 'RUNNING',
      startTime: input.startTime ?? this.clock(),
      endTime: null,
      artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/${ARTIFACTS_DIR}`,
      lifecycleStage: 'active',
    };
    for (const sub of RUN_SUBDIRS) mkdirSync(join(this.abs(runDir), sub), { recursive: true });
    for (const [key, value] of Object.entries(tags)) this.writeValue(runDir, TAGS_DIR, key, value);
    // meta.yaml last: a run directory without it is skipped by every reader.
    this.writeRunMeta(runDir, info);
    this.runCache.set(runId, { experimentDir: found!.dir, dir: runDir, experimentId });
    return { info, data: { metrics: {}, params: {}, tags }, inputs: [] };
  }

  async getRun(runId: string): Promise<Run> {
    const located = await this.locateRun(runId);
    const run = await this.reader.readRun(located, located.experimentId);
    if (!run) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    return run;
  }

  async updateRunInfo(runId: string, update: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<RunInfo> {
    const run = await this.activeRun(runId);
    const info: RunInfo = { ...run.info };
    if (update.status) info.status = update.status;
    if (update.endTime) info.endTime = update.endTime; // MLflow applies end_time only when truthy
    if (update.runName) {
      info.runName = update.runName;
      this.writeValue(run.dir, TAGS_DIR, RUN_NAME_TAG, update.runName);
    }
    this.writeRunMeta(run.dir, info);
    return info;
  }

  /** Ends a run: a terminal status and end time. */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime: number = this.clock()): Promise<RunInfo> {
    if (!TERMINATED_STATUSES.includes(status)) throw fail('INVALID_ARGUMENT', `Status '${status}' does not end a run; use one of ${TERMINATED_STATUSES.join(', ')}`);
    return this.updateRunInfo(runId, { status, endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    const run = await this.locateRun(runId);
    if (run.info.lifecycleStage === 'deleted') return;
    this.writeRunMeta(run.dir, { ...run.info, lifecycleStage: 'deleted', deletedTime: this.clock() });
  }

  async restoreRun(runId: string): Promise<void> {
    const run = await this.locateRun(runId);
    if (run.info.lifecycleStage !== 'deleted') throw fail('INVALID_STATE', `Cannot restore run ${runId}: it is not deleted`, { runId });
    const { deletedTime: _dropped, ...rest } = run.info;
    this.writeRunMeta(run.dir, { ...rest, lifecycleStage: 'active' });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { params: [{ key, value }] });
  }

  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateKey('tag', key);
    const run = await this.activeRun(runId);
    const path = join(this.abs(run.dir), TAGS_DIR, key);
    if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} in run with id ${runId}`, { runId, key });
    rmSync(path);
  }

  /**
   * MLflow's log_batch: every entry is validated (keys, values, limits, param immutability) before
   * the first byte is written; then params, metrics (one append per key) and tags.
   */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    checkBatchLimits(metrics.length, params.length, tags.length);
    for (const m of metrics) {
      validateKey('metric', m.key);
      validateMetricValue(m.key, m.value);
      validateTimestamp(m.key, m.timestamp);
      validateStep(m.key, m.step ?? 0);
    }
    const seenParams = new Map<string, string>();
    for (const p of params) {
      validateKey('param', p.key);
      validateValueLength('param', p.key, p.value, LIMITS.paramValue);
      if (seenParams.has(p.key) && seenParams.get(p.key) !== p.value) {
        throw fail('PARAM_CHANGED', `Duplicate parameter keys have been submitted: '${p.key}'. Please ensure the request contains only one param value per param key.`, { key: p.key });
      }
      seenParams.set(p.key, p.value);
    }
    for (const t of tags) {
      validateKey('tag', t.key);
      validateValueLength('tag', t.key, t.value, LIMITS.runTagValue);
    }
    const run = await this.activeRun(runId);
    const runDir = this.abs(run.dir);
    // A key clash (`a` and `a/b`) found while writing would leave the batch half written: check first.
    checkKeyClashes(join(runDir, PARAMS_DIR), seenParams.keys());
    checkKeyClashes(join(runDir, METRICS_DIR), metrics.map((m) => m.key));
    checkKeyClashes(join(runDir, TAGS_DIR), tags.map((t) => t.key));
    for (const [key, value] of seenParams) {
      const existing = readIfExists(join(runDir, PARAMS_DIR, key));
      if (existing !== null && existing !== value) throw paramChanged(key, existing, value, runId);
    }

    for (const [key, value] of seenParams) {
      let created: boolean;
      try {
        created = createExclusive(join(runDir, PARAMS_DIR, key), value, runDir);
      } catch (err) {
        throw keyPathError(err, key);
      }
      if (!created) {
        // Another writer got there between our check and our write: same value is fine.
        const existing = readIfExists(join(runDir, PARAMS_DIR, key));
        if (existing !== value) throw paramChanged(key, existing ?? '', value, runId);
      }
    }
    // One write per key: the lines of a key are joined once (no growing string per line).
    const linesByKey = new Map<string, string[]>();
    for (const m of metrics) {
      let lines = linesByKey.get(m.key);
      if (!lines) linesByKey.set(m.key, (lines = []));
      lines.push(formatMetricLine(m));
    }
    for (const [key, lines] of linesByKey) {
      try {
        appendOnce(join(runDir, METRICS_DIR, key), lines.join(''));
      } catch (err) {
        throw keyPathError(err, key);
      }
    }
    let newName: string | undefined;
    for (const t of tags) {
      this.writeValue(run.dir, TAGS_DIR, t.key, t.value);
      if (t.key === RUN_NAME_TAG) newName = t.value;
    }
    if (newName !== undefined && newName !== run.info.runName) this.writeRunMeta(run.dir, { ...run.info, runName: newName });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key, { checkLength: false });
    const run = await this.locateRun(runId);
    return this.reader.metricHistory(run.dir, key);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    this.requireRoot();
    return this.view.searchRuns(input);
  }

  /** Record dataset inputs (MLflow's log_inputs): one dataset record per (name, digest), one input edge per run. */
  async logInputs(runId: string, inputs: { dataset: Dataset; tags?: Record<string, string> }[]): Promise<void> {
    for (const { dataset, tags } of inputs) {
      validateValueLength('dataset name', 'name', dataset.name, LIMITS.datasetName);
      validateValueLength('dataset digest', 'digest', dataset.digest, LIMITS.datasetDigest);
      validateValueLength('dataset source', 'source', dataset.source, LIMITS.datasetSource);
      if (dataset.schema) validateValueLength('dataset schema', 'schema', dataset.schema, LIMITS.datasetSchema);
      if (dataset.profile) validateValueLength('dataset profile', 'profile', dataset.profile, LIMITS.datasetProfile);
      for (const [key, value] of Object.entries(tags ?? {})) {
        validateValueLength('input tag key', key, key, LIMITS.inputTagKey);
        validateValueLength('input tag', key, value, LIMITS.inputTagValue);
      }
    }
    const run = await this.activeRun(runId);
    const experimentDir = this.abs(run.experimentDir);
    for (const { dataset, tags } of inputs) {
      const id = datasetId(dataset.name, dataset.digest);
      createExclusive(join(experimentDir, DATASETS_DIR, id, META_FILE), formatDatasetMeta(dataset), experimentDir);
      // Like MLflow, a dataset already linked to the run is not linked again.
      const edge = join(this.abs(run.dir), INPUTS_DIR, inputId(id, runId), META_FILE);
      createExclusive(edge, formatInputMeta({ sourceId: id, sourceType: 'DATASET', tags: tags ?? {} }), this.abs(run.dir));
    }
  }

  async getDatasetInputs(runId: string): Promise<DatasetInput[]> {
    const run = await this.locateRun(runId);
    return this.reader.datasetInputs(run.experimentDir, run.dir);
  }

  // ================================================================ artifacts

  /**
   * The directory holding a run's artifacts. A default location (`.../<exp>/<run>/artifacts`) is
   * resolved against this tree, wherever it was written, so a copied or cloned tree keeps working.
   */
  async artifactDir(runId: string): Promise<string> {
    const run = await this.locateRun(runId);
    return this.resolveArtifactDir(run);
  }

  private resolveArtifactDir(run: LocatedRun): string {
    const local = join(this.abs(run.dir), ARTIFACTS_DIR);
    const uriPath = fileUriToPath(run.info.artifactUri);
    if (uriPath === null) {
      throw fail('INVALID_STATE', `Run ${run.info.runId} stores artifacts at '${run.info.artifactUri}', which mltrack cannot reach (only local file: locations)`, { runId: run.info.runId });
    }
    const defaultSuffix = `/${run.experimentId}/${run.info.runId}/${ARTIFACTS_DIR}`;
    if (uriPath === '' || uriPath.replace(/\/+$/, '').endsWith(defaultSuffix)) return local;
    return uriPath;
  }

  async logArtifact(runId: string, localPath: string, artifactPath = ''): Promise<string[]> {
    const run = await this.activeRun(runId);
    return copyIntoArtifacts(this.resolveArtifactDir(run), localPath, artifactPath);
  }

  async logText(runId: string, artifactFile: string, text: string | Uint8Array): Promise<string> {
    const run = await this.activeRun(runId);
    return writeArtifact(this.resolveArtifactDir(run), artifactFile, text);
  }

  async listArtifacts(runId: string, path = '', options: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    return listArtifacts(await this.artifactDir(runId), path, options.recursive ?? false);
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return readArtifact(await this.artifactDir(runId), path);
  }

  /** Remove deleted runs and deleted experiments for good (MLflow's `gc`). Returns what was removed. */
  async gc(options: { olderThanMs?: number; experimentIds?: string[]; runIds?: string[] } = {}): Promise<{ runs: string[]; experiments: string[] }> {
    this.requireRoot();
    const cutoff = options.olderThanMs === undefined ? Infinity : this.clock() - options.olderThanMs;
    const removedRuns: string[] = [];
    const removedExperiments: string[] = [];
    const onlyRuns = options.runIds ? new Set(options.runIds) : null;
    const onlyExperiments = options.experimentIds ? new Set(options.experimentIds) : null;
    for (const located of await this.reader.listExperiments('ALL')) {
      const { experiment } = located;
      if (onlyExperiments && !onlyExperiments.has(experiment.experimentId)) continue;
      for (const location of await this.reader.listRunDirs(located.dir)) {
        const info = await this.reader.readRunInfoOrSkip(location, experiment.experimentId);
        if (!info || info.lifecycleStage !== 'deleted') continue;
        if (onlyRuns && !onlyRuns.has(info.runId)) continue;
        if ((info.deletedTime ?? 0) > cutoff) continue;
        rmSync(this.abs(location.dir), { recursive: true, force: true });
        removedRuns.push(info.runId);
      }
      if (located.inTrash && !onlyRuns && (experiment.lastUpdateTime ?? 0) <= cutoff) {
        rmSync(this.abs(located.dir), { recursive: true, force: true });
        removedExperiments.push(experiment.experimentId);
      }
    }
    this.runCache.clear();
    return { runs: removedRuns, experiments: removedExperiments };
  }
}

function stripTags(experiment: Experiment): ExperimentMeta {
  const { tags: _tags, ...meta } = experiment;
  return meta;
}

/** A relative artifact location given at creation is made absolute, as MLflow does. */
function resolveArtifactLocation(location: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !/^[a-zA-Z]:[\\/]/.test(location)) return location;
  return pathToFileUri(resolve(location));
}

function statOrNull(path: string) {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function paramChanged(key: string, oldValue: string, newValue: string, runId: string) {
  return fail(
    'PARAM_CHANGED',
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${oldValue}' for run ID='${runId}'. Attempted logging new value '${newValue}'.`,
    { key, runId },
  );
}

function keyClash(key: string) {
  return fail('INVALID_KEY', `Key '${key}' clashes with an existing key: a name cannot be both a key and a folder of keys ('a' and 'a/b')`, { key });
}

/** `a` and `a/b` cannot both be keys: one would be a file and the other a directory. */
function keyPathError(err: unknown, key: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') return keyClash(key);
  return err as Error;
}

/**
 * Refuse keys that cannot coexist, before anything is written: a key that is a folder of keys in
 * `folder` (or in the same batch), or that has a prefix which is a key file there (or in the batch).
 * `folder` null checks the batch only (a folder that does not exist yet).
 */
function checkKeyClashes(folder: string | null, keys: Iterable<string>): void {
  const wanted = new Set(keys);
  for (const key of wanted) {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (wanted.has(prefix) || (folder !== null && isFile(join(folder, prefix)))) throw keyClash(key);
    }
    if (folder !== null && isDirectory(join(folder, key))) throw keyClash(key);
  }
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const too = (what: string, n: number, limit: number) =>
    fail('BATCH_TOO_LARGE', `A batch may hold at most ${limit} ${what}; got ${n}`, { what, n, limit });
  if (metrics > LIMITS.batchMetrics) throw too('metrics', metrics, LIMITS.batchMetrics);
  if (params > LIMITS.batchParams) throw too('params', params, LIMITS.batchParams);
  if (tags > LIMITS.batchTags) throw too('tags', tags, LIMITS.batchTags);
  if (metrics + params + tags > LIMITS.batchTotal) throw too('entries in total', metrics + params + tags, LIMITS.batchTotal);
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
