/**
 * Log a model directory as MLflow does: copy it under the run's artifacts, write its `MLmodel`
 * (flavors, model_uuid, run_id, utc_time_created, model_size_bytes, signature) and append to the
 * run's `mlflow.log-model.history` tag, so MLflow's UI and ours recognise it as a model.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { appendHistory, formatMLmodel, historyEntry, MLMODEL_FILE, pythonUtcNow, LOG_MODEL_HISTORY_TAG, type MLmodel } from '../format/mlmodel.js';
import { newRunId } from '../format/ids.js';
import type { YamlValue } from '../format/yaml.js';
import type { FileStore } from '../store/FileStore.js';

export interface LogModelOptions {
  /** Folder inside the artifacts (default `model`). */
  artifactPath?: string;
  /** flavor -> configuration (default: an `mltrack` flavor naming the directory's files). */
  flavors?: Record<string, Record<string, YamlValue>>;
  signature?: MLmodel['signature'];
  metadata?: Record<string, YamlValue>;
}

function directorySize(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + directorySize(join(path, name)), 0);
}

export async function logModel(store: FileStore, runId: string, localDir: string, options: LogModelOptions = {}): Promise<MLmodel> {
  const artifactPath = options.artifactPath ?? 'model';
  const files = statSync(localDir).isDirectory() ? readdirSync(localDir).sort() : [];
  const model: MLmodel = {
    artifactPath,
    runId,
    modelUuid: newRunId(),
    utcTimeCreated: pythonUtcNow(),
    flavors: options.flavors ?? { mltrack: { files } },
    modelSizeBytes: directorySize(localDir),
    signature: options.signature,
    metadata: options.metadata,
  };
  await store.logArtifact(runId, localDir, artifactPath);
  await store.logText(runId, `${artifactPath}/${MLMODEL_FILE}`, formatMLmodel(model));
  const run = await store.getRun(runId);
  await store.setTag(runId, LOG_MODEL_HISTORY_TAG, appendHistory(run.data.tags[LOG_MODEL_HISTORY_TAG], historyEntry(model)));
  return model;
}
