/**
 * Experiments, runs, params, tags, metric histories and dataset inputs from MLflow's tracking
 * tables, read as MLflow's SqlAlchemyStore reads them (see the traps in
 * test/fixtures/mlflow-sqlite/README.md): NaN is stored as 0 with is_nan, steps are int64.
 */
import type { Dataset, LifecycleStage, Metric, RunStatus, Step } from '../format/entities.js';
import { fail } from '../format/errors.js';
import type { ImportedExperiment, ImportedRun } from './history.js';
import type { MlflowDb } from './openMlflowDb.js';

const RUN_STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

/** A BIGINT read with safeIntegers: a number when exact, else the bigint. */
export function exactInt(value: bigint | number | null): Step {
  if (value === null) return 0;
  if (typeof value === 'number') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function msOrNull(value: bigint | number | null): number | null {
  return value === null ? null : Number(value);
}

function groupPairs(rows: { owner: string; key: string; value: string | null }[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) {
    let m = out.get(r.owner);
    if (!m) out.set(r.owner, (m = {}));
    m[r.key] = r.value ?? '';
  }
  return out;
}

export function readTracking(source: MlflowDb): ImportedExperiment[] {
  const { db } = source;
  const experiments = db.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments ORDER BY experiment_id').safeIntegers(true).all() as {
    experiment_id: bigint; name: string; artifact_location: string | null; lifecycle_stage: string | null; creation_time: bigint | null; last_update_time: bigint | null;
  }[];
  const experimentTags = groupPairs(db.prepare('SELECT CAST(experiment_id AS TEXT) AS owner, key, value FROM experiment_tags ORDER BY rowid').all() as never);
  const params = groupPairs(db.prepare('SELECT run_uuid AS owner, key, value FROM params ORDER BY rowid').all() as never);
  const tags = groupPairs(db.prepare('SELECT run_uuid AS owner, key, value FROM tags ORDER BY rowid').all() as never);

  // One run's rows at a time, when the writer asks (MLflow indexes metrics by run_uuid).
  const metricRows = db.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY rowid').safeIntegers(true);
  const metricsOf = (runId: string) => (): Record<string, Metric[]> => {
    const byKey: Record<string, Metric[]> = {};
    for (const row of metricRows.iterate(runId) as IterableIterator<{ key: string; value: number | bigint; timestamp: bigint; step: bigint; is_nan: bigint | number }>) {
      const value = Number(row.is_nan) ? NaN : Number(row.value);
      (byKey[row.key] ??= []).push({ key: row.key, value, timestamp: Number(row.timestamp), step: exactInt(row.step) });
    }
    return byKey;
  };

  const inputs = new Map<string, ImportedRun['datasetInputs']>();
  const modelOutputs = new Map<string, ImportedRun['modelOutputs']>();
  const modelInputs = new Map<string, string[]>();
  if (source.tables.has('inputs') && source.tables.has('datasets')) {
    const inputTags = groupPairs(db.prepare('SELECT input_uuid AS owner, name AS key, value FROM input_tags ORDER BY rowid').all() as never);
    const datasets = new Map<string, Dataset>();
    for (const d of db.prepare('SELECT dataset_uuid, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile FROM datasets').all() as {
      dataset_uuid: string; name: string; digest: string; dataset_source_type: string; dataset_source: string; dataset_schema: string | null; dataset_profile: string | null;
    }[]) {
      datasets.set(d.dataset_uuid, { name: d.name, digest: d.digest, sourceType: d.dataset_source_type, source: d.dataset_source, schema: d.dataset_schema, profile: d.dataset_profile });
    }
    const hasStep = source.columns('inputs').has('step');
    const rows = db.prepare(`SELECT input_uuid, source_type, source_id, destination_type, destination_id${hasStep ? ', step' : ''} FROM inputs ORDER BY rowid`).safeIntegers(true).all() as {
      input_uuid: string; source_type: string; source_id: string; destination_type: string; destination_id: string; step?: bigint;
    }[];
    for (const r of rows) {
      if (r.source_type === 'DATASET' && r.destination_type === 'RUN') {
        const dataset = datasets.get(r.source_id);
        if (!dataset) continue;
        const list = inputs.get(r.destination_id) ?? [];
        list.push({ dataset, tags: inputTags.get(r.input_uuid) ?? {} });
        inputs.set(r.destination_id, list);
      } else if (r.source_type === 'RUN_OUTPUT' && r.destination_type === 'MODEL_OUTPUT') {
        const list = modelOutputs.get(r.source_id) ?? [];
        list.push({ modelId: r.destination_id, step: exactInt(r.step ?? 0n) });
        modelOutputs.set(r.source_id, list);
      } else if (r.source_type === 'RUN_INPUT' && r.destination_type === 'MODEL_INPUT') {
        const list = modelInputs.get(r.source_id) ?? [];
        list.push(r.destination_id);
        modelInputs.set(r.source_id, list);
      }
    }
  }

  const hasDeletedTime = source.columns('runs').has('deleted_time');
  const runs = db.prepare(`SELECT run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id${hasDeletedTime ? ', deleted_time' : ''} FROM runs ORDER BY run_uuid`).safeIntegers(true).all() as {
    run_uuid: string; name: string | null; user_id: string | null; status: string; start_time: bigint | null; end_time: bigint | null; lifecycle_stage: string | null; artifact_uri: string | null; experiment_id: bigint; deleted_time?: bigint | null;
  }[];
  const byExperiment = new Map<string, ImportedRun[]>();
  for (const r of runs) {
    if (!RUN_STATUSES.has(r.status)) throw fail('IMPORT_CORRUPT', `Run ${r.run_uuid} has status '${r.status}', which MLflow does not define`, { runId: r.run_uuid });
    const lifecycleStage: LifecycleStage = r.lifecycle_stage === 'deleted' ? 'deleted' : 'active';
    const run: ImportedRun = {
      info: {
        runId: r.run_uuid,
        runName: r.name ?? null,
        experimentId: String(r.experiment_id),
        userId: r.user_id ?? '',
        status: r.status as RunStatus,
        startTime: Number(r.start_time ?? 0n),
        endTime: msOrNull(r.end_time),
        artifactUri: r.artifact_uri ?? '',
        lifecycleStage,
        ...(lifecycleStage === 'deleted' ? { deletedTime: msOrNull(r.deleted_time ?? null) } : {}),
      },
      params: params.get(r.run_uuid) ?? {},
      tags: tags.get(r.run_uuid) ?? {},
      metrics: metricsOf(r.run_uuid),
      datasetInputs: inputs.get(r.run_uuid) ?? [],
      modelOutputs: modelOutputs.get(r.run_uuid) ?? [],
      modelInputs: modelInputs.get(r.run_uuid) ?? [],
    };
    const list = byExperiment.get(run.info.experimentId) ?? [];
    list.push(run);
    byExperiment.set(run.info.experimentId, list);
  }

  return experiments.map((e) => {
    const id = String(e.experiment_id);
    return {
      experiment: {
        experimentId: id,
        name: e.name,
        artifactLocation: e.artifact_location ?? '',
        lifecycleStage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        creationTime: msOrNull(e.creation_time),
        lastUpdateTime: msOrNull(e.last_update_time),
        tags: experimentTags.get(id) ?? {},
      },
      runs: byExperiment.get(id) ?? [],
      loggedModels: [],
    };
  });
}
