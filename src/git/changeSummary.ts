/**
 * What a tracking commit changed, found by comparing the old and new mlruns trees down to the runs
 * whose tree ids differ, and said in the commit message and its trailers.
 */
import { parseRunMeta } from '../format/runMeta.js';
import { MODELS_DIR, TRASH_DIR } from '../format/layout.js';
import type { ObjectReader } from './objectStore.js';
import type { TreeEntry } from './objects.js';

export type RunChange = 'started' | 'finished' | 'failed' | 'killed' | 'updated' | 'deleted' | 'restored' | 'removed';
export type ExperimentChange = 'created' | 'deleted' | 'restored' | 'updated' | 'removed';

export interface ChangeSummary {
  runs: { runId: string; experimentId: string; change: RunChange; name: string | null }[];
  experiments: { experimentId: string; change: ExperimentChange }[];
  models: string[];
}

function byName(entries: TreeEntry[]): Map<string, TreeEntry> {
  return new Map(entries.map((e) => [e.name, e]));
}

async function entriesOf(objects: ObjectReader, entry: TreeEntry | undefined): Promise<Map<string, TreeEntry>> {
  if (!entry || entry.mode !== '40000') return new Map();
  return byName(await objects.tree(entry.oid));
}

async function runMeta(objects: ObjectReader, runTree: TreeEntry | undefined) {
  if (!runTree || runTree.mode !== '40000') return null;
  const meta = (await objects.tree(runTree.oid)).find((e) => e.name === 'meta.yaml');
  if (!meta) return null;
  try {
    return parseRunMeta(Buffer.from(await objects.blob(meta.oid)).toString('utf8'), 'meta.yaml').info;
  } catch {
    return null;
  }
}

const RESERVED = new Set(['meta.yaml', 'tags', 'datasets', 'traces', 'models']);

async function childOf(objects: ObjectReader, entry: TreeEntry | undefined, name: string): Promise<TreeEntry | undefined> {
  if (!entry || entry.mode !== '40000') return undefined;
  return (await objects.child(entry.oid, name)) ?? undefined;
}

/** The runs of one experiment to compare: every name in either tree, or only `names` (found without reading whole trees). */
async function runPairs(objects: ObjectReader, before: TreeEntry | undefined, after: TreeEntry | undefined, names: Set<string> | null): Promise<[string, TreeEntry | undefined, TreeEntry | undefined][]> {
  // The experiment's own files and folders are no runs (diffRuns skips them): not looked up at all.
  if (names) return Promise.all([...names].filter((n) => !RESERVED.has(n)).sort().map(async (n) => [n, await childOf(objects, before, n), await childOf(objects, after, n)] as [string, TreeEntry | undefined, TreeEntry | undefined]));
  const [a, b] = [await entriesOf(objects, before), await entriesOf(objects, after)];
  return [...new Set([...a.keys(), ...b.keys()])].sort().map((n) => [n, a.get(n), b.get(n)]);
}

async function diffRuns(objects: ObjectReader, experimentId: string, pairs: [string, TreeEntry | undefined, TreeEntry | undefined][], out: ChangeSummary): Promise<void> {
  for (const [name, a, b] of pairs) {
    if (RESERVED.has(name)) continue;
    if (a?.oid === b?.oid || (b && b.mode !== '40000') || (a && a.mode !== '40000' && !b)) continue;
    const [old, now] = [await runMeta(objects, a), await runMeta(objects, b)];
    if (!now) {
      if (old) out.runs.push({ runId: old.runId, experimentId, change: 'removed', name: old.runName });
      continue;
    }
    let change: RunChange = 'updated';
    const terminal = now.status === 'FINISHED' ? 'finished' : now.status === 'FAILED' ? 'failed' : now.status === 'KILLED' ? 'killed' : null;
    if (old && old.lifecycleStage !== now.lifecycleStage) change = now.lifecycleStage === 'deleted' ? 'deleted' : 'restored';
    else if (terminal && old?.status !== now.status) change = terminal;
    else if (!old) change = 'started';
    out.runs.push({ runId: now.runId, experimentId, change, name: now.runName });
  }
}

/**
 * Which entries of an mlruns tree a change can touch: per experiment, the names below it (null: all
 * of them). Null when any path may have touched anything (the root, `.trash`, `models`).
 */
function scopeOf(paths: string[][] | undefined): Map<string, Set<string> | null> | null {
  if (!paths) return null;
  const scope = new Map<string, Set<string> | null>();
  for (const [head, name] of paths) {
    if (head === undefined || head === TRASH_DIR || head === MODELS_DIR) return null;
    const names = scope.has(head) ? scope.get(head)! : new Set<string>();
    if (names && name !== undefined) names.add(name);
    scope.set(head, names && name !== undefined ? names : null);
  }
  return scope;
}

/**
 * Compare two mlruns trees (null: empty). With `paths` (components below mlruns) only what lies on
 * them can differ, so only that is compared: the cost of a known run, not of the whole tree.
 */
export async function summariseChanges(objects: ObjectReader, before: string | null, after: string | null, paths?: string[][]): Promise<ChangeSummary> {
  const out: ChangeSummary = { runs: [], experiments: [], models: [] };
  const oldTop = before ? byName(await objects.tree(before)) : new Map<string, TreeEntry>();
  const newTop = after ? byName(await objects.tree(after)) : new Map<string, TreeEntry>();
  const oldTrash = await entriesOf(objects, oldTop.get(TRASH_DIR));
  const newTrash = await entriesOf(objects, newTop.get(TRASH_DIR));
  const scope = scopeOf(paths);

  const ids = scope ? new Set(scope.keys()) : new Set([...oldTop.keys(), ...newTop.keys(), ...oldTrash.keys(), ...newTrash.keys()]);
  for (const id of [...ids].sort()) {
    if (id === TRASH_DIR || id === MODELS_DIR) continue;
    const wasActive = oldTop.get(id);
    const isActive = newTop.get(id);
    const wasTrashed = oldTrash.get(id);
    const isTrashed = newTrash.get(id);
    const before = wasActive ?? wasTrashed;
    const after = isActive ?? isTrashed;
    if (before?.oid === after?.oid && Boolean(wasActive) === Boolean(isActive)) continue;
    let change: ExperimentChange = 'updated';
    if (!before && after) change = 'created';
    else if (before && !after) change = 'removed';
    else if (wasActive && isTrashed && !isActive) change = 'deleted';
    else if (wasTrashed && isActive && !wasActive) change = 'restored';
    out.experiments.push({ experimentId: id, change });
    await diffRuns(objects, id, await runPairs(objects, before, after, scope?.get(id) ?? null), out);
  }

  const oldModels = await entriesOf(objects, oldTop.get(MODELS_DIR));
  const newModels = await entriesOf(objects, newTop.get(MODELS_DIR));
  for (const name of new Set([...oldModels.keys(), ...newModels.keys()])) {
    if (oldModels.get(name)?.oid !== newModels.get(name)?.oid) out.models.push(name);
  }
  out.models.sort();
  return out;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const TRAILER_RUN: Record<RunChange, string> = {
  started: 'Mltrack-Run-Started',
  finished: 'Mltrack-Run-Finished',
  failed: 'Mltrack-Run-Failed',
  killed: 'Mltrack-Run-Killed',
  updated: 'Mltrack-Run-Updated',
  deleted: 'Mltrack-Run-Deleted',
  restored: 'Mltrack-Run-Restored',
  removed: 'Mltrack-Run-Removed',
};

/** `mltrack: 3 runs finished, 1 run started` + a line per change + trailers with every id. */
export function commitMessage(summary: ChangeSummary, subject?: string): string {
  const parts: string[] = [];
  const runChanges: RunChange[] = ['finished', 'failed', 'killed', 'started', 'updated', 'deleted', 'restored', 'removed'];
  for (const change of runChanges) {
    const n = summary.runs.filter((r) => r.change === change).length;
    if (n) parts.push(`${count(n, 'run')} ${change}`);
  }
  for (const change of ['created', 'deleted', 'restored', 'removed'] as ExperimentChange[]) {
    const n = summary.experiments.filter((e) => e.change === change).length;
    if (n) parts.push(`${count(n, 'experiment')} ${change}`);
  }
  if (summary.models.length) parts.push(`${count(summary.models.length, 'model')} changed`);
  const title = subject ?? `mltrack: ${parts.length ? parts.join(', ') : 'update tracking data'}`;
  const body = summary.runs.map((r) => `- run ${r.change}: ${r.runId}${r.name ? ` (${r.name})` : ''} in experiment ${r.experimentId}`);
  for (const e of summary.experiments) if (e.change !== 'updated') body.push(`- experiment ${e.change}: ${e.experimentId}`);
  for (const m of summary.models) body.push(`- model changed: ${m}`);
  const trailers = [
    ...summary.runs.map((r) => `${TRAILER_RUN[r.change]}: ${r.runId}`),
    ...summary.experiments.map((e) => `Mltrack-Experiment-${e.change[0]!.toUpperCase()}${e.change.slice(1)}: ${e.experimentId}`),
    ...summary.models.map((m) => `Mltrack-Model: ${/^[\x20-\x7e\u00a0-\uffff]*$/u.test(m) ? m : JSON.stringify(m)}`),
  ];
  return [title, '', ...body, ...(trailers.length ? ['', ...trailers] : [])].join('\n') + '\n';
}
