/**
 * One run as the index holds it: what the reader made of it (the run, or why it was skipped) and
 * the stat signature of every file and directory that answer came from, taken BEFORE the read, so
 * a write racing the read leaves a signature that no longer matches.
 */
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '../../format/entities.js';
import { parseInputMeta } from '../../format/datasetMeta.js';
import { ARTIFACTS_DIR, DATASETS_DIR, INPUTS_DIR, META_FILE, joinPath } from '../../format/layout.js';
import { MlrunsReader } from '../MlrunsReader.js';
import type { ReadWarning } from '../readWarnings.js';
import type { TreeReader } from '../TreeReader.js';
import { stamp } from './statSignature.js';

export interface CapturedRun {
  name: string;
  /** Null when the directory holds no run MLflow lists (the warnings say why, if anything). */
  run: Run | null;
  warnings: ReadWarning[];
  /**
   * A file changed so recently that a second write within the file system's timestamp
   * granularity could leave the same signature: not trusted, read again next time.
   */
  racy: boolean;
  /** Relative to the run directory: '' is the run directory, 'params/' a directory, 'params/lr' a file. */
  paths: string[];
  signatures: number[];
}

/** Two writes closer than this may share a ctime on a coarse clock; whole-second stamps get 2 s. */
export const RACY_MS = 20;
const RACY_WHOLE_SECOND_MS = 2000;

export async function captureRun(tree: TreeReader, root: string, experimentDir: string, experimentId: string, name: string, racyWindowMs = RACY_MS): Promise<CapturedRun> {
  const runRel = joinPath(experimentDir, name);
  const runAbs = join(root, runRel);
  const paths: string[] = [];
  const signatures: number[] = [];
  const ctimes: number[] = [];
  const add = (rel: string) => {
    const s = stamp(join(runAbs, rel));
    paths.push(rel);
    signatures.push(s.signature);
    ctimes.push(s.ctimeMs);
    return s;
  };
  const walk = (rel: string) => {
    if (!add(rel).isDir) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(join(runAbs, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (rel === '' && entry.name === ARTIFACTS_DIR) continue; // artifacts are not part of a run's data
      const child = `${rel}${entry.name}`;
      // A symlink is followed, as the reader does: its target says file or folder.
      const isDir = entry.isSymbolicLink() ? stamp(join(runAbs, child)).isDir : entry.isDirectory();
      if (isDir) walk(`${child}/`);
      else add(child);
    }
  };
  walk('');
  // An input names its dataset, which lives in the experiment: its meta is part of the answer too.
  for (const rel of [...paths]) {
    if (!rel.startsWith(`${INPUTS_DIR}/`) || !rel.endsWith(`/${META_FILE}`)) continue;
    try {
      const edge = parseInputMeta(readFileSync(join(runAbs, rel), 'utf8'), rel);
      add(`../${DATASETS_DIR}/${edge.sourceId}/${META_FILE}`);
    } catch {
      // a damaged edge: the read below reports it
    }
  }
  const warnings: ReadWarning[] = [];
  const reader = new MlrunsReader(tree, (w) => warnings.push(w));
  const run = await reader.readRunOrSkip({ experimentDir, dir: runRel }, experimentId);
  const readAt = Date.now();
  const racy = ctimes.some((c) => c > readAt - (c % 1000 === 0 ? RACY_WHOLE_SECOND_MS : racyWindowMs));
  return { name, run, warnings, racy, paths, signatures };
}
