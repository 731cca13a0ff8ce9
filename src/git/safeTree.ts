/**
 * Trees read from git objects are untrusted input: a teammate, or anyone who can push, wrote them,
 * and plain ssh or shared-disk remotes accept names that git hosts refuse. Before anything is read
 * into a path or written, every entry of a tracking tree is checked here: one plain name (no `.`,
 * `..`, `/`, NUL, nothing git itself would treat as `.git`), a regular file or a folder (no
 * symlinks, no gitlinks), and a bounded size. An unsafe tree is refused whole, naming the path.
 */
import { spawnSync } from 'node:child_process';
import { fail } from '../format/errors.js';
import type { ObjectReader } from './objectStore.js';
import type { TreeEntry } from './objects.js';

/** Modes a tracking tree may hold: files, executable files, folders. */
export const SAFE_MODES: ReadonlySet<string> = new Set(['100644', '100755', '40000']);

export interface TreeLimits {
  /** Largest blob accepted (bytes). */
  maxBlobBytes: number;
  /** Most entries in the whole tree. */
  maxEntries: number;
  /** Deepest folder nesting below the root. */
  maxDepth: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = {
  maxBlobBytes: 2 * 1024 ** 3,
  maxEntries: 50_000_000,
  maxDepth: 64,
};

/**
 * Why `name` is not a safe single path component, or null. `.git` is refused in any case and with
 * the trailing dots and spaces Windows drops, and so is NTFS's short name `git~1`.
 */
export function unsafeNameReason(name: string): string | null {
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return `the name ${JSON.stringify(name)}`;
  if (name.includes('/')) return 'a "/" inside a name';
  if (name.includes('\\')) return 'a "\\" inside a name';
  if (name.includes('\0')) return 'a NUL byte inside a name';
  const folded = name.toLowerCase().replace(/[. ]+$/, '');
  if (folded === '.git' || folded === 'git~1') return 'a name git treats as its own folder';
  return null;
}

/** Throws UNSAFE_TREE unless the entry is safe to place at `path` (its POSIX path, for the message). */
export function checkTreeEntry(entry: TreeEntry, path: string): void {
  const reason = unsafeNameReason(entry.name);
  if (reason) throw unsafe(path, reason);
  if (!SAFE_MODES.has(entry.mode)) {
    const what = entry.mode === '120000' ? 'a symlink' : entry.mode === '160000' ? 'a gitlink (submodule)' : `mode ${entry.mode}`;
    throw unsafe(path, what);
  }
}

function unsafe(path: string, reason: string) {
  return fail('UNSAFE_TREE', `Refused a tree from git: ${JSON.stringify(path)} is ${reason}; nothing was written`, { path, reason });
}

/**
 * Walks the whole tree below `treeOid` and throws UNSAFE_TREE at the first unsafe entry, before any
 * caller has read a blob into a path or written a file. `prefix` is where the tree sits (for
 * messages). Trees in `trusted` (already checked, such as the local side of a merge) and trees seen
 * once are not walked again. Blob sizes come from one `git cat-file --batch-check`, which reads
 * object headers only.
 */
export async function assertSafeTree(
  objects: ObjectReader,
  treeOid: string,
  options: { prefix?: string; limits?: TreeLimits; trusted?: ReadonlySet<string> } = {},
): Promise<void> {
  const limits = options.limits ?? DEFAULT_TREE_LIMITS;
  const seen = new Set<string>(options.trusted ?? []);
  const blobs = new Map<string, string>();
  let entries = 0;
  const walk = async (oid: string, path: string, depth: number): Promise<void> => {
    if (seen.has(oid)) return;
    seen.add(oid);
    if (depth > limits.maxDepth) throw unsafe(path, `nested deeper than ${limits.maxDepth} folders`);
    for (const entry of await objects.tree(oid)) {
      const child = path ? `${path}/${entry.name}` : entry.name;
      checkTreeEntry(entry, child);
      if (++entries > limits.maxEntries) throw unsafe(child, `past the limit of ${limits.maxEntries} entries`);
      if (entry.mode === '40000') await walk(entry.oid, child, depth + 1);
      else if (!blobs.has(entry.oid)) blobs.set(entry.oid, child);
    }
  };
  await walk(treeOid, options.prefix ?? '', 0);
  for (const [oid, size] of blobSizes(objects.gitdir, [...blobs.keys()])) {
    if (size > limits.maxBlobBytes) throw unsafe(blobs.get(oid)!, `a blob of ${size} bytes, over the limit of ${limits.maxBlobBytes}`);
  }
}

/** Sizes of the given objects, read from their headers by git in one process. */
export function blobSizes(gitdir: string, oids: string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  if (oids.length === 0) return sizes;
  const out = spawnSync('git', ['--git-dir', gitdir, 'cat-file', '--batch-check=%(objectname) %(objectsize)'], {
    input: oids.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * oids.length + 1024,
  });
  if (out.status !== 0) throw fail('IO_ERROR', `git cat-file failed: ${(out.stderr ?? '').trim().split('\n')[0]}`);
  for (const line of out.stdout.split('\n')) {
    const [oid, size] = line.split(' ');
    if (oid && size && /^\d+$/.test(size)) sizes.set(oid, Number(size));
  }
  return sizes;
}
