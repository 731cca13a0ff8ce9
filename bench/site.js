// The static site: build time, data size and peak memory of `mltrack site build` for N runs; time
// from navigation to a painted runs table in Chromium; and the redraw time of a chart of a
// 1,000,000-point metric history. Trees come from bench/lib/mlrunsTree.js (the search benchmark's).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { formatExperimentMeta } from '../dist/format/experimentMeta.js';
import { pathToFileUri } from '../dist/format/fileUri.js';
import { formatMetricLine } from '../dist/format/metricFile.js';
import { formatRunMeta } from '../dist/format/runMeta.js';
import { buildSite } from '../dist/site/buildSite.js';
import { startStaticServer } from '../dist/site/serveSite.js';
import { ensureTree } from './lib/mlrunsTree.js';
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

/** Navigation start to a painted runs table: rows in the DOM, then two animation frames (a paint). */
async function paintTime(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(rowsPainted, null, { timeout: 60_000, polling: 'raf' });
  const ms = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))));
  const count = await page.locator('mlt-runs-page .count').textContent();
  // Filter and sort in the browser: from pressing Enter to the new count on screen.
  const filter = page.locator('mlt-runs-page input#filter');
  await filter.fill("metrics.m0 < 0.5 and params.p3 = 'v3'");
  const before = await page.locator('mlt-runs-page .count').textContent();
  const t0 = Date.now();
  await filter.press('Enter');
  await page.waitForFunction((prev) => document.querySelector('mlt-app').shadowRoot.querySelector('mlt-runs-page').shadowRoot.querySelector('.count').textContent !== prev, before);
  const filterMs = Date.now() - t0;
  await context.close();
  return { ms, count, filterMs };
}

async function measureSize(runs, { repeat, browser }) {
  const tree = ensureTree(runs, { log: progress });
  const dir = makeTempDir(`site-${runs}`);
  const builds = [];
  let last;
  for (let i = 0; i < repeat; i++) {
    progress(`${fmtInt(runs)} runs: site build ${i + 1}/${repeat}`);
    last = buildInChild(tree.mlruns, join(dir, 'site'));
    if (last.runs !== runs) throw new Error(`built ${last.runs} runs, expected ${runs}`);
    builds.push(last);
  }
  const index = readFileSync(join(dir, 'site', 'data', 'experiments', tree.experimentId, 'runs.json'));
  const out = {
    runs,
    repeat,
    buildMs: median(builds.map((b) => b.buildMs)),
    wallMs: median(builds.map((b) => b.wallMs)),
    maxRssMiB: Math.max(...builds.map((b) => b.maxRssMiB)),
    files: last.files,
    bytes: last.bytes,
    treeBytes: tree.bytes,
    indexBytes: index.length,
    indexGzip: gzipSync(index).length,
    paint: null,
  };
  if (browser) {
    const server = await startStaticServer(join(dir, 'site'), 0);
    try {
      const url = `${server.url}#/experiments/${tree.experimentId}`;
      const samples = [];
      for (let i = 0; i < Math.max(3, repeat); i++) {
        progress(`${fmtInt(runs)} runs: navigation to painted table ${i + 1}`);
        samples.push(await paintTime(browser, url));
      }
      out.paint = { ms: median(samples.map((s) => s.ms)), filterMs: median(samples.map((s) => s.filterMs)), count: samples[0].count };
    } finally {
      await server.close();
    }
  }
  removeTempDir(dir);
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

export async function runSite({ runsList = [1000, 10000], repeat } = {}) {
  console.log('\n## Static site (bench/site.js)');
  if (!existsSync(fileURLToPath(new URL('../dist/ui/index.html', import.meta.url)))) throw new Error('dist/ui is missing: npm run build');
  const browser = existsSync(CHROMIUM) ? await launch() : null;
  if (!browser) console.log(`(no ${CHROMIUM}: the browser measurements are skipped)`);
  try {
    const results = [];
    for (const runs of runsList) results.push(await measureSize(runs, { repeat: repeat ?? (runs <= 2000 ? 3 : 1), browser }));
    const col = (f) => results.map(f);
    printTable(
      'Site build and first paint',
      ['', ...results.map((r) => `${fmtInt(r.runs)} runs`)],
      [
        ['mlruns tree (files of the search benchmark)', ...col((r) => fmtBytes(r.treeBytes))],
        ['site build (buildSite, fresh process)', ...col((r) => fmtMs(r.buildMs))],
        ['process wall (node start + import + build)', ...col((r) => fmtMs(r.wallMs))],
        ['build time per run', ...col((r) => `${(r.buildMs / r.runs).toFixed(2)} ms`)],
        ['peak memory of the build (max RSS)', ...col((r) => `${r.maxRssMiB.toFixed(0)} MiB`)],
        ['data written (files / bytes)', ...col((r) => `${fmtInt(r.files)} / ${fmtBytes(r.bytes)}`)],
        ['runs index (runs.json) / gzipped', ...col((r) => `${fmtBytes(r.indexBytes)} / ${fmtBytes(r.indexGzip)}`)],
        ['Chromium: navigation to painted runs table', ...col((r) => (r.paint ? fmtMs(r.paint.ms) : 'skipped'))],
        ['Chromium: filter + sort on Enter to new count', ...col((r) => (r.paint ? fmtMs(r.paint.filterMs) : 'skipped'))],
        ['repetitions (median shown)', ...col((r) => String(r.repeat))],
      ],
    );
    if (results.length >= 2) {
      const [a, b] = [results[0], results[results.length - 1]];
      const k = b.runs / a.runs;
      console.log(`\n${fmtInt(a.runs)} → ${fmtInt(b.runs)} runs (${k}x): build ${(b.buildMs / a.buildMs).toFixed(1)}x, data ${(b.bytes / a.bytes).toFixed(1)}x, memory ${(b.maxRssMiB / a.maxRssMiB).toFixed(1)}x${a.paint && b.paint ? `, first paint ${(b.paint.ms / a.paint.ms).toFixed(1)}x` : ''}`);
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
