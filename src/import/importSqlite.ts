/**
 * `mltrack import sqlite:///PATH`: read an MLflow database (read-only, never migrated), write the
 * same history as an mlruns tree, then one commit on the tracking branch. Importing again writes
 * only what is new or changed, so a team can keep importing while it moves over.
 */
import { commitTracking } from '../git/trackingCommit.js';
import { findRepo } from '../git/repo.js';
import { ImportManifest } from './importManifest.js';
import { REST_REVISION, type ImportedHistory, type Omission } from './history.js';
import { openMlflowDb, sqlitePathFromUri, type MlflowDb } from './openMlflowDb.js';
import { readLoggedModels } from './readLoggedModels.js';
import { readRegistry } from './readRegistry.js';
import { readTracking } from './readTracking.js';
import { writeHistory, type ArtifactMode, type WriteResult } from './writeHistory.js';
import type { Rebase } from './artifactLocations.js';

/** Tables whose rows have no place in an mlruns tree yet, with why. */
const NOT_CARRIED: Record<string, string> = {
  trace_info: 'traces are not part of the mlruns trees mltrack writes',
  spans: 'trace spans are not part of the mlruns trees mltrack writes',
  assessments: 'trace assessments are not part of the mlruns trees mltrack writes',
  evaluation_datasets: 'GenAI evaluation datasets have no file-store form',
  scorers: 'GenAI scorers have no file-store form',
  jobs: 'server jobs are not history',
  webhooks: 'webhooks are server configuration, not history',
  secrets: 'secrets are server credentials, never copied into a tree',
  trace_metrics: 'trace metrics are not part of the mlruns trees mltrack writes',
};

export function readHistory(source: MlflowDb): ImportedHistory {
  const experiments = readTracking(source);
  const byId = new Map(experiments.map((e) => [e.experiment.experimentId, e]));
  for (const model of readLoggedModels(source)) byId.get(model.experimentId)?.loggedModels.push(model);
  const omitted: Omission[] = [];
  for (const [table, reason] of Object.entries(NOT_CARRIED)) {
    if (!source.tables.has(table)) continue;
    const count = (source.db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
    if (count > 0) omitted.push({ kind: table, count, reason });
  }
  return { revision: source.revision, experiments, registeredModels: readRegistry(source), omitted };
}

export interface ImportOptions {
  uri: string;
  mlruns: string;
  /** Where the import commits; null: write the tree only. */
  commit: { cwd: string; branch: string } | null;
  artifacts: ArtifactMode;
  rebases: Rebase[];
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportResult extends WriteResult {
  source: string;
  revision: string;
  commit: string | null;
}

function describe(result: WriteResult, source: string, revision: string): string {
  const c = result.counts;
  return `Import ${source}${revision === REST_REVISION ? '' : ` (MLflow schema ${revision})`}\n\n` +
    `${c.experiments} experiments, ${c.runs} runs, ${c.metricValues} metric values, ${c.loggedModels} logged models, ` +
    `${c.registeredModels} registered models, ${c.modelVersions} model versions, ${c.artifactFiles} artifact files (${c.artifactBytes} bytes); ` +
    `${result.filesWritten} files written.`;
}

export async function importSqlite(options: ImportOptions): Promise<ImportResult> {
  const source = openMlflowDb(sqlitePathFromUri(options.uri));
  try {
    // Open until the writer is done: it reads each run's metric rows when it gets to the run.
    return await writeAndCommit(readHistory(source), options);
  } finally {
    source.db.close();
  }
}

function gitdirOrNull(cwd: string): string | null {
  try {
    return findRepo(cwd).gitdir;
  } catch {
    return null;
  }
}

/** Writes what a reader gave, then one commit on the tracking branch saying what was imported. */
export async function writeAndCommit(history: ImportedHistory, options: ImportOptions): Promise<ImportResult> {
  // The repository is looked up before anything is written, so a bad setup writes nothing.
  const repo = options.commit && !options.dryRun ? findRepo(options.commit.cwd) : null;
  const manifest = ImportManifest.load(repo?.gitdir ?? (options.commit && options.dryRun ? gitdirOrNull(options.commit.cwd) : null), options.uri);
  const result = writeHistory(history, { ...options, manifest });
  if (!options.dryRun) manifest.save(options.uri);
  let commit: string | null = null;
  if (repo && options.commit && result.filesWritten > 0) {
    const done = await commitTracking({ repo, mlruns: options.mlruns, branch: options.commit.branch, message: describe(result, options.uri, history.revision), paths: result.changedPaths });
    commit = done?.commit ?? null;
  }
  return { ...result, source: options.uri, revision: history.revision, commit };
}
