/**
 * Writes MLflow 3.x logged models (spec 4.7) as MLflow's FileStore does: `<exp>/models/m-<hex>/`
 * with meta.yaml (status as its proto number), tags/ and params/ value files, and artifacts/; and a
 * run's output edge `<run>/outputs/<model_id>/meta.yaml`. Reads go through LoggedModelReader.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail } from '../format/errors.js';
import { pathToFileUri } from '../format/fileUri.js';
import { ARTIFACTS_DIR, META_FILE, METRICS_DIR, MODELS_DIR, OUTPUTS_DIR, PARAMS_DIR, TAGS_DIR } from '../format/layout.js';
import { formatMetricLine } from '../format/metricFile.js';
import { validateKey, validateMetricValue, validateStep, validateTimestamp, validateValueLength, LIMITS } from '../format/validation.js';
import { dumpYaml } from '../format/yaml.js';
import type { Step } from '../format/entities.js';
import type { FileStore } from './FileStore.js';
import { appendOnce, writeAtomic } from './fsWrite.js';
import { FsTreeReader } from './FsTreeReader.js';
import { LoggedModelReader, type LoggedModel, type LoggedModelLocation, type LoggedModelStatus } from './LoggedModelReader.js';

const STATUS_CODES: Record<LoggedModelStatus, number> = { UNSPECIFIED: 0, PENDING: 1, READY: 2, FAILED: 3 };

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string | null;
  modelType?: string | null;
  sourceRunId?: string | null;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A metric logged with a model_id (MLflow 3.x), optionally computed on a dataset. */
export interface ModelMetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: Step;
  datasetName?: string | null;
  datasetDigest?: string | null;
}

function newModelId(): string {
  return `m-${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
}

export class LoggedModelStore {
  readonly reader: LoggedModelReader;
  private readonly clock: () => number;

  constructor(private readonly store: FileStore, options: { clock?: () => number; artifactRoot?: string } = {}) {
    this.reader = new LoggedModelReader(new FsTreeReader(store.root));
    this.clock = options.clock ?? Date.now;
    this.artifactRoot = options.artifactRoot ?? null;
  }

  private readonly artifactRoot: string | null;

  private writeMeta(dir: string, m: LoggedModel): void {
    writeAtomic(join(dir, META_FILE), dumpYaml({
      artifact_location: m.artifactLocation,
      creation_timestamp: m.creationTimestamp,
      experiment_id: m.experimentId,
      last_updated_timestamp: m.lastUpdatedTimestamp,
      lifecycle_stage: m.lifecycleStage,
      model_id: m.modelId,
      model_type: m.modelType,
      name: m.name,
      source_run_id: m.sourceRunId,
      status: STATUS_CODES[m.status],
      status_message: m.statusMessage,
    }));
  }

  private writeValues(dir: string, folder: string, kind: 'tag' | 'param', values: Record<string, string>): void {
    for (const [key, value] of Object.entries(values)) {
      validateKey(kind, key);
      validateValueLength(kind, key, value, kind === 'tag' ? LIMITS.runTagValue : LIMITS.paramValue);
      writeAtomic(join(dir, folder, key), value, dir);
    }
  }

  async create(input: CreateLoggedModelInput): Promise<LoggedModelLocation> {
    const experiment = await this.store.getExperiment(input.experimentId);
    if (experiment.lifecycleStage !== 'active') throw fail('NOT_ACTIVE', `Could not create model under non-active experiment with ID ${input.experimentId}.`);
    if (input.sourceRunId) await this.store.getRun(input.sourceRunId);
    const found = await this.store.reader.findExperiment(input.experimentId);
    const modelId = newModelId();
    const rel = join(found!.dir, MODELS_DIR, modelId);
    const dir = join(this.store.root, rel);
    const now = this.clock();
    const artifactDir = this.artifactRoot
      ? join(resolve(this.artifactRoot), input.experimentId, MODELS_DIR, modelId, ARTIFACTS_DIR)
      : join(dir, ARTIFACTS_DIR);
    const model: LoggedModel = {
      modelId,
      experimentId: input.experimentId,
      name: input.name || modelId,
      artifactLocation: pathToFileUri(artifactDir),
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      sourceRunId: input.sourceRunId ?? null,
      modelType: input.modelType ?? null,
      status: 'PENDING',
      statusMessage: null,
      lifecycleStage: 'active',
      tags: input.tags ?? {},
      params: input.params ?? {},
      metrics: {},
    };
    for (const sub of [TAGS_DIR, PARAMS_DIR, METRICS_DIR, ARTIFACTS_DIR]) mkdirSync(join(dir, sub), { recursive: true });
    this.writeValues(dir, TAGS_DIR, 'tag', model.tags);
    this.writeValues(dir, PARAMS_DIR, 'param', model.params);
    this.writeMeta(dir, model); // last: readers skip a directory without meta.yaml
    return this.reader.getLoggedModel(modelId);
  }

  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModelLocation> {
    const loc = await this.reader.getLoggedModel(modelId);
    this.writeMeta(join(this.store.root, loc.dir), { ...loc.model, status, lastUpdatedTimestamp: this.clock() });
    return this.reader.getLoggedModel(modelId);
  }

  async setTags(modelId: string, tags: Record<string, string>): Promise<void> {
    const loc = await this.reader.getLoggedModel(modelId);
    this.writeValues(join(this.store.root, loc.dir), TAGS_DIR, 'tag', tags);
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    validateKey('tag', key);
    const loc = await this.reader.getLoggedModel(modelId);
    const path = join(this.store.root, loc.dir, TAGS_DIR, key);
    if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with key '${key}' found for logged model ${modelId}`, { modelId, key });
    rmSync(path);
  }

  async logParams(modelId: string, params: Record<string, string>): Promise<void> {
    const loc = await this.reader.getLoggedModel(modelId);
    this.writeValues(join(this.store.root, loc.dir), PARAMS_DIR, 'param', params);
  }

  async delete(modelId: string): Promise<void> {
    const loc = await this.reader.getLoggedModel(modelId);
    this.writeMeta(join(this.store.root, loc.dir), { ...loc.model, lifecycleStage: 'deleted', lastUpdatedTimestamp: this.clock() });
  }

  /**
   * MLflow 3.x log_metric with a model_id: the value also goes to the model's metric files, as
   * `<timestamp> <value> <step> <run_id> [<dataset_name> <dataset_digest>]`, one append per key.
   */
  async logMetrics(modelId: string, runId: string, metrics: readonly ModelMetricInput[]): Promise<void> {
    const loc = await this.reader.getLoggedModel(modelId);
    const lines = new Map<string, string>();
    for (const m of metrics) {
      validateKey('metric', m.key);
      validateMetricValue(m.key, m.value);
      validateTimestamp(m.key, m.timestamp);
      validateStep(m.key, m.step ?? 0);
      // The line is split on spaces: a dataset name or digest with white space would not read back.
      for (const field of [m.datasetName, m.datasetDigest]) {
        if (field && /\s/.test(field)) throw fail('INVALID_ARGUMENT', `Metric '${m.key}': a dataset name or digest with white space cannot be stored in a logged model's metric line: ${JSON.stringify(field)}`);
      }
      const dataset = m.datasetName && m.datasetDigest ? ` ${m.datasetName} ${m.datasetDigest}` : '';
      lines.set(m.key, `${lines.get(m.key) ?? ''}${formatMetricLine(m).slice(0, -1)} ${runId}${dataset}\n`);
    }
    for (const [key, text] of lines) appendOnce(join(this.store.root, loc.dir, METRICS_DIR, key), text);
  }

  /** MLflow's log_outputs: the run produced this model at this step. */
  async logOutput(runId: string, modelId: string, step: Step): Promise<void> {
    await this.reader.getLoggedModel(modelId);
    const found = await this.store.reader.findRun(runId);
    if (!found) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    const runDir = join(this.store.root, found.dir);
    const edge = { destination_id: modelId, destination_type: 'MODEL_OUTPUT', source_id: modelId, source_type: 'RUN_OUTPUT', step, tags: {} };
    writeAtomic(join(runDir, OUTPUTS_DIR, modelId, META_FILE), dumpYaml(edge), runDir);
  }
}
