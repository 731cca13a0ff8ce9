// The static site: build time, data size and peak memory of `mltrack site build` for N runs, full and
// incremental (nothing changed, one run changed); time from navigation to a painted runs table in
// Chromium, for the built sites and for a 100,000-run runs index in shards against the same index in
// one file; and the redraw time of a chart of a 1,000,000-point metric history. Trees come from
// bench/lib/mlrunsTree.js (the search benchmark's).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { formatExperimentMeta } from '../dist/format/experimentMeta.js';
import { pathToFileUri } from '../dist/format/fileUri.js';
import { formatMetricLine } from '../dist/format/metricFile.js';
import { formatRunMeta } from '../dist/format/runMeta.js';
import { RUNS_PER_SHARD, SITE_FORMAT, rowsToIndex, sitePaths } from '../dist/format/siteFormat.js';
import { appDir, buildSite } from '../dist/site/buildSite.js';
import { startStaticServer } from '../dist/site/serveSite.js';
import { DEFAULT_SHAPE, EXPERIMENT_ID, ensureTree, prng } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { fmtBytes, fmtInt, fmtMs, median, since } from './lib/timing.js';
import { makeTempDir, removeTempDir } from './lib/tmp.js';

const CHILD = fileURLToPath(new URL('./lib/siteBuildChild.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const BIG_POINTS = 1_000_000;

const progress = (msg) => console.log(`  .. ${msg}`);

function buildInChild(mlruns, out) {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [CHILD, mlruns, out], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const wallMs = since(start);
  if (res.status !== 0) throw new Error(`site build failed (${res.status}): ${res.stderr}`);
  return { wallMs, ...JSON.parse(res.stdout.trim().split('\n').pop()) };
}

async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Rows of the runs table, looked up through the shadow roots (a function: the site's CSP forbids eval). */
function rowsPainted() {
  const app = document.querySelector('mlt-app');
  const page = app?.shadowRoot?.querySelector('mlt-runs-page');
  const table = page?.shadowRoot?.querySelector('mlt-runs-table');
  return (table?.shadowRoot?.querySelectorAll('.body .row').length ?? 0) > 0;
}

/** The runs page's "loading N of M runs" note is gone: every shard is in. */
function allLoaded() {
  const page = document.querySelector('mlt-app')?.shadowRoot?.querySelector('mlt-runs-page');
  return !!page?.shadowRoot?.querySelector('.count') && !page.shadowRoot.querySelector('.loading-runs');
}

/**
 * Navigation start to a painted runs table (rows in the DOM, then two animation frames), to every
 * run loaded, the JS heap then, and from pressing Enter on a filter to the new count on screen.
 */
async function paintTime(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(rowsPainted, null, { timeout: 120_000, polling: 'raf' });
  const ms = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))));
  await page.waitForFunction(allLoaded, null, { timeout: 300_000, polling: 50 });
  const allMs = await page.evaluate(() => performance.now());
  const heapMiB = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null));
  const count = await page.locator('mlt-runs-page .count').textContent();
  // Filter and sort in the browser: from typing the filter and pressing Enter to the new count on
  // screen (the count read before typing: the input's debounce may apply the filter first).
  const filter = page.locator('mlt-runs-page input#filter');
  const before = await page.locator('mlt-runs-page .count').textContent();
  const t0 = Date.now();
  await filter.fill("metrics.m0 < 0.5 and params.p3 = 'v3'");
  await filter.press('Enter');
  await page.waitForFunction((prev) => document.querySelector('mlt-app').shadowRoot.querySelector('mlt-runs-page').shadowRoot.querySelector('.count').textContent !== prev, before, { timeout: 120_000 });
  const filterMs = Date.now() - t0;
  await context.close();
  return { ms, allMs, heapMiB, count, filterMs };
}

async function paintSamples(browser, root, experimentId, n, label) {
  const server = await startStaticServer(root, 0);
  try {
    const samples = [];
    for (let i = 0; i < n; i++) {
      progress(`${label}: navigation to painted table ${i + 1}/${n}`);
      samples.push(await paintTime(browser, `${server.url}#/experiments/${experimentId}`));
    }
    return {
      ms: median(samples.map((s) => s.ms)),
      allMs: median(samples.map((s) => s.allMs)),
      filterMs: median(samples.map((s) => s.filterMs)),
      heapMiB: Math.max(...samples.map((s) => s.heapMiB ?? 0)) || null,
      count: samples[0].count,
    };
  } finally {
    await server.close();
  }
}

/** Files and bytes under a directory. */
function du(dir) {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      files++;
      bytes += statSync(join(e.parentPath ?? e.path, e.name)).size;
    }
  }
  return { files, bytes };
}

/**
 * Full build, a rebuild with nothing changed and one after one run changed, each in a fresh process.
 * The builds read a copy of the cached tree; the change replaces one metric file of the copy with
 * its text plus one line.
 */
async function measureSize(runs, { repeat, browser }) {
  const tree = ensureTree(runs, { log: progress });
  const dir = makeTempDir(`site-${runs}`);
  const mlruns = join(dir, 'mlruns');
  // A real copy: hard links would share the files with the cache, which other benchmarks rewrite.
  progress(`${fmtInt(runs)} runs: copy of the cached tree`);
  const copied = spawnSync('cp', ['-a', tree.mlruns, mlruns], { encoding: 'utf8' });
  if (copied.status !== 0) throw new Error(`cp -a failed: ${copied.stderr}`);
  const site = join(dir, 'site');
  const full = [];
  for (let i = 0; i < repeat; i++) {
    progress(`${fmtInt(runs)} runs: full site build ${i + 1}/${repeat}`);
    rmSync(site, { recursive: true, force: true });
    const b = buildInChild(mlruns, site);
    if (b.runs !== runs || b.rebuilt !== runs) throw new Error(`built ${b.runs} runs (${b.rebuilt} rebuilt), expected ${runs}`);
    full.push(b);
  }
  const unchanged = [];
  const changed = [];
  const runDirs = readdirSync(join(mlruns, tree.experimentId)).filter((n) => /^[0-9a-f]{32}$/.test(n)).sort();
  for (let i = 0; i < repeat; i++) {
    progress(`${fmtInt(runs)} runs: rebuild, nothing changed ${i + 1}/${repeat}`);
    const u = buildInChild(mlruns, site);
    if (u.rebuilt !== 0) throw new Error(`nothing changed, yet ${u.rebuilt} runs were rebuilt`);
    unchanged.push(u);
    const metric = join(mlruns, tree.experimentId, runDirs[(i * 7919) % runDirs.length], 'metrics', 'm0');
    const text = readFileSync(metric, 'utf8');
    rmSync(metric);
    writeFileSync(metric, text + formatMetricLine({ timestamp: 1_800_000_000_000 + i, value: 0.5, step: 1000 + i }));
    progress(`${fmtInt(runs)} runs: rebuild, one run changed ${i + 1}/${repeat}`);
    const c = buildInChild(mlruns, site);
    if (c.rebuilt !== 1) throw new Error(`one run changed, yet ${c.rebuilt} runs were rebuilt`);
    changed.push(c);
  }
  const manifest = JSON.parse(readFileSync(join(site, sitePaths.manifest), 'utf8'));
  const exp = manifest.experiments.find((e) => e.experimentId === tree.experimentId);
  const shard = readFileSync(join(site, sitePaths.runsShard(tree.experimentId, exp.shards - 1)));
  const written = du(join(site, 'data'));
  const out = {
    runs,
    repeat,
    full: summary(full),
    unchanged: summary(unchanged),
    changed: summary(changed),
    files: written.files,
    bytes: written.bytes,
    treeBytes: tree.bytes,
    shards: exp.shards,
    shardBytes: shard.length,
    shardGzip: gzipSync(shard).length,
    paint: browser ? await paintSamples(browser, site, tree.experimentId, Math.max(3, repeat), `${fmtInt(runs)} runs`) : null,
    watch: measureWatch(mlruns, runs),
  };
  removeTempDir(dir);
  return out;
}

const WATCH_CHILD = `
const [how, dir, serveSite] = process.argv.slice(1);
const t0 = performance.now();
let ready;
let close;
if (how === 'recursive') {
  const w = (await import('node:fs')).watch(dir, { recursive: true }, () => {});
  ready = Promise.resolve();
  close = () => w.close();
} else {
  const w = (await import(serveSite)).watchTree(dir, () => {});
  ready = w.ready;
  close = () => w.close();
}
const returned = performance.now() - t0;
await new Promise((r) => setImmediate(r));
const answering = performance.now() - t0;
await ready;
const readyMs = performance.now() - t0;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ returned, answering, readyMs, cpuMs: (cpu.user + cpu.system) / 1000, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
close();
process.exit(0);
`;

/**
 * What \`mltrack ui\` pays to watch the tree, each way in a fresh process: Node 20's recursive
 * fs.watch (what it used before) against watchTree (one watch per directory, in the background).
 */
function measureWatch(mlruns, runs) {
  const serveSite = new URL('../dist/site/serveSite.js', import.meta.url).href;
  const out = {};
  for (const how of ['recursive', 'watchTree']) {
    progress(`${fmtInt(runs)} runs: watching the tree (${how})`);
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', WATCH_CHILD, how, mlruns, serveSite], { encoding: 'utf8', timeout: 300_000 });
    if (res.status !== 0) throw new Error(`watch child failed (${res.status}): ${res.stderr}`);
    out[how] = JSON.parse(res.stdout.trim().split('\n').pop());
  }
  return out;
}

function summary(builds) {
  return {
    buildMs: median(builds.map((b) => b.buildMs)),
    wallMs: median(builds.map((b) => b.wallMs)),
    maxRssMiB: Math.max(...builds.map((b) => b.maxRssMiB)),
    files: builds[0].files,
    bytes: builds[0].bytes,
  };
}

/**
 * A site whose runs index holds `runs` runs of the search benchmark's shape (20 params, 10 metrics,
 * 5 tags), written by the builder's own `rowsToIndex` in shards of `shardSize`: what the runs table
 * loads, without the per-run files it does not (a 100,000-run tree takes too long to generate here).
 */
function syntheticSite(dir, runs, shardSize) {
  cpSync(appDir(), dir, { recursive: true });
  const rand = prng(7);
  const base = 1_700_000_000_000;
  const rows = [];
  for (let r = 0; r < runs; r++) {
    const params = {};
    for (let p = 0; p < DEFAULT_SHAPE.params; p++) params[`p${p}`] = p === 3 ? `v${r % 10}` : p % 2 ? String(Math.floor(rand() * 1000)) : String(rand() / 100);
    const metrics = {};
    for (let m = 0; m < DEFAULT_SHAPE.metrics; m++) metrics[`m${m}`] = { value: rand(), step: DEFAULT_SHAPE.steps - 1 };
    rows.push({
      runId: r.toString(16).padStart(32, '0'), runName: `bench-run-${r}`, status: 'FINISHED', lifecycleStage: 'active', userId: 'bench',
      startTime: base + r * 60_000, endTime: base + r * 60_000 + 100_000, artifactUri: null, metrics, params,
      tags: { 'mlflow.runName': `bench-run-${r}`, 'mlflow.user': 'bench', 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'LOCAL', team: `team-${r % 4}` },
      datasets: [],
    });
  }
  const shards = Math.ceil(runs / shardSize);
  mkdirSync(join(dir, 'data', 'experiments', EXPERIMENT_ID), { recursive: true });
  let indexBytes = 0;
  for (let k = 0; k < shards; k++) {
    const text = JSON.stringify(rowsToIndex(EXPERIMENT_ID, k, rows.slice(k * shardSize, (k + 1) * shardSize)));
    writeFileSync(join(dir, sitePaths.runsShard(EXPERIMENT_ID, k)), text);
    indexBytes += text.length;
  }
  const experiment = {
    experimentId: EXPERIMENT_ID, name: 'bench-search', artifactLocation: 'file:///.mltrack-root/' + EXPERIMENT_ID, lifecycleStage: 'active',
    creationTime: base, lastUpdateTime: base, tags: {}, runCount: runs, activeRunCount: runs, shards, lastRunStart: base + (runs - 1) * 60_000,
    metricKeys: Object.keys(rows[0].metrics).sort(), paramKeys: Object.keys(rows[0].params).sort(), tagKeys: Object.keys(rows[0].tags).sort(),
  };
  writeFileSync(join(dir, sitePaths.registry), JSON.stringify({ format: SITE_FORMAT, models: [] }));
  writeFileSync(join(dir, sitePaths.manifest), JSON.stringify({
    format: SITE_FORMAT, generator: 'bench', builtAt: Date.now(), source: { kind: 'worktree' }, experiments: [experiment],
    registry: { models: 0, versions: 0 }, log: null, artifactLimitBytes: 0, live: false,
  }));
  return { shards, indexBytes };
}

/** First paint of a `runs`-run runs index: in shards (this build) against one file (the build before). */
async function measureBigPaint(browser, runs, repeat) {
  const out = [];
  for (const [label, shardSize] of [[`shards of ${fmtInt(RUNS_PER_SHARD)}`, RUNS_PER_SHARD], ['one file (unsharded)', runs]]) {
    const dir = makeTempDir('site-paint');
    progress(`${fmtInt(runs)} runs, ${label}: writing the runs index`);
    const written = syntheticSite(dir, runs, shardSize);
    out.push({ label, ...written, ...(await paintSamples(browser, dir, EXPERIMENT_ID, Math.max(3, repeat), `${fmtInt(runs)} runs, ${label}`)) });
    removeTempDir(dir);
  }
  return out;
}

/** One run with a 1,000,000-point metric (and a small one), written as the store writes it. */
function bigHistoryTree(dir) {
  const mlruns = join(dir, 'mlruns');
  const expId = '1';
  const expDir = join(mlruns, expId);
  const runId = 'b'.repeat(32);
  for (const sub of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(expDir, runId, sub), { recursive: true });
  mkdirSync(join(mlruns, '.trash'), { recursive: true });
  writeFileSync(join(expDir, 'meta.yaml'), formatExperimentMeta({ experimentId: expId, name: 'big-history', artifactLocation: pathToFileUri(expDir), lifecycleStage: 'active', creationTime: 1, lastUpdateTime: 1 }));
  const start = 1_700_000_000_000;
  const lines = new Array(BIG_POINTS);
  let v = 1;
  for (let i = 0; i < BIG_POINTS; i++) {
    v = v * 0.999995 + (Math.sin(i * 0.37) + Math.sin(i * 0.0011)) * 0.01;
    lines[i] = formatMetricLine({ timestamp: start + i * 10, value: Math.abs(v) + 0.001, step: i });
  }
  writeFileSync(join(expDir, runId, 'metrics', 'loss'), lines.join(''));
  writeFileSync(join(expDir, runId, 'metrics', 'lr'), formatMetricLine({ timestamp: start, value: 0.1, step: 0 }));
  writeFileSync(join(expDir, runId, 'tags', 'mlflow.runName'), 'million-points');
  writeFileSync(join(expDir, runId, 'meta.yaml'), formatRunMeta({ runId, runName: 'million-points', experimentId: expId, userId: 'bench', status: 'FINISHED', startTime: start, endTime: start + BIG_POINTS * 10, artifactUri: `${pathToFileUri(expDir)}/${runId}/artifacts`, lifecycleStage: 'active' }));
  return { mlruns, runId };
}

async function measureChart(browser, repeat) {
  const dir = makeTempDir('site-chart');
  progress(`writing a run with a ${fmtInt(BIG_POINTS)}-point history`);
  const { mlruns, runId } = bigHistoryTree(dir);
  const built = await buildSite({ out: join(dir, 'site'), mlruns, cwd: dir });
  const server = await startStaticServer(join(dir, 'site'), 0);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}#/runs/${runId}?tab=metrics&metrics=loss`);
    const chart = page.locator('mlt-metric-chart').first();
    await page.waitForFunction(() => {
      const c = document.querySelector('mlt-app')?.shadowRoot?.querySelector('mlt-run-page')?.shadowRoot?.querySelector('mlt-metrics-panel')?.shadowRoot?.querySelector('mlt-metric-chart');
      return c?.shadowRoot?.querySelector('canvas') && c.lastRedrawMs > 0;
    }, null, { timeout: 120_000, polling: 100 });
    const firstChartMs = await page.evaluate(() => performance.now());
    const windows = { full: [null, null], '10%': [0, BIG_POINTS / 10], '0.1%': [BIG_POINTS / 2, BIG_POINTS / 2 + BIG_POINTS / 1000] };
    const out = { firstChartMs, historyBytes: built.bytes };
    for (const [name, [min, max]] of Object.entries(windows)) {
      const samples = [];
      for (let i = 0; i < Math.max(5, repeat); i++) {
        // From another window each time: uPlot skips a scale that did not change.
        await chart.evaluate((el) => el.redraw(1000, 2000));
        samples.push(await chart.evaluate((el, [a, b]) => el.redraw(a, b), [min, max]));
      }
      out[name] = median(samples);
    }
    out.points = await chart.evaluate((el) => el.series.reduce((n, s) => n + s.x.length, 0));
    await context.close();
    return out;
  } finally {
    await server.close();
    removeTempDir(dir);
  }
}

export async function runSite({ runsList = [1000, 10000], paintRuns = 100_000, repeat } = {}) {
  console.log('\n## Static site (bench/site.js)');
  if (!existsSync(fileURLToPath(new URL('../dist/ui/index.html', import.meta.url)))) throw new Error('dist/ui is missing: npm run build');
  const browser = existsSync(CHROMIUM) ? await launch() : null;
  if (!browser) console.log(`(no ${CHROMIUM}: the browser measurements are skipped)`);
  try {
    const results = [];
    for (const runs of runsList) results.push(await measureSize(runs, { repeat: repeat ?? (runs <= 2000 ? 3 : 1), browser }));
    const col = (f) => results.map(f);
    const build = (b) => `${fmtMs(b.buildMs)}, ${b.maxRssMiB.toFixed(0)} MiB`;
    printTable(
      'Site build (fresh process: time, peak RSS) and first paint',
      ['', ...results.map((r) => `${fmtInt(r.runs)} runs`)],
      [
        ['mlruns tree (files of the search benchmark)', ...col((r) => fmtBytes(r.treeBytes))],
        ['full build', ...col((r) => build(r.full))],
        ['rebuild, nothing changed', ...col((r) => build(r.unchanged))],
        ['rebuild, one run changed (metric line appended)', ...col((r) => build(r.changed))],
        ['  full / one changed', ...col((r) => `${(r.full.buildMs / r.changed.buildMs).toFixed(1)}x`)],
        ['process wall, one changed (node start + import + build)', ...col((r) => fmtMs(r.changed.wallMs))],
        ['data written: full (files / bytes)', ...col((r) => `${fmtInt(r.full.files)} / ${fmtBytes(r.full.bytes)}`)],
        ['data written: one changed (files / bytes)', ...col((r) => `${fmtInt(r.changed.files)} / ${fmtBytes(r.changed.bytes)}`)],
        ['site data (files / bytes)', ...col((r) => `${fmtInt(r.files)} / ${fmtBytes(r.bytes)}`)],
        ['runs index shards / newest shard (gzipped)', ...col((r) => `${r.shards} / ${fmtBytes(r.shardBytes)} (${fmtBytes(r.shardGzip)})`)],
        ['Chromium: navigation to painted runs table', ...col((r) => (r.paint ? fmtMs(r.paint.ms) : 'skipped'))],
        ['Chromium: navigation to every run loaded', ...col((r) => (r.paint ? fmtMs(r.paint.allMs) : 'skipped'))],
        ['Chromium: filter + sort on Enter to new count', ...col((r) => (r.paint ? fmtMs(r.paint.filterMs) : 'skipped'))],
        ['repetitions (median shown)', ...col((r) => String(r.repeat))],
      ],
    );
    const ways = [['recursive', 'recursive fs.watch (before)'], ['watchTree', 'a watch per directory (watchTree)']];
    printTable(
      '`mltrack ui`: watching the mlruns tree (fresh process each)',
      ['', ...results.flatMap((r) => ways.map(([, label]) => `${fmtInt(r.runs)} runs: ${label}`))],
      [
        ['until the event loop is free (the server answers)', ...results.flatMap((r) => ways.map(([how]) => fmtMs(r.watch[how].answering)))],
        ['until every directory is watched', ...results.flatMap((r) => ways.map(([how]) => fmtMs(r.watch[how].readyMs)))],
        ['CPU time (user + system)', ...results.flatMap((r) => ways.map(([how]) => fmtMs(r.watch[how].cpuMs)))],
        ['RSS then', ...results.flatMap((r) => ways.map(([how]) => `${r.watch[how].rssMiB.toFixed(0)} MiB`))],
      ],
    );
    if (browser && paintRuns) {
      const big = await measureBigPaint(browser, paintRuns, repeat ?? 3);
      printTable(`Runs table of ${fmtInt(paintRuns)} runs in Chromium (index written by rowsToIndex, search benchmark's shape)`, ['', ...big.map((b) => b.label)], [
        ['runs index (files / bytes)', ...big.map((b) => `${fmtInt(b.shards)} / ${fmtBytes(b.indexBytes)}`)],
        ['navigation to painted runs table', ...big.map((b) => fmtMs(b.ms))],
        ['navigation to every run loaded', ...big.map((b) => fmtMs(b.allMs))],
        ['filter + sort on Enter to new count', ...big.map((b) => fmtMs(b.filterMs))],
        ['JS heap used, every run loaded', ...big.map((b) => (b.heapMiB ? `${b.heapMiB.toFixed(0)} MiB` : 'n/a'))],
        ['count shown', ...big.map((b) => b.count)],
      ]);
    }
    if (browser) {
      const c = await measureChart(browser, repeat ?? 5);
      printTable(`Chart of a ${fmtInt(BIG_POINTS)}-point history (uPlot, thinned per pixel column)`, ['', 'time'], [
        ['navigation to the first chart drawn (fetch + parse + draw)', fmtMs(c.firstChartMs)],
        ['redraw, full range', fmtMs(c.full)],
        ['redraw, zoomed to 10%', fmtMs(c['10%'])],
        ['redraw, zoomed to 0.1% (1,000 raw points)', fmtMs(c['0.1%'])],
        ['points in the series', fmtInt(c.points)],
      ]);
    }
  } finally {
    await browser?.close();
  }
}
