/**
 * Stat stamps of a run's source files, so an incremental site build (spec/site.md, "Incremental
 * builds") rebuilds only runs that changed. Every file below the run directory counts (size, mtime,
 * ctime, inode, mode), because MLflow's writers rewrite tags in place and append metric lines,
 * neither of which changes a directory's mtime; params are the exception (IMMUTABLE_DIR). A directory whose own stat is unchanged still holds
 * the same names (creating, removing or renaming an entry changes it), so its listing is taken from
 * the previous build instead of read again: one lstat instead of a readdir.
 *
 * A stamp is the stat numbers themselves, in walk order, not a hash of them: comparing it with the
 * previous build's is exact (no collision can hide a change) and allocates nothing while it agrees,
 * which matters at 200,000 lstats a build.
 *
 * No stamp (the run is rebuilt every time) for a symlink or anything that is not a plain file or
 * directory, so a copy made while it was safe never outlives the change that made it unsafe; nor for
 * an entry modified within RACY_MS of being signed, whose next change could fall in the same
 * timestamp tick and go unseen (git's "racily clean" entries).
 */
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

/** In `dirs`: the walked root does not exist; a directory whose names are not listed (params). */
export const MISSING = -1;
export const UNLISTED = -2;

/**
 * What a tree looked like: for each directory in walk order its names (an id in NameLists, or
 * MISSING / UNLISTED), and the stat numbers, 4 per directory (mtime, ctime, inode, mode) and 5 per
 * file (size, mtime, ctime, inode, mode), in the same order.
 */
export interface TreeStamp {
  dirs: Int32Array;
  stats: Float64Array;
}

/**
 * Directory listings (names sorted, directories with a trailing `/`), interned: the runs of an
 * experiment mostly share theirs, so the build state keeps each distinct one once.
 */
export class NameLists {
  readonly lists: string[][] = [];
  private readonly ids = new Map<string, number>();

  constructor(lists: string[][] = []) {
    for (const list of lists) this.intern(list);
  }

  intern(names: string[]): number {
    const key = names.join('\0');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.lists.length;
      this.lists.push(names);
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): string[] {
    return this.lists[id]!;
  }
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

const NO_THROW = { throwIfNoEntry: false } as const;

/** Growable scratch buffers, reused by every walk: a stamp that agrees with the previous is never copied. */
let dirBuf = new Int32Array(64);
let statBuf = new Float64Array(1024);

class Walk {
  d = 0;
  s = 0;
  /** Everything walked so far equals the previous stamp (so its listings may be reused). */
  same: boolean;
  constructor(
    readonly previous: TreeStamp | undefined,
    readonly lists: NameLists,
    readonly racyAfter: number,
  ) {
    this.same = previous !== undefined;
  }

  dir(value: number): void {
    if (this.d === dirBuf.length) {
      const grown = new Int32Array(dirBuf.length * 2);
      grown.set(dirBuf);
      dirBuf = grown;
    }
    if (this.same && this.previous!.dirs[this.d] !== value) this.same = false;
    dirBuf[this.d++] = value;
  }

  stat(a: number, b: number, c: number, d: number, e?: number): void {
    if (this.s + 5 > statBuf.length) {
      const grown = new Float64Array(statBuf.length * 2);
      grown.set(statBuf);
      statBuf = grown;
    }
    const s = this.s;
    statBuf[s] = a;
    statBuf[s + 1] = b;
    statBuf[s + 2] = c;
    statBuf[s + 3] = d;
    let n = 4;
    if (e !== undefined) {
      statBuf[s + 4] = e;
      n = 5;
    }
    this.s += n;
    if (this.same) {
      const p = this.previous!.stats;
      if (s + n > p.length || p[s] !== a || p[s + 1] !== b || p[s + 2] !== c || p[s + 3] !== d || (n === 5 && p[s + 4] !== e)) this.same = false;
    }
  }

  /** The next directory's listing in the previous stamp, while everything so far agreed with it. */
  previousList(): number | null {
    return this.same && this.d < this.previous!.dirs.length ? this.previous!.dirs[this.d]! : null;
  }
}

/** Adds every entry below `dir` to the walk; false when one cannot be signed. */
function signDir(w: Walk, dir: string, top: boolean): boolean {
  const st = lstatSync(dir, NO_THROW);
  if (!st) {
    w.dir(MISSING);
    return true;
  }
  if (!st.isDirectory() || st.mtimeMs > w.racyAfter) return false;
  w.stat(st.mtimeMs, st.ctimeMs, st.ino, st.mode);
  const known = w.previousList();
  let id: number;
  let list: string[] | null;
  if (known !== null && known >= 0) {
    id = known;
    list = w.lists.get(known);
  } else {
    list = names(dir);
    if (!list) return false;
    id = w.lists.intern(list);
  }
  w.dir(id);
  for (const name of list) {
    if (name.charCodeAt(name.length - 1) === 47 /* '/' */) {
      const sub = `${dir}/${name.slice(0, -1)}`;
      if (top && name === `${IMMUTABLE_DIR}/`) {
        const p = lstatSync(sub, NO_THROW);
        if (!p?.isDirectory() || p.mtimeMs > w.racyAfter) return false;
        w.stat(p.mtimeMs, p.ctimeMs, p.ino, p.mode);
        w.dir(UNLISTED);
        continue;
      }
      if (!signDir(w, sub, false)) return false;
      continue;
    }
    const f = lstatSync(`${dir}/${name}`, NO_THROW);
    if (!f?.isFile() || f.mtimeMs > w.racyAfter) return false;
    w.stat(f.size, f.mtimeMs, f.ctimeMs, f.ino, f.mode);
  }
  return true;
}

/**
 * The stamp of everything below `dir` (absolute), or null when it cannot be signed. `same` is true
 * when it equals `previous` (then `stamp` is `previous` itself: nothing is copied).
 */
export function stampTree(dir: string, previous: TreeStamp | undefined, lists: NameLists, now = Date.now()): { stamp: TreeStamp | null; same: boolean } {
  const w = new Walk(previous, lists, now - RACY_MS);
  if (!signDir(w, dir, true)) return { stamp: null, same: false };
  if (w.same && w.d === previous!.dirs.length && w.s === previous!.stats.length) return { stamp: previous!, same: true };
  return { stamp: { dirs: dirBuf.slice(0, w.d), stats: statBuf.slice(0, w.s) }, same: false };
}
