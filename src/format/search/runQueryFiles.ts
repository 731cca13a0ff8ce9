/**
 * Which files of a run a run search reads to filter and sort: what a derived index must check
 * before it trusts its copy. Paths are relative to the run directory.
 */
import type { Run, RunInfo } from '../entities.js';
import { parseRunOrderBy } from './orderBy.js';
import { compileRunClause, parseRunFilter, translateKeyAlias } from './runFilter.js';
import { validateKey } from '../validation.js';

export interface RunQueryFiles {
  /** The query reads dataset inputs: every file of every run matters. */
  everything: boolean;
  /** Files besides meta.yaml (always read) that decide whether and where a run is listed. */
  files: string[];
  /** The same files split into their folder and key. */
  keys: QueryKey[];
  /**
   * The filter's clauses (all must hold), each with the files besides meta.yaml it reads and
   * whether it reads meta.yaml (an attribute): a run one clause rejects is out of the answer
   * whatever its other files say. A param, tag or metric comes from its own file alone.
   */
  clauses: { test: (run: Run) => boolean; files: string[]; readsMeta: boolean }[];
  /** The fields of a run's info the query reads: the view's, the base order's and its attributes'. */
  infoFields: (keyof RunInfo)[];
}

/** The info field behind each attribute MLflow's search names (after its alias rule). */
const ATTRIBUTE_FIELDS: Record<string, keyof RunInfo> = {
  run_id: 'runId', run_name: 'runName', status: 'status', user_id: 'userId',
  artifact_uri: 'artifactUri', start_time: 'startTime', end_time: 'endTime',
};

/** A file a query reads: `params/lr` is folder `params`, key `lr`. */
export interface QueryKey {
  path: string;
  folder: 'params' | 'tags' | 'metrics';
  key: string;
}

const FOLDER = { metric: 'metrics', param: 'params', tag: 'tags' } as const;

function termFiles({ type, key }: { type: string; key: string }): string[] {
  if (type === 'dataset') return [];
  // run_name falls back to the mlflow.runName tag when meta.yaml has none.
  if (type === 'attribute') return translateKeyAlias(key) === 'run_name' ? ['tags/mlflow.runName'] : [];
  // Both spellings: the key as written and as MLflow's alias rule reads it. A key no run can hold
  // (`../x`, an absolute path) names no file: a run lacks it, and nothing outside the run is read.
  const kind = type as keyof typeof FOLDER;
  return [...new Set([key, translateKeyAlias(key)])].filter((k) => isKey(kind, k)).map((k) => `${FOLDER[kind]}/${k}`);
}

function isKey(kind: keyof typeof FOLDER, key: string): boolean {
  try {
    validateKey(kind, key, { checkLength: false });
    return true;
  } catch {
    return false;
  }
}

export function runQueryFiles(filter: string | undefined, orderBy: readonly string[] | undefined): RunQueryFiles {
  const filterClauses = parseRunFilter(filter);
  const terms: { type: string; key: string }[] = [...filterClauses, ...parseRunOrderBy(orderBy)];
  const files = [...new Set(terms.flatMap(termFiles))];
  return {
    everything: terms.some((t) => t.type === 'dataset'),
    files,
    keys: files.map((path) => {
      const slash = path.indexOf('/');
      return { path, folder: path.slice(0, slash) as QueryKey['folder'], key: path.slice(slash + 1) };
    }),
    infoFields: [...new Set<keyof RunInfo>([
      'lifecycleStage', 'startTime', 'runId',
      ...terms.filter((t) => t.type === 'attribute').flatMap((t) => ATTRIBUTE_FIELDS[translateKeyAlias(t.key)] ?? Object.values(ATTRIBUTE_FIELDS)),
    ])],
    clauses: filterClauses.map((c) => ({ test: compileRunClause(c), files: termFiles(c), readsMeta: c.type === 'attribute' || c.type === 'dataset' })),
  };
}
