/**
 * Three-way merge of two mlruns trees, at the object level: identical subtrees are taken whole (runs
 * live in disjoint directories, so most merges are a union), and files changed on both sides go
 * through the rules of mergeRules.ts. Nothing is lost: a conflict keeps our side in the tree and
 * is reported with both blob ids, and their side stays reachable through the merge commit.
 */
import { classify, mergeFile } from './mergeRules.js';
import { MLRUNS_PATH } from './trackingLayout.js';
import type { ObjectReader } from './objectStore.js';
import { formatTree, writeObject, type TreeEntry } from './objects.js';

export interface MergeConflict {
  path: string;
  reason: string;
  ours: string | null;
  theirs: string | null;
}

export interface TreeMergeResult {
  oid: string | null;
  conflicts: MergeConflict[];
}

type Entry = TreeEntry | undefined;

/** Merge root trees of tracking commits; paths under `mlruns/` get the mlruns rules. `base` is null for unrelated histories. */
export async function mergeTrees(objects: ObjectReader, gitdir: string, base: string | null, ours: string | null, theirs: string | null): Promise<TreeMergeResult> {
  const conflicts: MergeConflict[] = [];
  const dir = (oid: string | null): TreeEntry | undefined => (oid ? { mode: '40000', name: '', oid } : undefined);
  const result = await mergeEntry(objects, gitdir, '', dir(base), dir(ours), dir(theirs), conflicts);
  return { oid: result?.oid ?? null, conflicts };
}

const text = async (objects: ObjectReader, e: Entry) => (e ? Buffer.from(await objects.blob(e.oid)).toString('utf8') : '');

async function mergeEntry(objects: ObjectReader, gitdir: string, path: string, base: Entry, ours: Entry, theirs: Entry, conflicts: MergeConflict[]): Promise<Entry> {
  if (ours?.oid === theirs?.oid && ours?.mode === theirs?.mode) return ours;
  if (base?.oid === ours?.oid && base?.mode === ours?.mode) return theirs;
  if (base?.oid === theirs?.oid && base?.mode === theirs?.mode) return ours;
  const isTree = (e: Entry) => e?.mode === '40000';
  if ((!ours || isTree(ours)) && (!theirs || isTree(theirs)) && (!base || isTree(base))) {
    const [b, o, t] = await Promise.all([base, ours, theirs].map(async (e) => new Map((e ? await objects.tree(e.oid) : []).map((x) => [x.name, x]))));
    const names = [...new Set([...o!.keys(), ...t!.keys()])].sort();
    const entries: TreeEntry[] = [];
    for (const name of names) {
      const merged = await mergeEntry(objects, gitdir, path ? `${path}/${name}` : name, b!.get(name), o!.get(name), t!.get(name), conflicts);
      if (merged) entries.push({ ...merged, name });
    }
    if (entries.length === 0) return undefined;
    return { mode: '40000', name: '', oid: writeObject(gitdir, 'tree', formatTree(entries)) };
  }
  if (!ours || !theirs) {
    // Deleted on one side, changed on the other: keep the changed version, nothing is lost.
    const kept = (ours ?? theirs)!;
    conflicts.push({ path, reason: ours ? 'deleted on their side, changed on ours: kept ours' : 'deleted on our side, changed on theirs: kept theirs', ours: ours?.oid ?? null, theirs: theirs?.oid ?? null });
    return kept;
  }
  if (isTree(ours) || isTree(theirs)) {
    conflicts.push({ path, reason: 'a file on one side is a directory on the other: kept ours', ours: ours.oid, theirs: theirs.oid });
    return ours;
  }
  const inMlruns = path.startsWith(`${MLRUNS_PATH}/`) ? path.slice(MLRUNS_PATH.length + 1) : null;
  if (inMlruns === null || classify(inMlruns) === 'other') {
    // Values and artifacts may be binary: keep our blob as it is.
    conflicts.push({ path, reason: 'changed differently on both sides: kept ours', ours: ours.oid, theirs: theirs.oid });
    return ours;
  }
  const merged = mergeFile(inMlruns, await text(objects, base), await text(objects, ours), await text(objects, theirs));
  if (merged.conflict) conflicts.push({ path, reason: merged.reason, ours: ours.oid, theirs: theirs.oid });
  return { mode: ours.mode, name: '', oid: writeObject(gitdir, 'blob', Buffer.from(merged.text)) };
}
