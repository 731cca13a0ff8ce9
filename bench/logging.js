// Logging throughput: N metric points into one run through the FileStore, side by side with raw
// fs.appendFileSync of the exact same line bytes, one call per point and batched.
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../dist/store/FileStore.js';
import { formatMetricLine } from '../dist/format/metricFile.js';
import { prng } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { makeTempDir, removeTempDir } from './lib/tmp.js';
import { fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const KEYS = 10;
const BATCH = 1000;
const WARMUP = 1000;

const progress = (msg) => console.log(`  .. ${msg}`);

/** N points over KEYS keys (round robin), with their metric-file lines, computed before any timing. */
function makePoints(n, seed) {
  const rand = prng(seed);
  const points = [];
  for (let i = 0; i < n; i++) {
    const key = `m${i % KEYS}`;
    const metric = { key, value: rand() * 10, timestamp: 1_700_000_000_000 + i, step: Math.floor(i / KEYS) };
    points.push({ metric, keyIndex: i % KEYS, line: formatMetricLine(metric) });
  }
  const batches = [];
  for (let b = 0; b < n; b += BATCH) {
    const slice = points.slice(b, b + BATCH);
    // The raw baseline appends what logBatch appends: one write per key per batch, lines in order.
    const perKey = Array.from({ length: KEYS }, () => '');
    for (const p of slice) perKey[p.keyIndex] += p.line;
    batches.push({ metrics: slice.map((p) => p.metric), perKey });
  }
  return { points, batches };
}

function rawDir(parent, name) {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: KEYS }, (_, k) => join(dir, `m${k}`));
}

async function perPointMltrack(store, runId, points) {
  const start = process.hrtime.bigint();
  for (const p of points) await store.logMetric(runId, p.metric);
  return since(start);
}

function perPointRaw(paths, points) {
  const start = process.hrtime.bigint();
  for (const p of points) appendFileSync(paths[p.keyIndex], p.line);
  return since(start);
}

/** A second, informative baseline: the raw appends plus formatting each line (formatMetricLine) inside the timing. */
function perPointRawFormatted(paths, points) {
  const start = process.hrtime.bigint();
  for (const p of points) appendFileSync(paths[p.keyIndex], formatMetricLine(p.metric));
  return since(start);
}

async function batchedMltrack(store, runId, batches) {
  const start = process.hrtime.bigint();
  for (const b of batches) await store.logBatch(runId, { metrics: b.metrics });
  return since(start);
}

function batchedRaw(paths, batches) {
  const start = process.hrtime.bigint();
  for (const b of batches) {
    for (let k = 0; k < KEYS; k++) if (b.perKey[k]) appendFileSync(paths[k], b.perKey[k]);
  }
  return since(start);
}

function batchedRawFormatted(paths, batches) {
  const start = process.hrtime.bigint();
  for (const b of batches) {
    const perKey = Array.from({ length: KEYS }, () => '');
    for (const m of b.metrics) perKey[Number(m.key.slice(1))] += formatMetricLine(m);
    for (let k = 0; k < KEYS; k++) if (perKey[k]) appendFileSync(paths[k], perKey[k]);
  }
  return since(start);
}

/** Compare the metric files of a run with the baseline's files: same names, same bytes. */
function compareBytes(runMetricsDir, paths) {
  let mine = 0;
  let raw = 0;
  let identical = readdirSync(runMetricsDir).length === paths.length;
  for (let k = 0; k < paths.length; k++) {
    const a = readFileSync(join(runMetricsDir, `m${k}`));
    const b = readFileSync(paths[k]);
    mine += a.length;
    raw += b.length;
    if (!a.equals(b)) identical = false;
  }
  return { mine, raw, identical };
}

export async function runLogging({ points: n = 20000, repeat = 3 } = {}) {
  console.log(`\n## Logging throughput: ${fmtInt(n)} metric points into one run, ${KEYS} keys round robin`);
  console.log(`Baseline: fs.appendFileSync of the same line bytes (lines formatted before timing), into files in the same temp dir.`);
  console.log(`Batched: logBatch with ${BATCH} metrics per call vs one appendFileSync per key per batch. Median of ${repeat} repetition(s).`);
  const tmp = makeTempDir('logging');
  try {
    const store = new FileStore(join(tmp, 'mlruns'));
    const experimentId = await store.createExperiment('bench-logging');
    const newRun = async (name) => (await store.createRun({ experimentId, userId: 'bench', runName: name })).info.runId;
    const metricsDir = async (runId) => join(store.root, experimentId, runId, 'metrics');

    // Warm up both paths (JIT, file system metadata) on data that is thrown away.
    const warm = makePoints(WARMUP, 7);
    await perPointMltrack(store, await newRun('warmup-point'), warm.points);
    await batchedMltrack(store, await newRun('warmup-batch'), warm.batches);
    perPointRaw(rawDir(tmp, 'warmup-point'), warm.points);
    batchedRaw(rawDir(tmp, 'warmup-batch'), warm.batches);

    const { points, batches } = makePoints(n, 1);
    const s = { pointMine: [], pointRaw: [], pointFmt: [], batchMine: [], batchRaw: [], batchFmt: [] };
    const checks = [];
    for (let i = 0; i < repeat; i++) {
      progress(`logging: repetition ${i + 1}/${repeat}`);
      const runPoint = await newRun(`point-${i}`);
      const rawPoint = rawDir(tmp, `raw-point-${i}`);
      s.pointMine.push(await perPointMltrack(store, runPoint, points));
      s.pointRaw.push(perPointRaw(rawPoint, points));
      checks.push(compareBytes(await metricsDir(runPoint), rawPoint));
      const fmtPoint = rawDir(tmp, `fmt-point-${i}`);
      s.pointFmt.push(perPointRawFormatted(fmtPoint, points));
      checks.push(compareBytes(await metricsDir(runPoint), fmtPoint));

      const runBatch = await newRun(`batch-${i}`);
      const rawBatch = rawDir(tmp, `raw-batch-${i}`);
      s.batchMine.push(await batchedMltrack(store, runBatch, batches));
      s.batchRaw.push(batchedRaw(rawBatch, batches));
      checks.push(compareBytes(await metricsDir(runBatch), rawBatch));
      const fmtBatch = rawDir(tmp, `fmt-batch-${i}`);
      s.batchFmt.push(batchedRawFormatted(fmtBatch, batches));
      checks.push(compareBytes(await metricsDir(runBatch), fmtBatch));
    }
    const m = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)]));
    const rate = (ms) => fmtInt(n / (ms / 1000));
    const identical = checks.every((c) => c.identical);
    const bytes = `${fmtInt(checks[0].mine)} / ${fmtInt(checks[0].raw)}${identical ? ' (identical)' : ' (DIFFERENT!)'}`;
    printTable('Logging throughput (points/s, higher is better)', [
      '', 'mltrack', 'raw appends', 'ratio mltrack / raw (time)', 'mltrack time', 'raw time', 'raw + formatMetricLine', 'bytes mltrack / raw', 'MLflow (DESIGN.md)',
    ], [
      ['one call per point (logMetric)', rate(m.pointMine), rate(m.pointRaw), fmtRatio(m.pointMine / m.pointRaw), fmtMs(m.pointMine), fmtMs(m.pointRaw), rate(m.pointFmt), bytes, '2,700'],
      [`batched (logBatch, ${BATCH}/call)`, rate(m.batchMine), rate(m.batchRaw), fmtRatio(m.batchMine / m.batchRaw), fmtMs(m.batchMine), fmtMs(m.batchRaw), rate(m.batchFmt), bytes, '15,000'],
    ]);
    console.log('Columns mltrack, raw appends and raw + formatMetricLine are points/s. "raw appends" writes pre-formatted lines (pure I/O);');
    console.log('"raw + formatMetricLine" also formats each line inside the timing (informative: the floor for any writer of this format).');
    console.log('MLflow column: numbers from DESIGN.md for this machine class, not measured here.');
    console.log('DESIGN target: batched within 2x of raw appends of the same bytes.');
    if (!identical) console.log('WARNING: mltrack and the baseline wrote different bytes; the comparison is not fair.');
    return { m, identical, bytes: checks[0].mine };
  } finally {
    removeTempDir(tmp);
  }
}
