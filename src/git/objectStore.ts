/** Reading objects of the user's repository (loose or packed) through isomorphic-git, with a shared cache. */
import * as fs from 'node:fs';
import { fail } from '../format/errors.js';
import { parseTree, type TreeEntry } from './objects.js';

type IsomorphicGit = typeof import('isomorphic-git')['default'];
let loading: Promise<IsomorphicGit> | null = null;

/** isomorphic-git is loaded on first use: it is the biggest module, and most commands never read git objects. */
function isomorphicGit(): Promise<IsomorphicGit> {
  loading ??= import('isomorphic-git').then((m) => m.default);
  return loading;
}

export class ObjectReader {
  private readonly cache = {};
  private readonly trees = new Map<string, TreeEntry[]>();

  constructor(readonly gitdir: string) {}

  async tree(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid);
    if (!entries) {
      const git = await isomorphicGit();
      const { object, type } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.cache });
      if (type !== 'tree') throw fail('INVALID_STATE', `git object ${oid} is a ${type}, not a tree`);
      entries = parseTree(object as Uint8Array);
      this.trees.set(oid, entries);
    }
    return entries;
  }

  async blob(oid: string): Promise<Uint8Array> {
    const git = await isomorphicGit();
    const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache });
    return blob;
  }

  async commit(oid: string): Promise<{ tree: string; parents: string[]; message: string; author: { name: string; email: string; timestamp: number } }> {
    const git = await isomorphicGit();
    const { commit } = await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache });
    return { tree: commit.tree, parents: commit.parent, message: commit.message, author: commit.author };
  }

  /** The entry at `path` (POSIX, relative to `treeOid`), or null. */
  async entry(treeOid: string, path: string): Promise<TreeEntry | null> {
    let current: TreeEntry = { mode: '40000', name: '', oid: treeOid };
    for (const part of path.split('/').filter(Boolean)) {
      if (current.mode !== '40000') return null;
      const next = (await this.tree(current.oid)).find((e) => e.name === part);
      if (!next) return null;
      current = next;
    }
    return current;
  }
}
