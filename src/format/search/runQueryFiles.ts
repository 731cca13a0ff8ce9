/**
 * Which files of a run a run search reads to filter and sort: what a derived index must check
 * before it trusts its copy. Paths are relative to the run directory.
 */
import { parseRunOrderBy } from './orderBy.js';
import { parseRunFilter, translateKeyAlias } from './runFilter.js';

export interface RunQueryFiles {
  /** The query reads dataset inputs: every file of every run matters. */
  everything: boolean;
  /** Files besides meta.yaml (always read) that decide whether and where a run is listed. */
  files: string[];
}

const FOLDER = { metric: 'metrics', param: 'params', tag: 'tags' } as const;

export function runQueryFiles(filter: string | undefined, orderBy: readonly string[] | undefined): RunQueryFiles {
  const terms: { type: string; key: string }[] = [...parseRunFilter(filter), ...parseRunOrderBy(orderBy)];
  const files = new Set<string>();
  let everything = false;
  for (const { type, key } of terms) {
    if (type === 'dataset') everything = true;
    else if (type === 'attribute') {
      // run_name falls back to the mlflow.runName tag when meta.yaml has none.
      if (translateKeyAlias(key) === 'run_name') files.add('tags/mlflow.runName');
    } else {
      // Both spellings: the key as written and as MLflow's alias rule reads it.
      const folder = FOLDER[type as keyof typeof FOLDER];
      files.add(`${folder}/${key}`).add(`${folder}/${translateKeyAlias(key)}`);
    }
  }
  return { everything, files: [...files] };
}
