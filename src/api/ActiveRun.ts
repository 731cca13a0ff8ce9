/** A run being logged to, shaped like MLflow's fluent calls (`log_param`, `log_metric`, ...). */
import { basename } from 'node:path';
import type { Dataset, RunStatus, Step } from '../format/entities.js';
import type { BatchInput, FileStore } from '../store/FileStore.js';
import type { MLmodel } from '../format/mlmodel.js';
import { logModel, type LogModelOptions } from './logModel.js';

export interface MetricOptions {
  step?: Step;
  /** Milliseconds since the epoch; now when omitted. */
  timestamp?: number;
}

export class ActiveRun {
  constructor(
    readonly store: FileStore,
    readonly runId: string,
    readonly experimentId: string,
  ) {}

  logParam(key: string, value: unknown): Promise<void> {
    return this.store.logParam(this.runId, key, stringify(value));
  }

  /** Logs many params in batches of MLflow's limit (100). */
  async logParams(params: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(params).map(([key, value]) => ({ key, value: stringify(value) }));
    for (let i = 0; i < entries.length; i += 100) await this.store.logBatch(this.runId, { params: entries.slice(i, i + 100) });
  }

  logMetric(key: string, value: number, options: MetricOptions = {}): Promise<void> {
    return this.store.logMetric(this.runId, { key, value, step: options.step ?? 0, timestamp: options.timestamp ?? Date.now() });
  }

  async logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const entries = Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step: options.step ?? 0 }));
    for (let i = 0; i < entries.length; i += 1000) await this.store.logBatch(this.runId, { metrics: entries.slice(i, i + 1000) });
  }

  setTag(key: string, value: unknown): Promise<void> {
    return this.store.setTag(this.runId, key, stringify(value));
  }

  async setTags(tags: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(tags).map(([key, value]) => ({ key, value: stringify(value) }));
    for (let i = 0; i < entries.length; i += 100) await this.store.logBatch(this.runId, { tags: entries.slice(i, i + 100) });
  }

  logBatch(batch: BatchInput): Promise<void> {
    return this.store.logBatch(this.runId, batch);
  }

  /** Copies a file, or a directory's contents, under `artifactPath` in the run's artifacts. */
  logArtifact(localPath: string, artifactPath = ''): Promise<string[]> {
    return this.store.logArtifact(this.runId, localPath, artifactPath);
  }

  logArtifacts(localDir: string, artifactPath = ''): Promise<string[]> {
    return this.store.logArtifact(this.runId, localDir, artifactPath);
  }

  logText(text: string, artifactFile: string): Promise<string> {
    return this.store.logText(this.runId, artifactFile, text);
  }

  logDict(value: unknown, artifactFile: string): Promise<string> {
    return this.store.logText(this.runId, artifactFile, JSON.stringify(value, null, 2));
  }

  logInput(dataset: Dataset, context?: string, tags: Record<string, string> = {}): Promise<void> {
    const inputTags = context ? { 'mlflow.data.context': context, ...tags } : tags;
    return this.store.logInputs(this.runId, [{ dataset, tags: inputTags }]);
  }

  /** Log a model directory with its MLmodel file (see logModel.ts). */
  logModel(localDir: string, options: LogModelOptions = {}): Promise<MLmodel> {
    return logModel(this.store, this.runId, localDir, options);
  }

  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    await this.store.setTerminated(this.runId, status);
  }

  /** The artifact file name a path would get with logArtifact (for messages). */
  static artifactName(localPath: string, artifactPath = ''): string {
    return artifactPath ? `${artifactPath}/${basename(localPath)}` : basename(localPath);
  }
}

/** MLflow's client turns values into strings with str(): keep booleans as Python writes them. */
function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}
