/** Replace paths inside a git tree, rewriting only the trees along those paths. */
import type { ObjectReader } from './objectStore.js';
import { writeObject } from './objects.js';
import { RawTree, type TreeEdit } from './rawTree.js';

export interface TreeChange {
  /** Components of the path below the tree, e.g. ['<exp>', '<run>']. */
  path: string[];
  /** The new entry (null: removed). */
  entry: { mode: string; oid: string } | null;
}

/**
 * The id of `tree` (null: empty) with every change applied. Each tree on the changed paths is read,
 * its entries found by binary search, edited in its raw bytes and written once; the new tree is
 * kept in `objects` so that reading it back (the change summary does) costs nothing. Returns null
 * when the result is empty, as git keeps no empty trees.
 */
export async function spliceTree(objects: ObjectReader, gitdir: string, tree: string | null, changes: TreeChange[]): Promise<string | null> {
  const raw = tree ? await objects.indexedTree(tree) : new RawTree(new Uint8Array());
  // Changes below the same child are applied to that child together.
  const byHead = new Map<string, TreeChange[]>();
  for (const change of changes) {
    const [head] = change.path;
    if (head === undefined) throw new Error('spliceTree needs a path');
    byHead.set(head, [...(byHead.get(head) ?? []), change]);
  }
  const edits: TreeEdit[] = [];
  for (const [head, group] of byHead) {
    const direct = group.find((c) => c.path.length === 1);
    let entry = direct?.entry ?? null;
    if (!direct) {
      const existing = raw.find(head);
      const child = await spliceTree(objects, gitdir, existing?.mode === '40000' ? existing.oid : null, group.map((c) => ({ path: c.path.slice(1), entry: c.entry })));
      entry = child ? { mode: '40000', oid: child } : null;
    }
    edits.push({ name: head, entry });
  }
  const next = raw.edited(edits);
  if (next === raw && tree) return tree;
  if (!next.bytes.length) return null;
  const oid = writeObject(gitdir, 'tree', next.bytes);
  objects.remember(oid, next);
  return oid;
}
