/**
 * Stat signatures of a run's source files, so an incremental site build (spec/site.md, "Incremental
 * builds") rebuilds only runs that changed. Every file below the run directory counts (size, mtime,
 * ctime, inode, mode), because MLflow's writers rewrite tags in place and append metric lines,
 * neither of which changes a directory's mtime; params are the exception (IMMUTABLE_DIR). A directory whose own stat is unchanged still holds
 * the same names (creating, removing or renaming an entry changes it), so its listing is taken from
 * the previous build instead of read again: one lstat instead of a readdir.
 *
 * No signature (the run is rebuilt every time) for a symlink or anything that is not a plain file or
 * directory, so a copy made while it was safe never outlives the change that made it unsafe; nor for
 * an entry modified within RACY_MS of being signed, whose next change could fall in the same
 * timestamp tick and go unseen (git's "racily clean" entries).
 */
import { createHash, type Hash } from 'node:crypto';
import { lstatSync, readdirSync, type Dirent } from 'node:fs';

/**
 * A run's params are written once (MLflow refuses to change a param's value; logging the same value
 * again rewrites the same bytes), so the directory's own stat, which changes when a param file is
 * added, removed or replaced by a new file (git checkout, `sed -i`, an editor's save-as-rename),
 * stands for its files: over half the lstat calls of a typical run saved. Only rewriting a param
 * file's bytes in place by hand goes unseen; a full build (`site build --full`) reads it.
 */
const IMMUTABLE_DIR = 'params';

/** Above the timestamp granularity of common file systems (a few ms on ext4). */
export const RACY_MS = 100;

/** A directory's stamp and names (directories with a trailing `/`), by path relative to the run. */
export type Listing = Record<string, [stamp: string, names: string[]]>;

interface Signing {
  hash: Hash;
  previous: Listing | undefined;
  listing: Listing;
  racyAfter: number;
}

function names(dir: string): string[] | null {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) out.push(`${e.name}/`);
    else if (e.isFile()) out.push(e.name);
    else return null;
  }
  return out.sort();
}

/** Adds every entry below `dir` to the hash; false when one cannot be signed. */
function signDir(s: Signing, dir: string, rel: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) {
    s.hash.update(`${rel}\0missing\n`);
    return true;
  }
  if (!st.isDirectory() || st.mtimeMs > s.racyAfter) return false;
  const stamp = `${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  const known = s.previous?.[rel];
  const list = (known && known[0] === stamp) || rel === IMMUTABLE_DIR ? known?.[1] ?? [] : names(dir);
  if (!list) return false;
  s.hash.update(`${rel}/\0${stamp}\n`);
  if (rel === IMMUTABLE_DIR) {
    s.listing[rel] = [stamp, []];
    return true;
  }
  s.listing[rel] = [stamp, list];
  for (const name of list) {
    const path = rel ? `${rel}/${name}` : name;
    if (name.endsWith('/')) {
      if (!signDir(s, `${dir}/${name.slice(0, -1)}`, path.slice(0, -1))) return false;
      continue;
    }
    const f = lstatSync(`${dir}/${name}`, { throwIfNoEntry: false });
    if (!f?.isFile() || f.mtimeMs > s.racyAfter) return false;
    s.hash.update(`${path}\0${f.size}\0${f.mtimeMs}\0${f.ctimeMs}\0${f.ino}\0${f.mode}\n`);
  }
  return true;
}

/**
 * The signature of everything below `dir` (absolute) and its listing for the next build, or a null
 * signature when it cannot be signed. `previous` is the listing the last build recorded.
 */
export function treeSignature(dir: string, previous?: Listing): { signature: string | null; listing: Listing } {
  const s: Signing = { hash: createHash('sha1'), previous, listing: {}, racyAfter: Date.now() - RACY_MS };
  return signDir(s, dir, '') ? { signature: s.hash.digest('hex'), listing: s.listing } : { signature: null, listing: {} };
}
