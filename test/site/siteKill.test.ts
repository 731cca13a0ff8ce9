/**
 * An incremental site build killed at each of its fault points (MLTRACK_FAULT, SIGKILL at an exact
 * place, never by timing): the site left behind is one the app can read (every data file whole, the
 * manifest's shards present, every listed run's file there but the one being swapped), and the next
 * build, with no fault, produces what a full build of the same tree produces.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMetricLine } from '../../src/format/metricFile.js';
import { indexToRows, type IndexRow, type RunsIndex, type SiteManifest } from '../../src/format/siteFormat.js';
import { buildSite, type BuildSiteOptions } from '../../src/site/buildSite.js';
import { EXP, T0, backdate, makeTree, runId, writeRun } from '../ui/runsTree.js';

const DIST_BUILD = fileURLToPath(new URL('../../dist/site/buildSite.js', import.meta.url));
const SHARD = 10;

const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

type Tree = { root: string; mlruns: string };

const options = (tree: Tree, out: string): BuildSiteOptions => ({ out, mlruns: tree.mlruns, cwd: tree.root, app: false, shardSize: SHARD });

/** The build in a child process (the fault point reads MLTRACK_FAULT when it loads). */
function buildInChild(tree: Tree, out: string, fault: string) {
  const script = `const { buildSite } = await import(${JSON.stringify(DIST_BUILD)}); await buildSite(JSON.parse(process.argv[1]));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(options(tree, out))], {
    encoding: 'utf8',
    env: { ...process.env, MLTRACK_FAULT: fault },
  });
}

function shardRows(site: string): { rows: Map<string, IndexRow>; missing: string[] } {
  const manifest = json<SiteManifest>(join(site, 'data/site.json'));
  const rows = new Map<string, IndexRow>();
  const missing: string[] = [];
  for (const exp of manifest.experiments) {
    for (let k = 0; k < exp.shards; k++) {
      for (const row of indexToRows(json<RunsIndex>(join(site, `data/experiments/${exp.experimentId}/runs-${k}.json`)))) {
        expect(rows.has(row.runId), `${row.runId} in two shards`).toBe(false);
        rows.set(row.runId, row);
        if (!existsSync(join(site, `data/runs/${row.runId}/run.json`))) missing.push(row.runId);
      }
    }
  }
  return { rows, missing };
}

/** What a reader of the site finds: every JSON file whole, the manifest's shards and runs there. */
function expectReadable(site: string, mayMissOne: boolean) {
  for (const rel of readdirSync(join(site, 'data'), { recursive: true }) as string[]) {
    if (rel.endsWith('.json')) expect(() => JSON.parse(readFileSync(join(site, 'data', rel), 'utf8')), rel).not.toThrow();
  }
  const { missing } = shardRows(site);
  expect(missing.length).toBeLessThanOrEqual(mayMissOne ? 1 : 0);
}

async function expectSameAsFull(tree: Tree, site: string) {
  const full = await buildSite({ ...options(tree, join(tree.root, `full-${Date.now()}`)), incremental: false });
  const strip = (s: string) => json<SiteManifest>(join(s, 'data/site.json')).experiments.map(({ shards: _s, ...e }) => e);
  expect(strip(site)).toEqual(strip(full.out));
  expect(Object.fromEntries(shardRows(site).rows)).toEqual(Object.fromEntries(shardRows(full.out).rows));
  const runDirs = (s: string) => readdirSync(join(s, 'data/runs')).sort();
  expect(runDirs(site)).toEqual(runDirs(full.out));
  for (const id of runDirs(site)) {
    expect(json(join(site, `data/runs/${id}/run.json`)), id).toEqual(json(join(full.out, `data/runs/${id}/run.json`)));
    expect(readdirSync(join(site, `data/runs/${id}`), { recursive: true }).sort(), id).toEqual(readdirSync(join(full.out, `data/runs/${id}`), { recursive: true }).sort());
  }
  // No shard file beyond the ones the manifest names.
  const shards = json<SiteManifest>(join(site, 'data/site.json')).experiments.find((e) => e.experimentId === EXP)!.shards;
  expect(readdirSync(join(site, `data/experiments/${EXP}`)).filter((f) => f.startsWith('runs-')).sort()).toEqual(Array.from({ length: shards }, (_, k) => `runs-${k}.json`).sort());
  expect(json(join(site, `data/experiments/${EXP}/families.json`))).toEqual(json(join(full.out, `data/experiments/${EXP}/families.json`)));
  expect((readdirSync(site, { recursive: true }) as string[]).filter((p) => /\.(tmp|new|old)-\d+/.test(p) || p.endsWith('.pending'))).toEqual([]);
  rmSync(full.out, { recursive: true, force: true });
}

/** Every kind of change at once: an appended metric, a tag rewritten in place, two new runs, one removed. */
function change(tree: Tree): void {
  appendFileSync(join(tree.mlruns, EXP, runId(3), 'metrics', 'loss'), formatMetricLine({ timestamp: T0 + 99, value: 0.01, step: 1 }));
  writeFileSync(join(tree.mlruns, EXP, runId(20), 'tags', 'team'), 'team-renamed');
  writeRun(tree.mlruns, 25);
  writeRun(tree.mlruns, 26);
  rmSync(join(tree.mlruns, EXP, runId(12)), { recursive: true });
  // Only the changed runs backdated (which sets their ctime): the others keep their stamps.
  for (const i of [3, 20, 25, 26]) backdate(join(tree.mlruns, EXP, runId(i)));
}

const FAULTS = [
  'site:pending', 'site:run-written:1', 'site:run-written:3', 'site:run-swap:1', 'site:run-swap:4',
  'site:shard:1', 'site:shard:3', 'site:manifest', 'site:removed', 'site:state',
];

describe('an incremental site build killed half-way', () => {
  it.each(FAULTS)('at %s leaves a readable site, and the next build equals a full build', async (fault) => {
    const tree = makeTree(25);
    const pristine = join(tree.root, 'pristine');
    await buildSite(options(tree, pristine));
    change(tree);
    const site = join(tree.root, 'site');
    cpSync(pristine, site, { recursive: true });

    const killed = buildInChild(tree, site, fault);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expectReadable(site, fault.startsWith('site:run-swap'));

    const next = await buildSite(options(tree, site));
    // The four changed runs, and none of the 22 others.
    expect(next.rebuilt).toBe(4);
    await expectSameAsFull(tree, site);
    // And the build after that one trusts its state again: nothing to rebuild.
    expect((await buildSite(options(tree, site))).rebuilt).toBe(0);
    rmSync(tree.root, { recursive: true, force: true });
  });

  it('after a run it was adding is gone again, deletes that run too', async () => {
    const tree = makeTree(25);
    const site = join(tree.root, 'site');
    await buildSite(options(tree, site));
    change(tree);
    expect(buildInChild(tree, site, 'site:manifest').signal).toBe('SIGKILL');
    expect(existsSync(join(site, `data/runs/${runId(26)}/run.json`))).toBe(true);
    rmSync(join(tree.mlruns, EXP, runId(26)), { recursive: true });
    await buildSite(options(tree, site));
    expect(existsSync(join(site, `data/runs/${runId(26)}`))).toBe(false);
    await expectSameAsFull(tree, site);
    rmSync(tree.root, { recursive: true, force: true });
  });
});
