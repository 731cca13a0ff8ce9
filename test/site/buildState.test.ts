/**
 * The incremental build's stat stamps (runSignature.ts) and their binary state file (buildState.ts):
 * a stamp sees every change to what a run's page shows (in-place rewrites with the mtime put back,
 * chmod, a new file), keeps the documented params exception, refuses racy and non-plain entries,
 * and survives being written and read back exactly.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NameLists, stampTree, type TreeStamp } from '../../src/site/runSignature.js';
import { decodeState, encodeState, type BuildState } from '../../src/site/buildState.js';
import { tempDir } from '../helpers/env.js';
import { backdate } from '../ui/runsTree.js';

function run(): string {
  const dir = join(tempDir('mltrack-stamp-'), 'run');
  for (const sub of ['metrics', 'params', 'tags', 'artifacts/plots']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'meta.yaml'), 'run_id: x\n');
  writeFileSync(join(dir, 'metrics', 'loss'), '1 0.5 0\n');
  writeFileSync(join(dir, 'params', 'lr'), '0.1');
  writeFileSync(join(dir, 'tags', 'team'), 'red');
  writeFileSync(join(dir, 'artifacts', 'plots', 'a.png'), 'png');
  backdate(dir);
  return dir;
}

/** Rewrites a file in place with bytes of the same length and puts its mtime back: only ctime tells. */
function rewriteKeepingMtime(path: string, text: string): void {
  const before = statSync(path);
  writeFileSync(path, text);
  utimesSync(path, before.atime, before.mtime);
}

describe('stat stamps', () => {
  it('are the same object for an unchanged tree, and see what MLflow writers do', () => {
    const dir = run();
    const lists = new NameLists();
    const first = stampTree(dir, undefined, lists).stamp!;
    expect(first).not.toBeNull();
    const again = stampTree(dir, first, lists);
    expect(again.same).toBe(true);
    expect(again.stamp).toBe(first);

    rewriteKeepingMtime(join(dir, 'tags', 'team'), 'blu');
    const afterTag = stampTree(dir, first, lists);
    expect(afterTag.same).toBe(false);
    const s2 = afterTag.stamp!;
    expect(stampTree(dir, s2, lists).same).toBe(true);

    chmodSync(join(dir, 'metrics', 'loss'), 0o600);
    const afterChmod = stampTree(dir, s2, lists);
    expect(afterChmod.same).toBe(false);
    const s3 = afterChmod.stamp!;

    writeFileSync(join(dir, 'artifacts', 'plots', 'b.png'), 'png');
    backdate(dir);
    const afterNew = stampTree(dir, s3, lists);
    expect(afterNew.same).toBe(false);
    // The new listing is read: the next walk with it agrees.
    expect(stampTree(dir, afterNew.stamp!, lists).same).toBe(true);
  });

  it('sign params by their directory: a new param is seen, bytes rewritten in place are not (spec/site.md 3)', () => {
    const dir = run();
    const lists = new NameLists();
    const s1 = stampTree(dir, undefined, lists).stamp!;
    rewriteKeepingMtime(join(dir, 'params', 'lr'), '0.2');
    expect(stampTree(dir, s1, lists).same).toBe(true);
    writeFileSync(join(dir, 'params', 'epochs'), '3');
    backdate(dir);
    expect(stampTree(dir, s1, lists).same).toBe(false);
  });

  it('give no stamp for an entry modified just now or a symlink', () => {
    const dir = run();
    const lists = new NameLists();
    writeFileSync(join(dir, 'tags', 'team'), 'just now');
    expect(stampTree(dir, undefined, lists).stamp).toBeNull();
    backdate(dir);
    expect(stampTree(dir, undefined, lists).stamp).not.toBeNull();
    symlinkSync('/etc/passwd', join(dir, 'artifacts', 'leak'));
    expect(stampTree(dir, undefined, lists).stamp).toBeNull();
  });

  it('stamp a missing directory as missing, and see it appear', () => {
    const root = tempDir('mltrack-stamp-');
    const lists = new NameLists();
    const missing = stampTree(join(root, 'datasets'), undefined, lists);
    expect(missing.stamp).not.toBeNull();
    expect(stampTree(join(root, 'datasets'), missing.stamp!, lists).same).toBe(true);
    mkdirSync(join(root, 'datasets'));
    backdate(root);
    expect(stampTree(join(root, 'datasets'), missing.stamp!, lists).same).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('the build state file', () => {
  it('reads back what was written, with listings renumbered, and refuses damaged bytes', () => {
    const a = run();
    const b = run();
    const lists = new NameLists();
    lists.intern(['unused/']); // a listing no stamp uses any more is not written
    const sa = stampTree(a, undefined, lists).stamp!;
    const sb = stampTree(b, undefined, lists).stamp!;
    const shards = [{ count: 2, active: 2, lastRunStart: 5, metricKeys: ['loss'], paramKeys: ['lr'], tagKeys: ['team'] }];
    const state: BuildState = {
      key: 'k',
      lists,
      experiments: new Map([['7', { artifactLocation: 'file:///.mltrack-root/7', shards, datasets: null }]]),
      runs: new Map([
        ['a', { experimentId: '7', dir: '7/a', shard: 0, stamp: sa, runName: 'run a', parent: null }],
        ['b', { experimentId: '7', dir: '7/b', shard: 0, stamp: null, runName: null, parent: 'a' }],
      ]),
    };
    const bytes = encodeState(state);
    const back = decodeState(bytes)!;
    expect(back.key).toBe('k');
    expect(back.experiments.get('7')).toEqual({ artifactLocation: 'file:///.mltrack-root/7', shards, datasets: null });
    expect(back.runs.get('b')).toEqual({ experimentId: '7', dir: '7/b', shard: 0, stamp: null, runName: null, parent: 'a' });
    const ra = back.runs.get('a')!;
    expect(ra).toMatchObject({ experimentId: '7', dir: '7/a', shard: 0, runName: 'run a', parent: null });
    expect([...ra.stamp!.stats]).toEqual([...sa.stats]);
    const names = (s: TreeStamp, l: NameLists) => [...s.dirs].map((id) => (id >= 0 ? l.get(id) : id));
    expect(names(ra.stamp!, back.lists)).toEqual(names(sa, lists));
    expect(back.lists.lists).not.toContainEqual(['unused/']);
    // The stamp read back compares equal with a fresh walk of the same tree.
    expect(stampTree(a, ra.stamp!, back.lists).same).toBe(true);
    expect(stampTree(b, sb, lists).same).toBe(true);

    expect(decodeState(bytes.subarray(0, bytes.length - 4))).toBeNull();
    const other = Buffer.from(bytes);
    other.write('x', 4);
    expect(decodeState(other)).toBeNull();
    expect(decodeState(Buffer.alloc(2))).toBeNull();
  });
});
