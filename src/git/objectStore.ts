/**
 * Reading objects of the user's repository: loose ones and whole ones in a pack with Node's zlib,
 * deltas (packs fetched from a remote) through isomorphic-git, with a shared cache.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { fail } from '../format/errors.js';
import { objectsDir, commonGitDir, parseTree, type TreeEntry } from './objects.js';
import { PackIndex } from './packIndex.js';
import { RawTree } from './rawTree.js';

type IsomorphicGit = typeof import('isomorphic-git')['default'];
let loading: Promise<IsomorphicGit> | null = null;

/** isomorphic-git is loaded on first use: it is the biggest module, and most commands never read git objects. */
function isomorphicGit(): Promise<IsomorphicGit> {
  loading ??= import('isomorphic-git').then((m) => m.default);
  return loading;
}

/** A commit object's text: its header lines (a line starting with a space continues the one before), a blank line, the message. */
function parseCommit(text: string): { tree: string; parents: string[]; message: string; author: { name: string; email: string; timestamp: number } } {
  const end = text.indexOf('\n\n');
  const header = end < 0 ? text : text.slice(0, end);
  const parents: string[] = [];
  let tree = '';
  let author = { name: '', email: '', timestamp: 0 };
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const m = /^author (.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line);
      if (m) author = { name: m[1]!, email: m[2]!, timestamp: Number(m[3]) };
    }
  }
  return { tree, parents, message: end < 0 ? '' : text.slice(end + 2), author };
}

/** Pack entry types stored whole (6 and 7 are deltas). */
const PACKED_TYPES: Record<number, string> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

export class ObjectReader {
  private readonly cache = {};
  private readonly rawTrees = new Map<string, RawTree>();
  private readonly trees = new Map<string, TreeEntry[]>();
  /** The repository's packs, listed at the first object that is not loose. */
  private packs: { index: PackIndex; path: string }[] | null = null;

  constructor(readonly gitdir: string) {}

  /** An object of this repository read by Node itself, loose or whole in a pack; null for the rest (isomorphic-git reads them). */
  private local(oid: string): { type: string; content: Buffer } | null {
    return this.loose(oid) ?? this.packed(oid);
  }

  /**
   * An object stored whole (not as a delta) in one of the packs, as the packs mltrack writes hold
   * them, inflated by Node's zlib; null when it is not, or when anything about it looks wrong.
   */
  private packed(oid: string): { type: string; content: Buffer } | null {
    if (!this.packs) {
      const dir = join(objectsDir(this.gitdir), 'pack');
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.idx'));
      } catch {
        // No pack folder: nothing packed.
      }
      this.packs = [];
      for (const name of names) {
        const index = PackIndex.readIfValid(join(dir, name));
        if (index) this.packs.push({ index, path: join(dir, `${name.slice(0, -4)}.pack`) });
      }
    }
    const key = Buffer.from(oid, 'hex');
    for (const { index, path } of this.packs) {
      let offset: number | null;
      try {
        offset = index.offsetOf(key);
      } catch {
        return null;
      }
      if (offset === null) continue;
      let fd: number | null = null;
      try {
        fd = fs.openSync(path, 'r');
        // The entry's header: its type in 3 bits, its size 4 bits then 7 a byte, low bits first.
        const head = Buffer.allocUnsafe(16);
        const n = fs.readSync(fd, head, 0, head.length, offset);
        let byte = head[0]!;
        const type = PACKED_TYPES[(byte >> 4) & 7];
        let size = byte & 0x0f;
        let i = 1;
        for (let shift = 4; byte & 0x80; shift += 7) {
          if (i >= n) return null;
          byte = head[i++]!;
          size += (byte & 0x7f) * 2 ** shift;
        }
        // A delta needs its base: isomorphic-git resolves those.
        if (!type) return null;
        // deflate expands at most about 1032 to 1: a size the rest of the pack cannot hold is a
        // damaged or forged header, never a reason to allocate that much.
        if (size > (fs.fstatSync(fd).size - offset) * 1032 + 64) return null;
        // zlib's output is at most this much bigger than its input (deflateBound); the rest of the pack after it is ignored.
        const room = Buffer.allocUnsafe(size + (size >>> 10) + 64);
        const got = fs.readSync(fd, room, 0, room.length, offset + i);
        // The size is known: one output chunk of just that size (zlib's smallest is 64 bytes).
        const content = inflateSync(room.subarray(0, got), { chunkSize: Math.max(64, size) });
        return content.length === size ? { type, content } : null;
      } catch {
        return null;
      } finally {
        if (fd !== null) fs.closeSync(fd);
      }
    }
    return null;
  }

  /**
   * A loose object through Node's zlib (isomorphic-git's JavaScript inflate is several times slower
   * on a tree of 100,000 runs); null when the object is not loose (packed, or missing).
   */
  private loose(oid: string): { type: string; content: Buffer } | null {
    let data: Buffer;
    try {
      const file = fs.readFileSync(join(objectsDir(this.gitdir), oid.slice(0, 2), oid.slice(2)));
      // Output in chunks at least the file's size: a big tree (stored, not deflated) comes out in one, not 16 KiB pieces joined after.
      data = inflateSync(file, { chunkSize: Math.max(16 * 1024, file.length + 64) });
      // A small object is a slice of that chunk: copied, so that keeping it (trees are cached) does not keep the chunk.
      if (data.buffer.byteLength > 2 * data.length + 1024) data = Buffer.from(data);
    } catch {
      return null;
    }
    const nul = data.indexOf(0);
    return { type: data.toString('latin1', 0, data.indexOf(0x20)), content: data.subarray(nul + 1) };
  }

  /** A tree's bytes as git stores them, with the index that finds a name by binary search (see RawTree). */
  async indexedTree(oid: string): Promise<RawTree> {
    let tree = this.rawTrees.get(oid);
    if (!tree) {
      let object = this.local(oid);
      if (!object) {
        const git = await isomorphicGit();
        const read = await git.readObject({ fs, gitdir: commonGitDir(this.gitdir), oid, format: 'content', cache: this.cache });
        object = { type: read.type, content: Buffer.from(read.object as Uint8Array) };
      }
      if (object.type !== 'tree') throw fail('INVALID_STATE', `git object ${oid} is a ${object.type}, not a tree`);
      tree = new RawTree(object.content);
      this.rawTrees.set(oid, tree);
    }
    return tree;
  }

  async rawTree(oid: string): Promise<Uint8Array> {
    return (await this.indexedTree(oid)).bytes;
  }

  /**
   * A tree this process has just written, so that reading it back costs nothing. Only for bytes
   * whose id was computed from them (as writing does): the id then names exactly these bytes.
   */
  remember(oid: string, tree: RawTree): void {
    this.rawTrees.set(oid, tree);
  }

  async tree(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid);
    if (!entries) {
      entries = parseTree(await this.rawTree(oid));
      this.trees.set(oid, entries);
    }
    return entries;
  }

  /** The entry `name` of a tree, found in its bytes without parsing the rest. */
  async child(treeOid: string, name: string): Promise<TreeEntry | null> {
    return (await this.indexedTree(treeOid)).find(name);
  }

  async blob(oid: string): Promise<Uint8Array> {
    const object = this.local(oid);
    if (object?.type === 'blob') return object.content;
    const git = await isomorphicGit();
    const { blob } = await git.readBlob({ fs, gitdir: commonGitDir(this.gitdir), oid, cache: this.cache });
    return blob;
  }

  async commit(oid: string): Promise<{ tree: string; parents: string[]; message: string; author: { name: string; email: string; timestamp: number } }> {
    const object = this.local(oid);
    if (object?.type === 'commit') return parseCommit(object.content.toString('utf8'));
    const git = await isomorphicGit();
    const { commit } = await git.readCommit({ fs, gitdir: commonGitDir(this.gitdir), oid, cache: this.cache });
    return { tree: commit.tree, parents: commit.parent, message: commit.message, author: commit.author };
  }

  /** The entry at `path` (POSIX, relative to `treeOid`), or null. */
  async entry(treeOid: string, path: string): Promise<TreeEntry | null> {
    let current: TreeEntry = { mode: '40000', name: '', oid: treeOid };
    for (const part of path.split('/').filter(Boolean)) {
      if (current.mode !== '40000') return null;
      const next = await this.child(current.oid, part);
      if (!next) return null;
      current = next;
    }
    return current;
  }
}
