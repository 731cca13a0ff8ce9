/**
 * The `MLmodel` file MLflow writes into a model directory (spec section 8), and the entry a logged
 * model adds to the run tag `mlflow.log-model.history`. Its presence is how MLflow's UI (and ours)
 * recognises a model among a run's artifacts.
 */
import { dumpYaml, parseYaml, type YamlNode, type YamlValue } from './yaml.js';

export const MLMODEL_FILE = 'MLmodel';
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

export interface MLmodel {
  artifactPath: string;
  runId: string;
  modelUuid: string;
  /** `str(datetime.utcnow())`: `2026-11-22 11:49:24.137761`. */
  utcTimeCreated: string;
  /** flavor name -> its configuration. */
  flavors: Record<string, Record<string, YamlValue>>;
  modelSizeBytes?: number;
  /** Column specs as MLflow stores them: JSON strings of lists. */
  signature?: { inputs?: string; outputs?: string; params?: string };
  metadata?: Record<string, YamlValue>;
}

/** Python's `str(datetime.utcnow())`. */
export function pythonUtcNow(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2026-11-22T11:49:24.137Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

export function formatMLmodel(m: MLmodel): string {
  const doc: Record<string, YamlValue> = {
    artifact_path: m.artifactPath,
    flavors: m.flavors,
    model_uuid: m.modelUuid,
    run_id: m.runId,
    utc_time_created: m.utcTimeCreated,
  };
  if (m.modelSizeBytes !== undefined) doc.model_size_bytes = m.modelSizeBytes;
  if (m.signature) doc.signature = Object.fromEntries(Object.entries(m.signature).filter(([, v]) => v !== undefined)) as Record<string, YamlValue>;
  if (m.metadata) doc.metadata = m.metadata;
  return dumpYaml(doc);
}

/** The `mlflow.log-model.history` entry: MLflow keeps a subset of MLmodel, flavors without `config`. */
export function historyEntry(m: MLmodel): Record<string, unknown> {
  const flavors = Object.fromEntries(Object.entries(m.flavors).map(([name, conf]) => [name, Object.fromEntries(Object.entries(conf).filter(([k]) => k !== 'config'))]));
  return { run_id: m.runId, artifact_path: m.artifactPath, utc_time_created: m.utcTimeCreated, model_uuid: m.modelUuid, flavors };
}

/** Append an entry to the tag's JSON list (a missing or unreadable tag starts a new list). */
export function appendHistory(current: string | undefined, entry: Record<string, unknown>): string {
  let list: unknown[] = [];
  try {
    const parsed = current ? JSON.parse(current) : [];
    if (Array.isArray(parsed)) list = parsed;
  } catch {
    list = [];
  }
  return JSON.stringify([...list, entry]);
}

/** The flavor names of an MLmodel file, for listings (null when the text is not one). */
export function mlmodelFlavors(text: string): string[] | null {
  try {
    const root: YamlNode = parseYaml(text, MLMODEL_FILE);
    if (root.kind !== 'map') return null;
    const flavors = root.entries.get('flavors');
    return flavors?.kind === 'map' ? [...flavors.entries.keys()] : [];
  } catch {
    return null;
  }
}
