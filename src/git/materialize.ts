/**
 * Bring the mlruns directory from one tracking tree to another (during a pull, before the branch
 * moves): only paths whose blobs differ are written, meta.yaml URIs are made local, and the empty
 * folders git cannot store (`metrics/`, `params/`, `artifacts/`, `tags/`, `.trash/`) are recreated.
 * A local file changed since the last commit is never overwritten: anything but a metric is kept.
 *
 * Every step is idempotent, so a pull killed half-way and run again converges (spec/git-layout.md,
 * "Pull"): a file already as wanted is skipped, and a metric file only ever gains the lines it
 * lacks, appended with one write() (a training job may be appending to it right now).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { META_FILE, RESERVED_EXPERIMENT_SUBDIRS, RUN_SUBDIRS, TRASH_DIR, MODELS_DIR } from '../format/layout.js';
import { fail, isMltrackError } from '../format/errors.js';
import { faultPoint } from '../store/faultPoint.js';
import { appendOnce, writeAtomic } from '../store/fsWrite.js';
import { isMetaFile, localiseMeta } from './artifactUris.js';
import { lfsObjectPath, parseLfsPointer } from './lfs.js';
import { classify, metricLines, missingLines } from './mergeRules.js';
import { isArtifactPath } from './snapshotTree.js';
import type { ObjectReader } from './objectStore.js';
import type { TreeEntry } from './objects.js';

export interface MaterializeResult {
  written: number;
  removed: number;
  /** Local changes made after the last commit that were kept instead of overwritten. */
  keptLocal: string[];
  /** Large artifacts whose LFS content is not here (the pointer was written instead). */
  missingLfs: string[];
}

function readLocal(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

const same = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));

export async function materialize(objects: ObjectReader, mlruns: string, from: string | null, to: string | null): Promise<MaterializeResult> {
  const result: MaterializeResult = { written: 0, removed: 0, keptLocal: [], missingLfs: [] };
  // Bytes as they should be on disk: meta.yaml files get this tree's own root in their URIs.
  // Large artifacts are LFS pointers in the tree: their content comes from the LFS object store.
  const blobBytes = async (oid: string, rel: string): Promise<Buffer> => {
    const bytes = Buffer.from(await objects.blob(oid));
    if (isMetaFile(rel)) return Buffer.from(localiseMeta(bytes.toString('utf8'), mlruns));
    const pointer = isArtifactPath(rel) ? parseLfsPointer(bytes) : null;
    if (pointer) {
      const object = lfsObjectPath(objects.gitdir, pointer.oid);
      if (existsSync(object)) return readFileSync(object);
      if (!result.missingLfs.includes(rel)) result.missingLfs.push(rel);
    }
    return bytes;
  };

  const walk = async (rel: string, a: string | null, b: string | null): Promise<void> => {
    const before = new Map((a ? await objects.tree(a) : []).map((e) => [e.name, e]));
    const after = new Map((b ? await objects.tree(b) : []).map((e) => [e.name, e]));
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const x: TreeEntry | undefined = before.get(name);
      const y: TreeEntry | undefined = after.get(name);
      if (x?.oid === y?.oid) continue;
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = join(mlruns, childRel);
      const xTree = x?.mode === '40000';
      const yTree = y?.mode === '40000';
      if (xTree || yTree) {
        await walk(childRel, xTree ? x!.oid : null, yTree ? y!.oid : null);
        if (x && !xTree) await syncFile(childRel, abs, x, undefined);
        if (y && !yTree) await syncFile(childRel, abs, undefined, y);
        continue;
      }
      await syncFile(childRel, abs, x, y);
    }
  };

  const syncFile = async (rel: string, abs: string, x: TreeEntry | undefined, y: TreeEntry | undefined) => {
    const local = readLocal(abs);
    const next = y ? await blobBytes(y.oid, rel) : null;
    if (same(local, next)) return; // already as wanted (a pull run again after a crash)
    const old = x ? await blobBytes(x.oid, rel) : null;
    try {
      if (local !== null && next !== null && classify(rel) === 'metric') {
        if (updateMetric(mlruns, rel, abs, local, next, same(local, old))) result.written++;
        faultPoint('pull:append');
        return;
      }
      if (!same(local, old)) {
        result.keptLocal.push(rel);
        return;
      }
      if (next === null) {
        rmSync(abs, { force: true });
        result.removed++;
        faultPoint('pull:remove');
      } else {
        // Temp files go beside the key folder, never inside metrics/, params/ or tags/.
        writeAtomic(abs, next, ownerDir(abs, rel));
        result.written++;
        faultPoint('pull:file');
      }
    } catch (err) {
      if (isMltrackError(err)) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw fail('IO_ERROR', `Could not write mlruns/${rel} (${code}): the pull stopped before moving the tracking branch; move that entry away and pull again`, { path: rel, errno: code });
    }
  };

  await walk('', from, to);
  ensureEmptyDirs(mlruns);
  return result;
}

/**
 * Give a local metric file the lines of `next` it lacks. When `next` extends the file, or the run
 * is live (a process may be appending), the lines are appended in one write(); otherwise (a run
 * that has ended) the file is replaced by `next` plus any local lines it lacks, so every clone
 * converges on the committed order. Returns whether anything was written.
 */
function updateMetric(mlruns: string, rel: string, abs: string, local: Buffer, next: Buffer, unchangedSinceCommit: boolean): boolean {
  const localText = local.toString('utf8');
  const nextText = next.toString('utf8');
  // A file whose last line lacks its newline gets it back first, so no two lines are glued.
  const sep = localText !== '' && !localText.endsWith('\n') ? '\n' : '';
  if (sep === '' && nextText.startsWith(localText)) {
    appendOnce(abs, nextText.slice(localText.length));
    return true;
  }
  const have = metricLines(localText);
  const add = missingLines(metricLines(nextText), have);
  if (isLiveRun(mlruns, rel)) {
    if (add.length === 0 && sep === '') return false;
    // appendOnce restores the missing final newline itself, in the same write().
    appendOnce(abs, add.map((line) => `${line}\n`).join(''));
    return true;
  }
  const extra = unchangedSinceCommit ? [] : missingLines(have, metricLines(nextText));
  const text = [...metricLines(nextText), ...extra].map((line) => `${line}\n`).join('');
  if (text === localText) return false;
  writeAtomic(abs, text, ownerDir(abs, rel));
  return true;
}

/** Whether the run holding this metric is RUNNING or SCHEDULED here (or its meta is unreadable). */
function isLiveRun(mlruns: string, rel: string): boolean {
  const parts = rel.split('/');
  const at = parts.indexOf('metrics');
  const meta = readLocal(join(mlruns, ...parts.slice(0, at), META_FILE));
  const status = meta ? /^status: *(\d+)/m.exec(meta.toString('utf8')) : null;
  return !status || status[1] === '1' || status[1] === '2';
}

function ownerDir(abs: string, rel: string): string {
  const parts = rel.split('/');
  const keyFolder = parts.findIndex((p, i) => i > 0 && (p === 'metrics' || p === 'params' || p === 'tags'));
  if (keyFolder < 0) return dirname(abs);
  const depth = parts.length - keyFolder;
  let dir = abs;
  for (let i = 0; i < depth; i++) dir = dirname(dir);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Every run directory gets the folders MLflow 3.x requires, and the root gets `.trash/`. */
export function ensureEmptyDirs(mlruns: string): void {
  mkdirSync(join(mlruns, TRASH_DIR), { recursive: true });
  const experimentDirs = (dir: string) => (existsSync(dir) ? readdirNames(dir).filter((n) => n !== TRASH_DIR && n !== MODELS_DIR).map((n) => join(dir, n)) : []);
  for (const experiment of [...experimentDirs(mlruns), ...experimentDirs(join(mlruns, TRASH_DIR))]) {
    for (const run of readdirNames(experiment)) {
      if (RESERVED_EXPERIMENT_SUBDIRS.has(run) || !existsSync(join(experiment, run, META_FILE))) continue;
      for (const sub of RUN_SUBDIRS) mkdirSync(join(experiment, run, sub), { recursive: true });
    }
  }
}


function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
