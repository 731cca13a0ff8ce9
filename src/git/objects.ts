/**
 * Writing git objects directly as loose objects (zlib + SHA-1 from Node's core), which is several
 * times faster than a pure-JS deflate for the thousands of small files a run tree holds. Reading
 * stays with isomorphic-git, which also understands packfiles.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { faultPoint } from '../store/faultPoint.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export function hashObject(type: ObjectType, content: Uint8Array): string {
  const header = Buffer.from(`${type} ${content.length}\0`);
  return createHash('sha1').update(header).update(content).digest('hex');
}

/** Writes the object unless the repository has it loose already; returns its id. */
export function writeObject(gitdir: string, type: ObjectType, content: Uint8Array): string {
  const oid = hashObject(type, content);
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const path = join(dir, oid.slice(2));
  if (existsSync(path)) return oid;
  mkdirSync(dir, { recursive: true });
  const data = deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]), { level: 1 });
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

/** Git orders tree entries by name, comparing a tree's name as if it ended with '/'. */
function sortKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.mode === '40000' ? entry.name + '/' : entry.name);
}

export function formatTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  const parts: Buffer[] = [];
  for (const e of sorted) {
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex'));
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
