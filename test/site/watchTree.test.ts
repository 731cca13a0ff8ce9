/**
 * The `mltrack ui` watcher: a watch on every directory (no recursive fs.watch, which polls every
 * file on Linux), set up in the background. It must see what MLflow's writers do without touching
 * a directory: a tag rewritten in place, a metric line appended; and directories that appear later
 * (a new run, its metrics/).
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchTree } from '../../src/site/serveSite.js';
import { EXP, makeTree, runId } from '../ui/runsTree.js';

/** Resolves on the next onChange after `action`. */
function nextChange(events: { count: number }, action: () => void): Promise<void> {
  const before = events.count;
  action();
  return expect.poll(() => events.count > before, { timeout: 10_000, interval: 20 }).toBe(true);
}

describe('watchTree', () => {
  it('sees in-place rewrites, appends, and files in directories created after it started', async () => {
    const tree = makeTree(30);
    const events = { count: 0 };
    const w = watchTree(tree.mlruns, () => events.count++, { debounceMs: 10 });
    try {
      expect(w.mode).toBe('watch');
      await w.ready;
      // Once ready, one change for whatever happened while the watches were being added.
      await expect.poll(() => events.count, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      const run = join(tree.mlruns, EXP, runId(17));
      await nextChange(events, () => writeFileSync(join(run, 'tags', 'team'), 'rewritten in place'));
      await nextChange(events, () => appendFileSync(join(run, 'metrics', 'loss'), '1700000000001 0.5 1\n'));
      const fresh = join(tree.mlruns, EXP, runId(99));
      await nextChange(events, () => mkdirSync(join(fresh, 'metrics'), { recursive: true }));
      // The new directories are watched too: a file written inside them is seen.
      await expect.poll(async () => {
        const before = events.count;
        appendFileSync(join(fresh, 'metrics', 'loss'), '1700000000002 0.4 2\n');
        await new Promise((r) => setTimeout(r, 100));
        return events.count > before;
      }, { timeout: 10_000 }).toBe(true);
      await nextChange(events, () => rmSync(run, { recursive: true }));
    } finally {
      w.close();
      rmSync(tree.root, { recursive: true, force: true });
    }
  });

  it('polls when asked to', async () => {
    const tree = makeTree(3);
    const events = { count: 0 };
    const w = watchTree(tree.mlruns, () => events.count++, { debounceMs: 10, pollMs: 50, forcePoll: true });
    try {
      expect(w.mode).toBe('poll');
      await nextChange(events, () => appendFileSync(join(tree.mlruns, EXP, runId(1), 'metrics', 'loss'), '1700000000001 0.5 1\n'));
    } finally {
      w.close();
      rmSync(tree.root, { recursive: true, force: true });
    }
  });
});
