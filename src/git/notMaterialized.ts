/**
 * The "not materialised" rule (spec/git-layout.md): a commit never records the removal of a run or
 * an experiment that no user command removed. A folder in the parent commit that is missing from
 * mlruns/ (a pull that never got to write it, a half-copied clone, a disk that was full) is kept
 * from the parent tree. A removal counts only when the tree says a user made it: the experiment now
 * sits in (or left) `.trash/` (delete and restore move it), it was in `.trash/` already (gc of a
 * deleted experiment), or the run's committed meta.yaml is `lifecycle_stage: deleted` (gc of a
 * deleted run). In the registry, versions are only ever soft-deleted (MLflow's rule: a number is
 * never reused), so a version folder or the meta.yaml of a model still on disk is never removed by a
 * user command; only a whole model folder goes (delete, rename).
 */
import { META_FILE, MODELS_DIR, RESERVED_EXPERIMENT_SUBDIRS, TRASH_DIR } from '../format/layout.js';
import { VERSION_DIR_PREFIX } from '../format/registryMeta.js';
import type { ObjectReader } from './objectStore.js';
import { formatTree, writeObject, type TreeEntry } from './objects.js';

const isDir = (e: TreeEntry | undefined): e is TreeEntry => e?.mode === '40000';

async function entries(objects: ObjectReader, tree: TreeEntry | undefined | null): Promise<Map<string, TreeEntry>> {
  return new Map(isDir(tree ?? undefined) ? (await objects.tree(tree!.oid)).map((e) => [e.name, e]) : []);
}

async function markedDeleted(objects: ObjectReader, run: TreeEntry): Promise<boolean> {
  const meta = (await objects.tree(run.oid)).find((e) => e.name === META_FILE);
  if (!meta) return false;
  return /^lifecycle_stage: *deleted\s*$/m.test(Buffer.from(await objects.blob(meta.oid)).toString('utf8'));
}

/** The experiment folder `after` with every run of `before` it lost without a deletion put back. */
async function keepRuns(objects: ObjectReader, gitdir: string, before: TreeEntry, after: TreeEntry): Promise<TreeEntry> {
  if (before.oid === after.oid) return after;
  const [was, now] = await Promise.all([entries(objects, before), entries(objects, after)]);
  let kept = false;
  for (const [name, run] of was) {
    if (now.has(name) || !isDir(run) || RESERVED_EXPERIMENT_SUBDIRS.has(name)) continue;
    if (await markedDeleted(objects, run)) continue;
    now.set(name, run);
    kept = true;
  }
  return kept ? { ...after, oid: writeObject(gitdir, 'tree', formatTree([...now.values()])) } : after;
}

/** The models/ folder `after` with the version folders and model meta.yaml files of `before` it lost put back. */
async function keepRegistry(objects: ObjectReader, gitdir: string, before: TreeEntry, after: TreeEntry | undefined): Promise<TreeEntry | undefined> {
  if (before.oid === after?.oid) return after;
  const [was, now] = await Promise.all([entries(objects, before), entries(objects, after)]);
  let changed = false;
  for (const [name, model] of now) {
    const wasModel = was.get(name);
    if (!isDir(model) || !isDir(wasModel) || wasModel.oid === model.oid) continue;
    const [files, current] = await Promise.all([entries(objects, wasModel), entries(objects, model)]);
    let kept = false;
    for (const [entry, value] of files) {
      const lost = entry === META_FILE || (isDir(value) && entry.startsWith(VERSION_DIR_PREFIX));
      if (!lost || current.has(entry)) continue;
      current.set(entry, value);
      kept = true;
    }
    if (kept) (now.set(name, { ...model, oid: writeObject(gitdir, 'tree', formatTree([...current.values()])) }), (changed = true));
  }
  return changed ? { mode: '40000', name: MODELS_DIR, oid: writeObject(gitdir, 'tree', formatTree([...now.values()])) } : after;
}

/** The mlruns tree to commit: `next` (from the disk) with what was never materialised taken from `parent`. */
export async function keepNotMaterialized(objects: ObjectReader, gitdir: string, parent: string | null, next: string | null): Promise<string | null> {
  if (!parent || parent === next) return next;
  const root = (oid: string | null): TreeEntry | null => (oid ? { mode: '40000', name: '', oid } : null);
  const [was, now] = await Promise.all([entries(objects, root(parent)), entries(objects, root(next))]);
  const [trashWas, trashNow] = await Promise.all([entries(objects, was.get(TRASH_DIR)), entries(objects, now.get(TRASH_DIR))]);
  let changed = false;
  // Experiments in the root: missing ones are kept unless they moved into .trash/.
  for (const [name, experiment] of was) {
    if (!isDir(experiment) || name === TRASH_DIR || name === MODELS_DIR) continue;
    const current = now.get(name);
    if (!current) {
      if (trashNow.has(name)) continue;
      now.set(name, experiment);
      changed = true;
    } else if (isDir(current)) {
      const merged = await keepRuns(objects, gitdir, experiment, current);
      if (merged.oid !== current.oid) (now.set(name, merged), (changed = true));
    }
  }
  // Experiments in .trash/ may go (gc, restore); the runs of those that stay follow the run rule.
  let trashChanged = false;
  for (const [name, experiment] of trashWas) {
    const current = trashNow.get(name);
    if (!isDir(experiment) || !isDir(current)) continue;
    const merged = await keepRuns(objects, gitdir, experiment, current);
    if (merged.oid !== current.oid) (trashNow.set(name, merged), (trashChanged = true));
  }
  const models = was.get(MODELS_DIR);
  if (isDir(models)) {
    const kept = await keepRegistry(objects, gitdir, models, now.get(MODELS_DIR));
    if (kept && kept.oid !== now.get(MODELS_DIR)?.oid) (now.set(MODELS_DIR, kept), (changed = true));
  }
  if (trashChanged) {
    now.set(TRASH_DIR, { mode: '40000', name: TRASH_DIR, oid: writeObject(gitdir, 'tree', formatTree([...trashNow.values()])) });
    changed = true;
  }
  return changed ? writeObject(gitdir, 'tree', formatTree([...now.values()])) : next;
}
