/** [3.x] LoggedModels (`logged_models` and its params, tags and metrics tables). */
import type { ImportedLoggedModel } from './history.js';
import type { MlflowDb } from './openMlflowDb.js';
import { exactInt } from './readTracking.js';

export function readLoggedModels(source: MlflowDb): ImportedLoggedModel[] {
  const { db, tables } = source;
  if (!tables.has('logged_models')) return [];
  const models = new Map<string, ImportedLoggedModel>();
  for (const m of db.prepare('SELECT * FROM logged_models ORDER BY model_id').all() as {
    model_id: string; experiment_id: number; name: string; artifact_location: string; creation_timestamp_ms: number; last_updated_timestamp_ms: number;
    status: number; lifecycle_stage: string | null; model_type: string | null; source_run_id: string | null; status_message: string | null;
  }[]) {
    models.set(m.model_id, {
      modelId: m.model_id,
      experimentId: String(m.experiment_id),
      name: m.name,
      artifactLocation: m.artifact_location,
      creationTimestamp: m.creation_timestamp_ms,
      lastUpdatedTimestamp: m.last_updated_timestamp_ms,
      status: m.status,
      statusMessage: m.status_message,
      lifecycleStage: m.lifecycle_stage,
      modelType: m.model_type,
      sourceRunId: m.source_run_id,
      tags: {},
      params: {},
      metrics: {},
    });
  }
  for (const t of db.prepare('SELECT model_id, tag_key, tag_value FROM logged_model_tags ORDER BY rowid').all() as { model_id: string; tag_key: string; tag_value: string }[]) {
    const m = models.get(t.model_id);
    if (m) m.tags[t.tag_key] = t.tag_value;
  }
  for (const p of db.prepare('SELECT model_id, param_key, param_value FROM logged_model_params ORDER BY rowid').all() as { model_id: string; param_key: string; param_value: string }[]) {
    const m = models.get(p.model_id);
    if (m) m.params[p.param_key] = p.param_value;
  }
  const rows = db.prepare('SELECT model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics ORDER BY rowid').safeIntegers(true);
  for (const r of rows.iterate() as IterableIterator<{ model_id: string; metric_name: string; metric_timestamp_ms: bigint; metric_step: bigint; metric_value: number | bigint | null; run_id: string; dataset_name: string | null; dataset_digest: string | null }>) {
    const m = models.get(r.model_id);
    if (!m) continue;
    const metric = {
      key: r.metric_name,
      value: r.metric_value === null ? NaN : Number(r.metric_value),
      timestamp: Number(r.metric_timestamp_ms),
      step: exactInt(r.metric_step),
      runId: r.run_id,
      ...(r.dataset_name && r.dataset_digest ? { datasetName: r.dataset_name, datasetDigest: r.dataset_digest } : {}),
    };
    (m.metrics[r.metric_name] ??= []).push(metric);
  }
  return [...models.values()];
}
