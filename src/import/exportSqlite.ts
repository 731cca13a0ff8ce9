/**
 * `mltrack export sqlite:///PATH`: the mlruns tree written as an MLflow 2.x tracking + registry
 * database (schema f5a4f2784254), the inverse of the database import, so nobody is locked in.
 * Rows are written as MLflow's SqlAlchemyStore writes them: NaN as 0 with is_nan, ±inf as
 * ±1.7976931348623157e308, `latest_metrics` as the max by (step, timestamp, stored value), the
 * legacy run columns filled with MLflow's defaults. What the 2.x schema has no table for (3.x
 * logged models and their run links) is reported, not written.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Metric, Step } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { faultPoint } from '../store/faultPoint.js';
import { FileStore } from '../store/FileStore.js';
import { FsTreeReader } from '../store/FsTreeReader.js';
import { LoggedModelReader } from '../store/LoggedModelReader.js';
import { RegistryReader } from '../store/RegistryReader.js';
import type { Omission } from './history.js';
import { MLFLOW_2_REVISION, MLFLOW_2_SCHEMA } from './mlflowSchema.js';
import { createMlflowDb, sqlitePathFromUri } from './openMlflowDb.js';

const DOUBLE_MAX = 1.7976931348623157e308;

export interface ExportCounts {
  experiments: number;
  runs: number;
  params: number;
  tags: number;
  metricValues: number;
  datasetInputs: number;
  registeredModels: number;
  modelVersions: number;
}

export interface ExportResult {
  path: string;
  revision: string;
  counts: ExportCounts;
  omitted: Omission[];
}

/** A metric value as MLflow's SQL store keeps it: (stored value, is_nan). */
function stored(value: number): [number, number] {
  if (Number.isNaN(value)) return [0, 1];
  if (value === Infinity) return [DOUBLE_MAX, 0];
  if (value === -Infinity) return [-DOUBLE_MAX, 0];
  return [value, 0];
}

const big = (s: Step) => BigInt(s);

/** MLflow's latest_metrics rule: the max by (step, timestamp, stored value). */
function latestOf(rows: Metric[]): Metric {
  let best = rows[0]!;
  for (const m of rows.slice(1)) {
    const byStep = big(m.step) - big(best.step);
    if (byStep > 0n || (byStep === 0n && (m.timestamp > best.timestamp || (m.timestamp === best.timestamp && stored(m.value)[0] > stored(best.value)[0])))) best = m;
  }
  return best;
}

export async function exportSqlite(options: { uri: string; mlruns: string; force?: boolean; onProgress?: (done: number, total: number) => void }): Promise<ExportResult> {
  const path = sqlitePathFromUri(options.uri);
  if (existsSync(path) && !options.force) throw fail('ALREADY_EXISTS', `${path} exists; mltrack export writes a new database (--force replaces it)`, { path });
  // Written beside the target and renamed over it last: a failed or killed export leaves the old
  // database (with --force) or nothing at the path, never half a database.
  const partial = join(dirname(path), `.${basename(path)}.mltrack-partial-${process.pid}-${randomUUID().slice(0, 8)}`);
  const store = new FileStore(options.mlruns);
  const reader = new FsTreeReader(options.mlruns);
  const registry = new RegistryReader(reader);
  const counts: ExportCounts = { experiments: 0, runs: 0, params: 0, tags: 0, metricValues: 0, datasetInputs: 0, registeredModels: 0, modelVersions: 0 };
  const omitted: Omission[] = [];

  const experiments = [];
  for (let token: string | null = null; ; ) {
    const page = await store.searchExperiments({ viewType: 'ALL', maxResults: 50000, pageToken: token });
    experiments.push(...page.items);
    if (!(token = page.nextPageToken)) break;
  }
  const nonNumeric = experiments.filter((e) => !/^\d+$/.test(e.experimentId));
  if (nonNumeric.length) omitted.push({ kind: 'experiments', count: nonNumeric.length, reason: `ids MLflow's SQL schema cannot hold (INTEGER ids only; e.g. ${nonNumeric[0]!.experimentId})` });

  const db = createMlflowDb(partial);
  try {
    db.exec(MLFLOW_2_SCHEMA);
    db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(MLFLOW_2_REVISION);
    const q = {
      experiment: db.prepare('INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)'),
      experimentTag: db.prepare('INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)'),
      run: db.prepare("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, ?, ?, ?, '', ?, ?, ?, ?)"),
      param: db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)'),
      tag: db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)'),
      // The primary key holds every column: an exact repeat of a row is one row, as in MLflow.
      metric: db.prepare('INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)'),
      latest: db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)'),
      dataset: db.prepare('INSERT OR IGNORE INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      datasetUuid: db.prepare('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?').pluck(),
      input: db.prepare("INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES (?, 'DATASET', ?, 'RUN', ?)"),
      inputTag: db.prepare('INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)'),
      model: db.prepare('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)'),
      modelTag: db.prepare('INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)'),
      alias: db.prepare('INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?)'),
      version: db.prepare('INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      versionTag: db.prepare('INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?)'),
    };
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    begin.run();
    const runsByExperiment = new Map<string, Awaited<ReturnType<FileStore['searchRuns']>>['items']>();
    let total = 0;
    for (const e of experiments) {
      if (!/^\d+$/.test(e.experimentId)) continue;
      const runs = [];
      for (let token: string | null = null; ; ) {
        const page = await store.searchRuns({ experimentIds: [e.experimentId], viewType: 'ALL', maxResults: 50000, pageToken: token });
        runs.push(...page.items);
        if (!(token = page.nextPageToken)) break;
      }
      runsByExperiment.set(e.experimentId, runs);
      total += runs.length;
    }
    let done = 0;
    for (const e of experiments) {
      const runs = runsByExperiment.get(e.experimentId);
      if (!runs) continue;
      const id = BigInt(e.experimentId);
      q.experiment.run(id, e.name, e.artifactLocation, e.lifecycleStage, e.creationTime, e.lastUpdateTime);
      for (const [k, v] of Object.entries(e.tags)) q.experimentTag.run(k, v, id);
      counts.experiments++;
      counts.tags += Object.keys(e.tags).length;
      for (const run of runs) {
        const r = run.info;
        q.run.run(r.runId, r.runName, r.userId, r.status, r.startTime, r.endTime, r.lifecycleStage, r.artifactUri, id, r.lifecycleStage === 'deleted' ? r.deletedTime ?? null : null);
        for (const [k, v] of Object.entries(run.data.params)) q.param.run(k, v, r.runId);
        for (const [k, v] of Object.entries(run.data.tags)) q.tag.run(k, v, r.runId);
        counts.runs++;
        faultPoint('export:run');
        counts.params += Object.keys(run.data.params).length;
        counts.tags += Object.keys(run.data.tags).length;
        for (const key of Object.keys(run.data.metrics)) {
          const history = await store.getMetricHistory(r.runId, key);
          if (!history.length) continue;
          for (const m of history) {
            const [value, isNan] = stored(m.value);
            q.metric.run(key, value, m.timestamp, r.runId, big(m.step), isNan);
          }
          const latest = latestOf(history);
          const [value, isNan] = stored(latest.value);
          q.latest.run(key, value, latest.timestamp, big(latest.step), isNan, r.runId);
          counts.metricValues += history.length;
        }
        for (const input of await store.getDatasetInputs(r.runId)) {
          const d = input.dataset;
          q.dataset.run(randomUUID().replace(/-/g, ''), id, d.name, d.digest, d.sourceType, d.source, d.schema, d.profile);
          const inputUuid = randomUUID().replace(/-/g, '');
          if (q.input.run(inputUuid, q.datasetUuid.get(id, d.name, d.digest), r.runId).changes) {
            for (const [k, v] of Object.entries(input.tags)) q.inputTag.run(inputUuid, k, v);
            counts.datasetInputs++;
          }
        }
        options.onProgress?.(++done, total);
      }
    }

    for (const m of await registry.listRegisteredModels()) {
      q.model.run(m.name, m.creationTimestamp, m.lastUpdatedTimestamp, m.description);
      for (const [k, v] of Object.entries(m.tags)) q.modelTag.run(k, v, m.name);
      for (const [alias, version] of Object.entries(m.aliases)) q.alias.run(alias, Number(version), m.name);
      counts.registeredModels++;
    }
    for (const v of await registry.listModelVersions()) {
      q.version.run(v.name, v.version, v.creationTimestamp, v.lastUpdatedTimestamp, v.description, v.userId, v.currentStage ?? 'None', v.source, v.runId, v.status ?? 'READY', v.statusMessage, v.runLink, v.storageLocation ?? v.source);
      for (const [k, val] of Object.entries(v.tags)) q.versionTag.run(k, val, v.name, v.version);
      counts.modelVersions++;
    }
    commit.run();
    db.close();
    faultPoint('export:before-rename');
    renameSync(partial, path);
  } catch (err) {
    if (db.open) db.close();
    rmSync(partial, { force: true });
    throw err;
  }

  const loggedModels = await new LoggedModelReader(reader).listAllLoggedModels();
  if (loggedModels.length) omitted.push({ kind: 'logged models', count: loggedModels.length, reason: 'MLflow 3.x logged models (and their run links) have no table in the 2.x schema (f5a4f2784254) the export writes' });
  return { path, revision: MLFLOW_2_REVISION, counts, omitted };
}
