/**
 * Small git-tree edits for commits made beside the user's checkout (proposals, files written onto
 * the tracking branch's root): copy a tree into a directory, hash a directory back into a tree, and
 * set one path inside a tree. Bytes are copied verbatim, so untouched files keep their blob ids.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectReader } from '../git/objectStore.js';
import { formatTree, writeObject, type TreeEntry } from '../git/objects.js';
import { assertSafeTree } from '../git/safeTree.js';
import { treeLimits } from '../git/treeSafety.js';

/**
 * Write the files of git tree `oid` under `dir`. The tree is checked whole first (UNSAFE_TREE): a
 * name like `..` or `a/b` would otherwise place a file outside `dir`.
 */
export async function writeTreeTo(objects: ObjectReader, oid: string, dir: string, prefix = ''): Promise<void> {
  await assertSafeTree(objects, oid, { prefix, limits: treeLimits() });
  await writeCheckedTree(objects, oid, dir);
}

async function writeCheckedTree(objects: ObjectReader, oid: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const entry of await objects.tree(oid)) {
    const path = join(dir, entry.name);
    if (entry.mode === '40000') await writeCheckedTree(objects, entry.oid, path);
    else if (entry.mode === '100644' || entry.mode === '100755') writeFileSync(path, await objects.blob(entry.oid), { mode: entry.mode === '100755' ? 0o755 : 0o644 });
  }
}

/** Blobs and trees for directory `dir`; null when it holds no file (git keeps no empty trees). */
export function hashDirectory(gitdir: string, dir: string): string | null {
  const entries: TreeEntry[] = [];
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, dirent.name);
    if (dirent.isDirectory()) {
      const oid = hashDirectory(gitdir, path);
      if (oid) entries.push({ mode: '40000', name: dirent.name, oid });
    } else if (dirent.isFile()) {
      const executable = (lstatSync(path).mode & 0o111) !== 0;
      entries.push({ mode: executable ? '100755' : '100644', name: dirent.name, oid: writeObject(gitdir, 'blob', readFileSync(path)) });
    }
  }
  return entries.length ? writeObject(gitdir, 'tree', formatTree(entries)) : null;
}

/**
 * `tree` (null: empty) with the entry at `path` set to `entry` (null: removed), rewriting only the
 * trees along the path. Returns null when the result is empty.
 */
export async function setTreePath(objects: ObjectReader, gitdir: string, tree: string | null, path: readonly string[], entry: { mode: string; oid: string } | null): Promise<string | null> {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error('setTreePath needs a path');
  const entries: TreeEntry[] = tree ? (await objects.tree(tree)).filter((e) => e.name !== head) : [];
  const existing = tree ? (await objects.tree(tree)).find((e) => e.name === head) : undefined;
  let next = entry;
  if (rest.length > 0) {
    const child = await setTreePath(objects, gitdir, existing?.mode === '40000' ? existing.oid : null, rest, entry);
    next = child ? { mode: '40000', oid: child } : null;
  }
  if (next) entries.push({ mode: next.mode, name: head, oid: next.oid });
  return entries.length ? writeObject(gitdir, 'tree', formatTree(entries)) : null;
}
