/** Replace one path inside a git tree, rewriting only the trees along that path. */
import type { ObjectReader } from './objectStore.js';
import { formatTree, writeObject, type TreeEntry } from './objects.js';

/**
 * The id of `tree` (null: empty) with the entry at `path` set to `entry` (null: removed). Returns null
 * when the result is empty, as git keeps no empty trees.
 */
export async function spliceTree(objects: ObjectReader, gitdir: string, tree: string | null, path: string[], entry: { mode: string; oid: string } | null): Promise<string | null> {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error('spliceTree needs a path');
  const entries: TreeEntry[] = tree ? [...(await objects.tree(tree))] : [];
  const index = entries.findIndex((e) => e.name === head);
  const existing = index >= 0 ? entries[index] : undefined;
  let next: { mode: string; oid: string } | null = entry;
  if (rest.length > 0) {
    const child = await spliceTree(objects, gitdir, existing?.mode === '40000' ? existing.oid : null, rest, entry);
    next = child ? { mode: '40000', oid: child } : null;
  }
  if (index >= 0) entries.splice(index, 1);
  if (next) entries.push({ mode: next.mode, name: head, oid: next.oid });
  return entries.length ? writeObject(gitdir, 'tree', formatTree(entries)) : null;
}
