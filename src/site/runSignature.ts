/**
 * Stat signatures of a run's source files, so an incremental site build (spec/site.md, "Incremental
 * builds") rebuilds only runs that changed. Every file below the run directory counts (size, mtime
 * and ctime in ns, inode, mode), because MLflow's writers rewrite tags in place and append metric
 * lines, neither of which changes a directory's mtime. A symlink or anything that is not a plain
 * file or directory gives no signature: such a run is rebuilt every time, so a copy made while it
 * was safe never outlives the change that made it unsafe.
 */
import { createHash, type Hash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Adds every entry below `dir` to `hash`; false when one cannot be signed. */
function signTree(hash: Hash, dir: string, rel: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    hash.update(`${rel}\0missing\n`);
    return true;
  }
  for (const name of names) {
    const abs = join(dir, name);
    const path = rel ? `${rel}/${name}` : name;
    let s;
    try {
      s = lstatSync(abs, { bigint: true });
    } catch {
      return false;
    }
    if (s.isDirectory()) {
      hash.update(`${path}/\n`);
      if (!signTree(hash, abs, path)) return false;
    } else if (s.isFile()) {
      hash.update(`${path}\0${s.size}\0${s.mtimeNs}\0${s.ctimeNs}\0${s.ino}\0${s.mode}\n`);
    } else return false;
  }
  return true;
}

/** The signature of the files below `dirs` (absolute), or null when they cannot be signed. */
export function treeSignature(...dirs: string[]): string | null {
  const hash = createHash('sha1');
  for (const dir of dirs) {
    hash.update(`${dir}\n`);
    if (!signTree(hash, dir, '')) return null;
  }
  return hash.digest('hex');
}
