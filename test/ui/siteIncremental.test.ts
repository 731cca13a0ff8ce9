/**
 * The incremental site build: after a change only the changed runs are read and written, removed
 * runs' files go, and the result equals a full build of the same tree. Trees are written in the
 * store's exact bytes; changes are made the way MLflow's Python client makes them (a tag rewritten
 * in place, a metric line appended), which leave directory mtimes alone.
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMetricLine } from '../../src/format/metricFile.js';
import { indexToRows, type IndexRow, type RunsIndex, type SiteManifest, type SiteRun } from '../../src/format/siteFormat.js';
import { buildSite, type BuildSiteOptions } from '../../src/site/buildSite.js';
import { EXP, T0, backdate, makeTree, runId, writeRun } from './runsTree.js';

const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

const build = (tree: { root: string; mlruns: string }, out: string, extra: Partial<BuildSiteOptions> = {}) =>
  buildSite({ out, mlruns: tree.mlruns, cwd: tree.root, app: false, shardSize: 10, ...extra });

/** Every row of every shard, by run id. */
function rows(site: string): Map<string, IndexRow> {
  const manifest = json<SiteManifest>(join(site, 'data/site.json'));
  const out = new Map<string, IndexRow>();
  const exp = manifest.experiments.find((e) => e.experimentId === EXP)!;
  for (let k = 0; k < exp.shards; k++) {
    for (const row of indexToRows(json<RunsIndex>(join(site, `data/experiments/${EXP}/runs-${k}.json`)))) out.set(row.runId, row);
  }
  return out;
}

/** The incremental site holds exactly what a full build of the same tree holds. */
function expectSameAsFullBuild(tree: { root: string; mlruns: string }, site: string) {
  return build(tree, join(tree.root, `full-${Date.now()}`), { incremental: false }).then((full) => {
    const a = json<SiteManifest>(join(site, 'data/site.json')).experiments.map(({ shards: _s, ...e }) => e);
    const b = json<SiteManifest>(join(full.out, 'data/site.json')).experiments.map(({ shards: _s, ...e }) => e);
    expect(a).toEqual(b);
    expect(Object.fromEntries(rows(site))).toEqual(Object.fromEntries(rows(full.out)));
    const runDirs = (s: string) => readdirSync(join(s, 'data/runs')).sort();
    expect(runDirs(site)).toEqual(runDirs(full.out));
    for (const id of runDirs(site)) expect(json(join(site, `data/runs/${id}/run.json`)), id).toEqual(json(join(full.out, `data/runs/${id}/run.json`)));
    // Nothing of the in-place update is left behind.
    expect((readdirSync(site, { recursive: true }) as string[]).filter((p) => /\.(tmp|new|old)-\d+/.test(p))).toEqual([]);
  });
}

describe('incremental site build', () => {
  it('shards the runs index by start time, newest runs in the last shard', async () => {
    const tree = makeTree(25);
    const result = await build(tree, join(tree.root, 'site'));
    expect(result.rebuilt).toBe(25);
    const exp = result.manifest.experiments.find((e) => e.experimentId === EXP)!;
    expect(exp).toMatchObject({ shards: 3, runCount: 25, activeRunCount: 25, paramKeys: ['lr'], metricKeys: ['loss'], tagKeys: ['mlflow.runName', 'team'] });
    const last = json<RunsIndex>(join(result.out, `data/experiments/${EXP}/runs-2.json`));
    expect(last).toMatchObject({ shard: 2, count: 5 });
    expect(last.runId).toEqual([20, 21, 22, 23, 24].map(runId));
  });

  it('rewrites only the changed run and its shard after MLflow-style in-place writes', async () => {
    const tree = makeTree(25);
    const out = join(tree.root, 'site');
    await build(tree, out);
    const inode = (rel: string) => statSync(join(out, rel)).ino;
    const untouched = [`data/experiments/${EXP}/runs-0.json`, `data/experiments/${EXP}/runs-2.json`, `data/runs/${runId(3)}/run.json`];
    const before = untouched.map(inode);

    const again = await build(tree, out);
    expect(again.rebuilt).toBe(0);
    expect(untouched.map(inode)).toEqual(before);

    // A tag rewritten in place and a metric line appended: no directory mtime changes.
    const dir = join(tree.mlruns, EXP, runId(14));
    const dirMtime = statSync(dir).mtimeMs;
    writeFileSync(join(dir, 'tags', 'team'), 'team-new');
    appendFileSync(join(dir, 'metrics', 'loss'), formatMetricLine({ timestamp: T0 + 99, value: 0.001, step: 1 }));
    expect(statSync(dir).mtimeMs).toBe(dirMtime);
    const changed = await build(tree, out);
    expect(changed.rebuilt).toBe(1);
    expect(untouched.map(inode)).toEqual(before);
    const row = rows(out).get(runId(14))!;
    expect(row.tags.team).toBe('team-new');
    expect(row.metrics.loss).toEqual({ value: 0.001, step: 1 });
    expect(json<SiteRun>(join(out, `data/runs/${runId(14)}/run.json`)).metrics.loss).toMatchObject({ value: 0.001, step: 1, points: 2 });
    await expectSameAsFullBuild(tree, out);
  });

  it('adds new runs to the last shard and deletes the files of removed runs', async () => {
    const tree = makeTree(25);
    const out = join(tree.root, 'site');
    await build(tree, out);
    for (let i = 25; i < 32; i++) writeRun(tree.mlruns, i);
    rmSync(join(tree.mlruns, EXP, runId(4)), { recursive: true });
    const result = await build(tree, out);
    expect(result.rebuilt).toBe(7);
    const exp = result.manifest.experiments.find((e) => e.experimentId === EXP)!;
    expect(exp).toMatchObject({ runCount: 31, shards: 4 });
    expect(json<RunsIndex>(join(out, `data/experiments/${EXP}/runs-2.json`)).count).toBe(10);
    expect(json<RunsIndex>(join(out, `data/experiments/${EXP}/runs-3.json`)).runId).toEqual([30, 31].map(runId));
    expect(json<RunsIndex>(join(out, `data/experiments/${EXP}/runs-0.json`)).runId).not.toContain(runId(4));
    expect(existsSync(join(out, `data/runs/${runId(4)}`))).toBe(false);
    await expectSameAsFullBuild(tree, out);
  });

  it('keeps no copy of an artifact that became a symlink out of the tree', async () => {
    const tree = makeTree(3);
    const out = join(tree.root, 'site');
    await build(tree, out);
    const copy = join(out, `data/runs/${runId(1)}/artifacts/notes.txt`);
    expect(readFileSync(copy, 'utf8')).toBe('notes of 1\n');
    const secret = join(tree.root, 'secret.txt');
    writeFileSync(secret, 'do not publish');
    const artifact = join(tree.mlruns, EXP, runId(1), 'artifacts', 'notes.txt');
    rmSync(artifact);
    symlinkSync(secret, artifact);
    const result = await build(tree, out);
    expect(result.rebuilt).toBe(1);
    expect(existsSync(copy)).toBe(false);
    for (const file of readdirSync(join(out, `data/runs/${runId(1)}`), { recursive: true }) as string[]) {
      const abs = join(out, `data/runs/${runId(1)}`, file);
      if (statSync(abs).isFile()) expect(readFileSync(abs, 'utf8')).not.toContain('do not publish');
    }
    // While the symlink is there the run has no signature: it is rebuilt every time.
    backdate(join(tree.mlruns, EXP, runId(1)));
    expect((await build(tree, out)).rebuilt).toBe(1);
    await expectSameAsFullBuild(tree, out);
  });

  it('does not trust a run modified just before it was signed: the next build reads it again', async () => {
    const tree = makeTree(3);
    const out = join(tree.root, 'site');
    await build(tree, out);
    // Same size, same directory: only the timestamps tell, and they may share the build's tick.
    writeFileSync(join(tree.mlruns, EXP, runId(2), 'tags', 'team'), 'team-9');
    expect((await build(tree, out)).rebuilt).toBe(1);
    expect((await build(tree, out)).rebuilt).toBe(1);
    backdate(join(tree.mlruns, EXP, runId(2)));
    expect((await build(tree, out)).rebuilt).toBe(1);
    expect((await build(tree, out)).rebuilt).toBe(0);
    expect(rows(out).get(runId(2))!.tags.team).toBe('team-9');
  });

  it('signs params by their directory: a new param file is seen, bytes rewritten in place only by a full build', async () => {
    const tree = makeTree(3);
    const out = join(tree.root, 'site');
    await build(tree, out);
    const params = join(tree.mlruns, EXP, runId(1), 'params');
    writeFileSync(join(params, 'batch'), '32');
    expect((await build(tree, out)).rebuilt).toBe(1);
    expect(rows(out).get(runId(1))!.params).toEqual({ batch: '32', lr: '0.01' });
    backdate(join(tree.mlruns, EXP, runId(1)));
    await build(tree, out);
    writeFileSync(join(params, 'lr'), '0.02'); // in place, by hand: MLflow never changes a param
    expect((await build(tree, out)).rebuilt).toBe(0);
    expect((await build(tree, out, { incremental: false })).rebuilt).toBe(3);
    expect(rows(out).get(runId(1))!.params.lr).toBe('0.02');
  });

  it('builds in full when the options that shape the data changed', async () => {
    const tree = makeTree(5);
    const out = join(tree.root, 'site');
    await build(tree, out);
    expect((await build(tree, out, { artifactLimitBytes: 4 })).rebuilt).toBe(5);
    expect(existsSync(join(out, `data/runs/${runId(0)}/artifacts/notes.txt`))).toBe(false);
    expect((await build(tree, out, { incremental: false })).rebuilt).toBe(5);
  });
});
