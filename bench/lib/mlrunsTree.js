// A big mlruns tree for the search benchmark, written straight to disk in the exact bytes the
// store writes (formatRunMeta, formatExperimentMeta, formatMetricLine; params and tags as plain value
// files), which is far faster than going through the store API. Cached under os.tmpdir() and reused
// while its marker matches (generator version, shape, and a sample of the format's output).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatExperimentMeta } from '../../dist/format/experimentMeta.js';
import { pathToFileUri } from '../../dist/format/fileUri.js';
import { formatMetricLine } from '../../dist/format/metricFile.js';
import { formatRunMeta } from '../../dist/format/runMeta.js';

/** Bump when the generated tree changes shape. */
const GENERATOR_VERSION = 1;

export const CACHE_ROOT = join(tmpdir(), 'mltrack-bench-cache');

export const DEFAULT_SHAPE = { params: 20, metrics: 10, steps: 100 };

/** Experiment id of the benchmark experiment (18 digits, like MLflow's). */
export const EXPERIMENT_ID = '271828182845904523';

const BASE_TIME = 1_700_000_000_000;

/** mulberry32: a small seeded PRNG so the tree is the same on every machine. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex32(rand) {
  let s = '';
  for (let i = 0; i < 4; i++) s += Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
  return s;
}

/** A fingerprint of what the format functions write, so a format change invalidates the cache. */
function formatSample() {
  const sample =
    formatRunMeta({
      runId: '0'.repeat(32), runName: 'x', experimentId: '1', userId: 'u', status: 'FINISHED',
      startTime: 1, endTime: 2, artifactUri: 'file:///x', lifecycleStage: 'active',
    }) +
    formatExperimentMeta({ experimentId: '1', name: 'n', artifactLocation: 'file:///x', lifecycleStage: 'active', creationTime: 1, lastUpdateTime: 1 }) +
    formatMetricLine({ timestamp: 1, value: 0.1 + 0.2, step: 3 }) +
    formatMetricLine({ timestamp: 1, value: 1e-7, step: 0 });
  return createHash('sha1').update(sample).digest('hex');
}

function write(path, text, stats) {
  writeFileSync(path, text);
  stats.files++;
  stats.bytes += Buffer.byteLength(text);
}

function writeExperiment(mlruns, id, name, stats) {
  const dir = join(mlruns, id);
  mkdirSync(join(dir, 'tags'), { recursive: true });
  write(join(dir, 'meta.yaml'), formatExperimentMeta({
    experimentId: id, name, artifactLocation: pathToFileUri(dir), lifecycleStage: 'active', creationTime: BASE_TIME, lastUpdateTime: BASE_TIME,
  }), stats);
  return dir;
}

/** Write `runs` runs into a fresh mlruns tree at `mlruns`. */
function generate(mlruns, runs, shape) {
  const stats = { files: 0, bytes: 0 };
  mkdirSync(join(mlruns, '.trash'), { recursive: true });
  writeExperiment(mlruns, '0', 'Default', stats);
  const expDir = writeExperiment(mlruns, EXPERIMENT_ID, 'bench-search', stats);
  const rand = prng(42);
  const artifactRoot = pathToFileUri(expDir);
  for (let r = 0; r < runs; r++) {
    const runId = hex32(rand);
    const runDir = join(expDir, runId);
    for (const sub of ['metrics', 'params', 'artifacts', 'tags']) mkdirSync(join(runDir, sub), { recursive: true });
    const startTime = BASE_TIME + r * 60_000;
    const runName = `bench-run-${r}`;
    const tags = {
      'mlflow.runName': runName,
      'mlflow.user': 'bench',
      'mlflow.source.name': 'train.py',
      'mlflow.source.type': 'LOCAL',
      team: `team-${r % 4}`,
    };
    for (const [key, value] of Object.entries(tags)) write(join(runDir, 'tags', key), value, stats);
    for (let p = 0; p < shape.params; p++) {
      // p3 cycles through v0..v9 so `params.p3 = 'v3'` keeps a tenth of the runs.
      const value = p === 3 ? `v${r % 10}` : p % 2 ? String(Math.floor(rand() * 1000)) : String(rand() / 100);
      write(join(runDir, 'params', `p${p}`), value, stats);
    }
    for (let m = 0; m < shape.metrics; m++) {
      let lines = '';
      for (let step = 0; step < shape.steps; step++) {
        lines += formatMetricLine({ timestamp: startTime + step * 1000, value: rand(), step });
      }
      write(join(runDir, 'metrics', `m${m}`), lines, stats);
    }
    // meta.yaml last, as the store does.
    write(join(runDir, 'meta.yaml'), formatRunMeta({
      runId, runName, experimentId: EXPERIMENT_ID, userId: 'bench', status: 'FINISHED',
      startTime, endTime: startTime + shape.steps * 1000, artifactUri: `${artifactRoot}/${runId}/artifacts`, lifecycleStage: 'active',
    }), stats);
  }
  return stats;
}

/**
 * The cached tree for `runs` runs, generated when missing or stale.
 * Returns { mlruns, experimentId, files, bytes, cached, generateMs }.
 */
export function ensureTree(runs, { shape = DEFAULT_SHAPE, fresh = false, log = console.log } = {}) {
  const marker = {
    generatorVersion: GENERATOR_VERSION,
    runs,
    shape,
    format: formatSample(),
  };
  const dir = join(CACHE_ROOT, `runs-${runs}-p${shape.params}-m${shape.metrics}x${shape.steps}`);
  const markerPath = join(dir, 'READY.json');
  if (!fresh && existsSync(markerPath)) {
    try {
      const found = JSON.parse(readFileSync(markerPath, 'utf8'));
      if (JSON.stringify(found.marker) === JSON.stringify(marker)) {
        return { mlruns: join(dir, 'mlruns'), experimentId: EXPERIMENT_ID, files: found.files, bytes: found.bytes, cached: true, generateMs: 0 };
      }
    } catch {
      // unreadable marker: regenerate
    }
  }
  log(`generating a tree of ${runs.toLocaleString('en-US')} runs in ${dir} (cached for later runs) ...`);
  const start = process.hrtime.bigint();
  // Written in place, marker last: a tree without a matching marker is removed and written again.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let stats;
  try {
    stats = generate(join(dir, 'mlruns'), runs, shape);
    writeFileSync(markerPath, JSON.stringify({ marker, files: stats.files, bytes: stats.bytes }, null, 2));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const generateMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { mlruns: join(dir, 'mlruns'), experimentId: EXPERIMENT_ID, files: stats.files, bytes: stats.bytes, cached: false, generateMs };
}
