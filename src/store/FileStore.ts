/**
 * MLflow's tracking FileStore over an mlruns directory: experiments, runs, params, metrics, tags,
 * dataset inputs and gc, with MLflow's semantics (spec sections 2 to 6). Every check runs before
 * anything is written; meta.yaml and value files are replaced atomically; metric lines are appended
 * with one write() each, so concurrent loggers never interleave. The writes live in one file per
 * concept (experimentWrites, runWrites, runLogging, gc); reads go through TrackingView, run
 * searches through the derived index (searchIndex/).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset, DatasetInput, Experiment, FileInfo, Metric, Page, Run, RunInfo, RunStatus, ViewType } from '../format/entities.js';
import { TERMINATED_STATUSES } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { fileUriToPath } from '../format/fileUri.js';
import { ARTIFACTS_DIR } from '../format/layout.js';
import type { SearchOptions } from '../format/search/index.js';
import { validateKey } from '../format/validation.js';
import { copyIntoArtifacts, listArtifacts, readArtifact, writeArtifact } from './artifacts.js';
import * as experimentWrites from './experimentWrites.js';
import { FsTreeReader } from './FsTreeReader.js';
import { gc } from './gc.js';
import { MlrunsReader } from './MlrunsReader.js';
import { logBatch, logInputs, type BatchInput, type MetricInput } from './runLogging.js';
import * as runWrites from './runWrites.js';
import { searchIndexDir } from './searchIndex/indexLocation.js';
import { SearchIndex, type SearchIndexOptions } from './searchIndex/SearchIndex.js';
import { StoreCore, type LocatedRun } from './StoreCore.js';
import { TrackingView } from './TrackingView.js';

export { isDirectory } from './keyRules.js';
export { RUN_NAME_TAG, type CreateRunInput } from './runWrites.js';
export type { BatchInput, MetricInput } from './runLogging.js';
export const DESCRIPTION_TAG = 'mlflow.note.content';

export interface SearchRunsInput extends SearchOptions {
  experimentIds: string[];
  viewType?: ViewType;
}

export class FileStore {
  readonly root: string;
  readonly reader: MlrunsReader;
  /** The derived search index, or null when it is turned off (MLTRACK_INDEX=0, `index: false`). */
  readonly searchIndex: SearchIndex | null;
  private readonly view: TrackingView;
  private readonly core: StoreCore;

  /**
   * `create: true` (the default, as MLflow's FileStore does) sets the tree up at once. With
   * `create: false` nothing is written until the first run or experiment is created, and reads of
   * a missing tree are NOT_FOUND: what the CLI uses, so a read-only command or a mistyped
   * `--mlruns` never leaves a new tree behind.
   */
  constructor(root: string, options: { clock?: () => number; create?: boolean; index?: false | Partial<SearchIndexOptions> } = {}) {
    this.root = resolve(root);
    this.reader = new MlrunsReader(new FsTreeReader(this.root));
    this.core = new StoreCore(this.root, this.reader, options.clock ?? Date.now);
    const indexDir = options.index === false ? null : (options.index?.dir ?? searchIndexDir(this.root));
    this.searchIndex = indexDir === null ? null : new SearchIndex(this.root, this.reader, { ...options.index, dir: indexDir });
    this.view = new TrackingView(this.reader, this.searchIndex);
    if (options.create !== false) this.core.ensureRoot();
  }

  /** Set the tree up now (Default experiment, `.trash/`) if it is missing: for a command about to write. */
  ensureCreated(): void {
    this.core.ensureRoot();
  }

  /** Whether the tree exists on disk. */
  exists(): boolean {
    return existsSync(this.root);
  }

  // ================================================================ experiments

  /** `artifactRoot`: with no artifactLocation, artifacts go to `<artifactRoot>/<id>` instead of the tree (a server's --artifacts-destination). */
  async createExperiment(name: string, options: { artifactLocation?: string; artifactRoot?: string; tags?: Record<string, string> } = {}): Promise<string> {
    return experimentWrites.createExperiment(this.core, name, options);
  }

  // Reads shared with trees mltrack does not write to (a revision of the tracking branch).
  async getExperiment(experimentId: string): Promise<Experiment> {
    this.core.requireRoot();
    return this.view.getExperiment(experimentId);
  }

  /** Active or deleted; with duplicate names, MLflow's default order picks (creation_time DESC, id ASC). */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    this.core.requireRoot();
    return this.view.getExperimentByName(name);
  }

  async searchExperiments(options: SearchOptions & { viewType?: ViewType } = {}): Promise<Page<Experiment>> {
    this.core.requireRoot();
    return this.view.searchExperiments(options);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    return experimentWrites.renameExperiment(this.core, experimentId, newName);
  }

  /** Marks the experiment and its active runs deleted, then moves it into `.trash/`. The Default experiment stays. */
  async deleteExperiment(experimentId: string): Promise<void> {
    return experimentWrites.deleteExperiment(this.core, experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    return experimentWrites.restoreExperiment(this.core, experimentId);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return experimentWrites.setExperimentTag(this.core, experimentId, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return experimentWrites.deleteExperimentTag(this.core, experimentId, key);
  }

  // ================================================================ runs

  async createRun(input: runWrites.CreateRunInput): Promise<Run> {
    return runWrites.createRun(this.core, input);
  }

  async getRun(runId: string): Promise<Run> {
    const located = await this.core.locateRun(runId);
    const run = await this.reader.readRun(located, located.experimentId);
    if (!run) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    return run;
  }

  async updateRunInfo(runId: string, update: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<RunInfo> {
    return runWrites.updateRunInfo(this.core, runId, update);
  }

  /** Ends a run: a terminal status and end time. */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime: number = this.core.clock()): Promise<RunInfo> {
    if (!TERMINATED_STATUSES.includes(status)) throw fail('INVALID_ARGUMENT', `Status '${status}' does not end a run; use one of ${TERMINATED_STATUSES.join(', ')}`);
    return this.updateRunInfo(runId, { status, endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    return runWrites.deleteRun(this.core, runId);
  }

  async restoreRun(runId: string): Promise<void> {
    return runWrites.restoreRun(this.core, runId);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    this.core.requireRoot();
    return this.view.searchRuns(input);
  }

  // ================================================================ logging

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
    return runWrites.deleteTag(this.core, runId, key);
  }

  /** MLflow's log_batch: everything is validated before the first byte is written (runLogging.ts). */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    return logBatch(this.core, runId, batch);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key, { checkLength: false });
    const run = await this.core.locateRun(runId);
    return this.reader.metricHistory(run.dir, key);
  }

  /** Record dataset inputs (MLflow's log_inputs): one dataset record per (name, digest), one input edge per run. */
  async logInputs(runId: string, inputs: { dataset: Dataset; tags?: Record<string, string> }[]): Promise<void> {
    return logInputs(this.core, runId, inputs);
  }

  async getDatasetInputs(runId: string): Promise<DatasetInput[]> {
    const run = await this.core.locateRun(runId);
    return this.reader.datasetInputs(run.experimentDir, run.dir);
  }

  // ================================================================ artifacts and gc

  /**
   * The directory holding a run's artifacts. A default location (`.../<exp>/<run>/artifacts`) is
   * resolved against this tree, wherever it was written, so a copied or cloned tree keeps working.
   */
  async artifactDir(runId: string): Promise<string> {
    return this.resolveArtifactDir(await this.core.locateRun(runId));
  }

  private resolveArtifactDir(run: LocatedRun): string {
    const local = join(this.core.abs(run.dir), ARTIFACTS_DIR);
    const uriPath = fileUriToPath(run.info.artifactUri);
    if (uriPath === null) {
      throw fail('INVALID_STATE', `Run ${run.info.runId} stores artifacts at '${run.info.artifactUri}', which mltrack cannot reach (only local file: locations)`, { runId: run.info.runId });
    }
    const defaultSuffix = `/${run.experimentId}/${run.info.runId}/${ARTIFACTS_DIR}`;
    if (uriPath === '' || uriPath.replace(/\/+$/, '').endsWith(defaultSuffix)) return local;
    return uriPath;
  }

  async logArtifact(runId: string, localPath: string, artifactPath = ''): Promise<string[]> {
    const run = await this.core.activeRun(runId);
    return copyIntoArtifacts(this.resolveArtifactDir(run), localPath, artifactPath);
  }

  async logText(runId: string, artifactFile: string, text: string | Uint8Array): Promise<string> {
    const run = await this.core.activeRun(runId);
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
    return gc(this.core, options);
  }
}
