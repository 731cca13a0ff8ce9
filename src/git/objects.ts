/**
 * Writing git objects directly as loose objects (zlib + SHA-1 from Node's core), which is several
 * times faster than a pure-JS deflate for the thousands of small files a run tree holds. Reading
 * stays with isomorphic-git, which also understands packfiles.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { faultPoint } from '../store/faultPoint.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export function hashObject(type: ObjectType, content: Uint8Array): string {
  const header = Buffer.from(`${type} ${content.length}\0`);
  return createHash('sha1').update(header).update(content).digest('hex');
}

const commonDirs = new Map<string, string>();

/**
 * The git directory that holds the objects (and LFS's): a linked worktree's own git directory
 * (`.git/worktrees/<name>`) names it in its `commondir` file, as git itself reads it.
 */
export function commonGitDir(gitdir: string): string {
  let common = commonDirs.get(gitdir);
  if (common === undefined) {
    try {
      common = resolve(gitdir, readFileSync(join(gitdir, 'commondir'), 'utf8').trim());
    } catch {
      common = gitdir;
    }
    commonDirs.set(gitdir, common);
  }
  return common;
}

/** The objects folder of the repository whose git directory is `gitdir`. */
export function objectsDir(gitdir: string): string {
  return join(commonGitDir(gitdir), 'objects');
}

/** Writes the object unless the repository has it loose already; returns its id. */
export function writeObject(gitdir: string, type: ObjectType, content: Uint8Array): string {
  const oid = hashObject(type, content);
  const dir = join(objectsDir(gitdir), oid.slice(0, 2));
  const path = join(dir, oid.slice(2));
  if (existsSync(path)) return oid;
  mkdirSync(dir, { recursive: true });
  // Trees are mostly SHA-1 bytes, which do not compress: deflating the tree of an experiment with
  // 100,000 runs saves a quarter of its size at ten times the cost of storing it (git gc packs it).
  const data = deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]), { level: type === 'tree' ? 0 : 1 });
  // Write to a temp name and link into place: a killed process never leaves a torn object. The
  // name is git's own (`tmp_obj_*`): fsck ignores such files and gc removes stale ones.
  const tmp = join(dir, `tmp_obj_${process.pid}_${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, 'wx', 0o444);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  faultPoint('objects:before-link');
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return oid;
}

export interface TreeEntry {
  /** '100644' file, '100755' executable, '120000' symlink, '40000' tree, '160000' commit. */
  mode: string;
  name: string;
  oid: string;
}

/**
 * Git's order of tree entries (base_name_compare): by name bytes, a tree's name compared as if it
 * ended with '/'. Negative when `a` sorts first.
 */
function compareNames(a: Uint8Array, aIsTree: boolean, b: Uint8Array, bIsTree: boolean): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  const ca = a.length > n ? a[n]! : aIsTree ? 0x2f : 0;
  const cb = b.length > n ? b[n]! : bIsTree ? 0x2f : 0;
  return ca - cb;
}

export function formatTree(entries: TreeEntry[]): Buffer {
  const keyed = entries.map((e) => ({ e, name: Buffer.from(e.name), isTree: e.mode === '40000' }));
  keyed.sort((a, b) => compareNames(a.name, a.isTree, b.name, b.isTree));
  const parts: Buffer[] = [];
  for (const { e, name } of keyed) {
    parts.push(Buffer.from(`${e.mode} `), name, Buffer.from([0]), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export function parseTree(content: Uint8Array): TreeEntry[] {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    const nul = buf.indexOf(0, space);
    entries.push({
      mode: buf.toString('utf8', i, space),
      name: buf.toString('utf8', space + 1, nul),
      oid: buf.toString('hex', nul + 1, nul + 21),
    });
    i = nul + 21;
  }
  return entries;
}

/** Git's order between the name `raw[start, end)` of an entry and `key` (see compareNames), without copying either. */
function compareRawName(raw: Uint8Array, start: number, end: number, isTree: boolean, key: Uint8Array, keyIsTree: boolean): number {
  const len = end - start;
  const n = Math.min(len, key.length);
  for (let i = 0; i < n; i++) if (raw[start + i] !== key[i]) return raw[start + i]! - key[i]!;
  const ca = len > n ? raw[start + n]! : isTree ? 0x2f : 0;
  const cb = key.length > n ? key[n]! : keyIsTree ? 0x2f : 0;
  return ca - cb;
}

function sameName(raw: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (raw[start + i] !== key[i]) return false;
  return true;
}

/** Where one entry of a raw tree lies: its bytes are `raw[start, end)`, its name `raw[nameStart, nameEnd)`. */
interface RawEntry {
  start: number;
  nameStart: number;
  nameEnd: number;
  end: number;
}

/** One edit of a raw tree: the entry `name` set to `entry` (null: removed). */
export interface TreeEdit {
  name: string;
  entry: { mode: string; oid: string } | null;
}

interface Located {
  key: Buffer;
  keyIsTree: boolean;
  existing: RawEntry | null;
  insertAt: number;
}

/**
 * Finds, in one pass over a raw tree, the entry called each key and where an entry of that key
 * and kind would be inserted; stops once past all of them. Works on the bytes as they are and
 * allocates nothing per entry, so a tree of 100,000 runs costs one linear scan for all the keys.
 */
function locate(raw: Uint8Array, keys: { key: Buffer; keyIsTree: boolean }[]): Located[] {
  const found: Located[] = keys.map((k) => ({ ...k, existing: null, insertAt: -1 }));
  const done = (f: Located) => f.insertAt >= 0 && f.existing !== null;
  let i = 0;
  while (i < raw.length && !found.every(done)) {
    // The mode has five or six digits ('40000' for a tree, git writes no leading zero).
    const space = raw[i + 5] === 0x20 ? i + 5 : i + 6;
    const nul = raw.indexOf(0, space);
    const isTree = space - i === 5 && raw[i] === 0x34;
    const nameStart = space + 1;
    const named = found.find((f) => sameName(raw, nameStart, nul, f.key));
    if (named) named.existing = { start: i, nameStart, nameEnd: nul, end: nul + 21 };
    // New entries go before the first entry that stays (one no edit names) and sorts after them.
    else for (const f of found) if (f.insertAt < 0 && compareRawName(raw, nameStart, nul, isTree, f.key, f.keyIsTree) > 0) f.insertAt = i;
    // Both possible keys of a name (file and tree) sort at or before `name + '/'`: nothing after matters.
    for (const f of found) if (f.insertAt >= 0 && f.existing === null && compareRawName(raw, nameStart, nul, isTree, f.key, true) > 0) f.existing = NONE;
    i = nul + 21;
  }
  for (const f of found) {
    if (f.insertAt < 0) f.insertAt = raw.length;
    if (f.existing === NONE) f.existing = null;
  }
  return found;
}

/** Marks "scanned past the name, no such entry" while locating. */
const NONE: RawEntry = { start: -1, nameStart: -1, nameEnd: -1, end: -1 };

function entryAt(raw: Uint8Array, e: RawEntry): TreeEntry {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return { mode: buf.toString('utf8', e.start, e.nameStart - 1), name: buf.toString('utf8', e.nameStart, e.nameEnd), oid: buf.toString('hex', e.nameEnd + 1, e.end) };
}

/** The entry called `name` in a raw tree, or null. */
export function findTreeEntry(raw: Uint8Array, name: string): TreeEntry | null {
  const [{ existing }] = locate(raw, [{ key: Buffer.from(name), keyIsTree: true }]) as [Located];
  return existing ? entryAt(raw, existing) : null;
}

/**
 * A raw tree with the edits applied (each name at most once), everything else copied as it is,
 * in one pass. Returns `raw` itself when nothing changes.
 */
export function editTree(raw: Uint8Array, edits: TreeEdit[]): Uint8Array {
  const located = locate(raw, edits.map((e) => ({ key: Buffer.from(e.name), keyIsTree: e.entry?.mode === '40000' })));
  const unchanged = edits.every(({ entry }, n) => {
    const old = located[n]!.existing;
    if (!old || !entry) return !old && !entry;
    const current = entryAt(raw, old);
    return current.oid === entry.oid && current.mode === entry.mode;
  });
  if (unchanged) return raw;
  // Every named entry is cut out and every new one put in: the entries that stay keep their order.
  const cuts: { at: number; skip: number; add: Buffer | null; key: Buffer; isTree: boolean }[] = [];
  edits.forEach(({ entry }, n) => {
    const { key, keyIsTree, existing: old, insertAt } = located[n]!;
    if (old) cuts.push({ at: old.start, skip: old.end - old.start, add: null, key, isTree: keyIsTree });
    if (entry) cuts.push({ at: insertAt, skip: 0, add: Buffer.concat([Buffer.from(`${entry.mode} `), key, Buffer.from([0]), Buffer.from(entry.oid, 'hex')]), key, isTree: keyIsTree });
  });
  // By position; at one position removals first, then new entries in git's order.
  cuts.sort((a, b) => a.at - b.at || b.skip - a.skip || compareNames(a.key, a.isTree, b.key, b.isTree));
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(raw.subarray(from, cut.at));
    if (cut.add) pieces.push(cut.add);
    from = Math.max(from, cut.at + cut.skip);
  }
  pieces.push(raw.subarray(from));
  return Buffer.concat(pieces);
}

export const EMPTY_TREE = hashObject('tree', new Uint8Array());

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** e.g. '+0100'. */
  timezone: string;
}

export function formatSignature(s: Signature): string {
  return `${s.name} <${s.email}> ${s.timestamp} ${s.timezone}`;
}

export function formatCommit(commit: { tree: string; parents: string[]; author: Signature; committer: Signature; message: string }): Buffer {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`), `author ${formatSignature(commit.author)}`, `committer ${formatSignature(commit.committer)}`, '', commit.message];
  const text = lines.join('\n');
  return Buffer.from(text.endsWith('\n') ? text : text + '\n');
}
