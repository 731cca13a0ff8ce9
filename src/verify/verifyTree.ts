/**
 * `mltrack verify`: check an mlruns tree against the spec (sections 1-7, 13) and report every
 * problem, never stopping at the first. Works over any TreeReader, so the working directory and a
 * commit of the tracking branch are checked by the same rules; nothing here writes.
 */
import { fail } from '../format/errors.js';
import { MODELS_DIR, TRASH_DIR, joinPath } from '../format/layout.js';
import type { TreeReader } from '../store/TreeReader.js';
import type { Problem } from './Problem.js';
import { isTempFile, VerifyContext, type VerifyOptions, type VerifyStats } from './VerifyContext.js';
import { verifyExperiment } from './verifyExperiment.js';
import { verifyRegistry } from './verifyRegistry.js';

export interface VerifyResult {
  problems: Problem[];
  stats: VerifyStats;
}

/** `.mltrack-tmp-*` files anywhere in the tree (those inside key folders were reported already, as such), and entries that cannot be stat'ed. */
async function findLeftovers(ctx: VerifyContext): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await ctx.tree.list(dir)) ?? []) {
      const path = joinPath(dir, entry.name);
      if (entry.unreadable) ctx.problems.error(path, `${entry.unreadable}: the entry cannot be read, so every reader skips it`, 'IO_ERROR');
      else if (entry.isDir) await walk(path);
      else if (isTempFile(entry.name) && !ctx.reportedTemp.has(path)) {
        ctx.problems.warning(path, 'leftover temporary file of an interrupted write (never committed); verify --fix removes it', 'INVALID_STATE', { kind: 'remove', path });
      }
    }
  };
  await walk('');
}

/** Every problem of the tree, in the order found (root, experiments and their runs, registry, leftovers). */
export async function verifyTree(tree: TreeReader, options: VerifyOptions = {}): Promise<VerifyResult> {
  const root = await tree.list('');
  if (root === null) throw fail('NOT_FOUND', `No mlruns directory at ${tree.describe('')}`);
  const ctx = new VerifyContext(tree, options);
  for (const entry of [...root].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isDir) {
      if (!isTempFile(entry.name)) {
        ctx.problems.warning(entry.name, 'a file in the mlruns root: MLflow ignores it, but only experiment directories, .trash and models belong here', 'INVALID_ID');
      }
    } else if (entry.name === TRASH_DIR) {
      for (const deleted of (await tree.list(TRASH_DIR)) ?? []) {
        if (deleted.isDir) await verifyExperiment(ctx, joinPath(TRASH_DIR, deleted.name), true);
      }
    } else if (entry.name === MODELS_DIR) {
      await verifyRegistry(ctx);
    } else if (entry.name.endsWith(TRASH_DIR)) {
      ctx.problems.warning(entry.name, `MLflow skips root directories whose name ends in '${TRASH_DIR}': neither an experiment nor the trash`, 'INVALID_ID');
    } else {
      await verifyExperiment(ctx, entry.name, false);
    }
  }
  await findLeftovers(ctx);
  return { problems: ctx.problems.items, stats: ctx.stats };
}
