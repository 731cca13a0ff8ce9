/**
 * The known-run commit (auto_commit, end-run, `mltrack run`) splices one run onto the parent's tree
 * instead of scanning mlruns/: it must give exactly the tree a full scan of the same disk gives.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { findRepo } from '../../src/git/repo.js';
import { commitTracking } from '../../src/git/trackingCommit.js';
import { SnapshotCache, snapshotDirectory } from '../../src/git/snapshotTree.js';
import { editTree, findTreeEntry, formatTree, type TreeEntry } from '../../src/git/objects.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

function trackedRepo() {
  const dir = tempDir();
  const env = isolatedEnv(dir);
  git(dir, env, 'init', '-q');
  return { dir, env, repo: findRepo(dir), store: new FileStore(join(dir, 'mlruns')) };
}

/** What auto-commit passes for a run: its folder and its experiment's own files. */
function knownPaths(experimentId: string, runId: string): string[] {
  return [`${experimentId}/${runId}`, ...['meta.yaml', 'tags', 'datasets'].map((p) => `${experimentId}/${p}`)];
}

/** The mlruns tree a full scan of the disk gives, with no cache. */
function fullScanTree(gitdir: string, root: string): string | null {
  return snapshotDirectory({ gitdir, root, cache: SnapshotCache.inMemory() });
}

describe('commit of a known run', () => {
  it('gives the full scan\'s tree for a new run, a changed metric, a deleted run, a removed run and a new experiment', async () => {
    const { dir, env, repo, store } = trackedRepo();
    const commitKnown = async (experimentId: string, runId: string) => {
      const result = await commitTracking({ repo, mlruns: store.root, branch: 'mltrack', paths: knownPaths(experimentId, runId) });
      const committed = git(dir, env, 'rev-parse', 'mltrack:mlruns');
      expect(committed).toBe(fullScanTree(repo.gitdir, store.root));
      // A full-scan commit right after finds nothing left to commit.
      expect(await commitTracking({ repo, mlruns: store.root, branch: 'mltrack' })).toBeNull();
      return result!;
    };
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await store.createRun({ experimentId: '0', userId: 'u', runName: `r${i}` });
      await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1, step: 0 }], params: [{ key: 'i', value: String(i) }] });
      await store.setTerminated(run.info.runId);
      runs.push(run.info.runId);
      const result = await commitKnown('0', run.info.runId);
      expect(result.message).toContain(`Mltrack-Run-Finished: ${run.info.runId}`);
      expect(result.message.match(/^Mltrack-Run-/gm)).toHaveLength(1);
    }
    await store.logMetric(runs[2]!, { key: 'loss', value: 0.01, timestamp: 2, step: 1 });
    expect((await commitKnown('0', runs[2]!)).message).toContain(`Mltrack-Run-Updated: ${runs[2]}`);

    await store.deleteRun(runs[3]!);
    expect((await commitKnown('0', runs[3]!)).message).toContain(`Mltrack-Run-Deleted: ${runs[3]}`);
    // Gone from disk after being deleted: the removal is committed.
    rmSync(join(store.root, '0', runs[3]!), { recursive: true });
    expect((await commitKnown('0', runs[3]!)).message).toContain(`Mltrack-Run-Removed: ${runs[3]}`);

    const experimentId = await store.createExperiment('second');
    const other = await store.createRun({ experimentId, userId: 'u', runName: 'elsewhere' });
    await store.setTag(other.info.runId, 'team', 'a');
    const created = await commitKnown(experimentId, other.info.runId);
    expect(created.message).toContain(`Mltrack-Experiment-Created: ${experimentId}`);
    expect(created.message).toContain(`Mltrack-Run-Started: ${other.info.runId}`);
    // Nothing changed: nothing to commit.
    expect(await commitTracking({ repo, mlruns: store.root, branch: 'mltrack', paths: knownPaths(experimentId, other.info.runId) })).toBeNull();
    expect(() => git(dir, env, 'fsck', '--strict', '--no-dangling')).not.toThrow();
  });

  it('keeps a run that vanished from disk without being deleted, as a full scan does', async () => {
    const { dir, env, repo, store } = trackedRepo();
    const run = await store.createRun({ experimentId: '0', userId: 'u', runName: 'kept' });
    await commitTracking({ repo, mlruns: store.root, branch: 'mltrack', paths: knownPaths('0', run.info.runId) });
    const before = git(dir, env, 'rev-parse', 'mltrack');
    rmSync(join(store.root, '0', run.info.runId), { recursive: true });
    expect(await commitTracking({ repo, mlruns: store.root, branch: 'mltrack', paths: knownPaths('0', run.info.runId) })).toBeNull();
    expect(git(dir, env, 'rev-parse', 'mltrack')).toBe(before);
  });

  it('edits raw trees exactly as formatting them anew would, for names that sort around each other', () => {
    const name = fc.stringMatching(/^[a-c.\-/_]{1,4}$/).filter((n) => !n.includes('/'));
    const entry = fc.record({ mode: fc.constantFrom('40000', '100644', '100755', '120000'), name, oid: fc.stringMatching(/^[0-9a-f]{40}$/) });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 12 }), entry, fc.boolean(), (entries, change, remove) => {
        const raw = formatTree(entries);
        const rest = entries.filter((e) => e.name !== change.name);
        const expected = formatTree(remove ? rest : [...rest, change]);
        expect(Buffer.from(editTree(raw, [{ name: change.name, entry: remove ? null : change }])).equals(expected)).toBe(true);
        for (const e of entries) expect(findTreeEntry(raw, e.name)).toEqual(e);
        if (!entries.some((e) => e.name === change.name)) expect(findTreeEntry(raw, change.name)).toBeNull();
      }),
      { numRuns: 2000 },
    );
    // Several edits in one pass, as a commit does to an experiment's tree.
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 12 }), fc.uniqueArray(fc.record({ change: entry, remove: fc.boolean() }), { selector: (e) => e.change.name, maxLength: 5 }), (entries, edits) => {
        const names = new Set(edits.map((e) => e.change.name));
        const expected = formatTree([...entries.filter((e) => !names.has(e.name)), ...edits.filter((e) => !e.remove).map((e) => e.change)]);
        const edited = editTree(formatTree(entries), edits.map((e) => ({ name: e.change.name, entry: e.remove ? null : e.change })));
        expect(Buffer.from(edited).equals(expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // git's order: a folder 'a' sorts as 'a/', after 'a-' ('-' < '/').
    const tree: TreeEntry[] = [
      { mode: '100644', name: 'a-', oid: '1'.repeat(40) },
      { mode: '40000', name: 'a', oid: '2'.repeat(40) },
    ];
    expect(formatTree(tree).toString('latin1')).toMatch(/^100644 a-\0.*40000 a\0/s);
  });
});
