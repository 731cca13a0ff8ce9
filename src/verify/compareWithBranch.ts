/**
 * Does the tracking branch hold what the working tree holds? Kept simple on purpose: the set of run
 * directories and each run's meta.yaml `status`. Every difference is an `info` problem ("not
 * committed yet"), never an error: uncommitted work is normal between two `mltrack commit`s.
 */
import { META_FILE, MODELS_DIR, RESERVED_EXPERIMENT_SUBDIRS, TRASH_DIR, joinPath } from '../format/layout.js';
import { parseYaml } from '../format/yaml.js';
import type { TreeReader } from '../store/TreeReader.js';
import type { Problem } from './Problem.js';

/** Run directory (relative path) -> its status as written in meta.yaml (`?` when unreadable). */
async function runStatuses(tree: TreeReader): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const experimentDirs: string[] = [];
  for (const entry of (await tree.list('')) ?? []) {
    if (entry.isDir && entry.name !== MODELS_DIR && entry.name !== TRASH_DIR) experimentDirs.push(entry.name);
  }
  for (const entry of (await tree.list(TRASH_DIR)) ?? []) if (entry.isDir) experimentDirs.push(joinPath(TRASH_DIR, entry.name));
  for (const experimentDir of experimentDirs) {
    for (const entry of (await tree.list(experimentDir)) ?? []) {
      if (!entry.isDir || RESERVED_EXPERIMENT_SUBDIRS.has(entry.name)) continue;
      const dir = joinPath(experimentDir, entry.name);
      const bytes = await tree.read(joinPath(dir, META_FILE));
      if (bytes !== null) out.set(dir, statusOf(bytes));
    }
  }
  return out;
}

function statusOf(bytes: Uint8Array): string {
  try {
    const root = parseYaml(Buffer.from(bytes).toString('utf8'), META_FILE);
    const status = root.kind === 'map' ? root.entries.get('status') : undefined;
    return status === undefined ? 'RUNNING' : status.kind === 'scalar' ? status.text : '?';
  } catch {
    return '?';
  }
}

const STATUS_NAMES: Record<string, string> = { '1': 'RUNNING', '2': 'SCHEDULED', '3': 'FINISHED', '4': 'FAILED', '5': 'KILLED' };
const named = (status: string) => STATUS_NAMES[status] ?? status;

/** Differences between `branch` (the tip of the tracking branch, or null when it has no commit) and `working`. */
export async function compareWithBranch(working: TreeReader, branch: TreeReader | null, branchName: string): Promise<Problem[]> {
  const here = await runStatuses(working);
  const there = branch ? await runStatuses(branch) : new Map<string, string>();
  const problems: Problem[] = [];
  const info = (path: string, rule: string) => problems.push({ path, rule, code: 'INVALID_STATE', severity: 'info' });
  for (const [dir, status] of [...here].sort()) {
    const committed = there.get(dir);
    if (committed === undefined) info(dir, `not committed yet: the run is in the working tree but not on ${branchName} (mltrack commit)`);
    else if (committed !== status) info(joinPath(dir, META_FILE), `not committed yet: status ${named(status)} in the working tree, ${named(committed)} on ${branchName} (mltrack commit)`);
  }
  for (const dir of [...there.keys()].sort()) {
    if (!here.has(dir)) info(dir, `on ${branchName} but not in the working tree: removed locally, or not brought in yet (mltrack pull)`);
  }
  return problems;
}
