/**
 * Bring the mlruns directory from one tracking tree to another (after a pull): only paths whose
 * blobs differ are written, meta.yaml URIs are made local, and the empty folders git cannot store
 * (`metrics/`, `params/`, `artifacts/`, `tags/`, `.trash/`) are recreated. A local file changed
 * since the last commit is never overwritten: metric lines are merged, anything else is kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { META_FILE, RESERVED_EXPERIMENT_SUBDIRS, RUN_SUBDIRS, TRASH_DIR, MODELS_DIR } from '../format/layout.js';
import { writeAtomic } from '../store/fsWrite.js';
import { isMetaFile, localiseMeta } from './artifactUris.js';
import { lfsObjectPath, parseLfsPointer } from './lfs.js';
import { classify, mergeMetricLines } from './mergeRules.js';
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
    const old = x ? await blobBytes(x.oid, rel) : null;
    const next = y ? await blobBytes(y.oid, rel) : null;
    if (!same(local, old)) {
      if (local !== null && next !== null && classify(rel) === 'metric') {
        writeAtomic(abs, mergeMetricLines(old?.toString('utf8') ?? '', local.toString('utf8'), next.toString('utf8')), ownerDir(abs, rel));
        result.written++;
      } else if (!same(local, next)) result.keptLocal.push(rel);
      return;
    }
    if (next === null) {
      rmSync(abs, { force: true });
      result.removed++;
    } else {
      // Temp files go beside the key folder, never inside metrics/, params/ or tags/.
      writeAtomic(abs, next, ownerDir(abs, rel));
      result.written++;
    }
  };

  await walk('', from, to);
  ensureEmptyDirs(mlruns);
  return result;
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
