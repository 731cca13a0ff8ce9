// Cold search: read every run of a big experiment in a fresh process, filter and sort it, side by
// side with reading the same files with `cat` and with plain Node readFileSync.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureTree, DEFAULT_SHAPE } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const SEARCH_CHILD = fileURLToPath(new URL('./lib/searchChild.js', import.meta.url));
const READALL_CHILD = fileURLToPath(new URL('./lib/readAllChild.js', import.meta.url));

export const FILTER = "metrics.m0 < 0.5 and params.p3 = 'v3'";
export const ORDER_BY = ['metrics.m1 DESC', 'params.p0 ASC'];

const progress = (msg) => console.log(`  .. ${msg}`);

function run(cmd, args) {
  const start = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = since(start);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return { wallMs, stdout: res.stdout };
}

/** `cat` of every file of the tree, timed from outside (process start to exit). */
function catAll(dir) {
  return run('bash', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', 'bash', dir]).wallMs;
}

function nodeChild(script, args) {
  const { wallMs, stdout } = run(process.execPath, [script, ...args]);
  return { wallMs, ...JSON.parse(stdout.trim().split('\n').pop()) };
}

async function measure(runs, { repeat, fresh }) {
  const tree = ensureTree(runs, { fresh, log: progress });
  if (!tree.cached) progress(`generated ${fmtInt(tree.files)} files in ${fmtMs(tree.generateMs)}`);
  progress(`${fmtInt(runs)} runs: warming the page cache with one untimed cat (${fmtMs(catAll(tree.mlruns))})`);
  const samples = { cat: [], nodeRead: [], nodeWall: [], read: [], filter: [], total: [], wall: [], importMs: [] };
  let last;
  for (let i = 0; i < repeat; i++) {
    progress(`${fmtInt(runs)} runs: repetition ${i + 1}/${repeat}`);
    samples.cat.push(catAll(tree.mlruns));
    const node = nodeChild(READALL_CHILD, [tree.mlruns]);
    samples.nodeRead.push(node.readMs);
    samples.nodeWall.push(node.wallMs);
    last = nodeChild(SEARCH_CHILD, [tree.mlruns, tree.experimentId, FILTER, JSON.stringify(ORDER_BY)]);
    if (last.runs !== runs) throw new Error(`mltrack read ${last.runs} runs, expected ${runs}`);
    samples.read.push(last.readMs);
    samples.filter.push(last.filterMs);
    samples.total.push(last.totalMs);
    samples.wall.push(last.wallMs);
    samples.importMs.push(last.importMs);
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  return { runs, repeat, tree, m, matched: last.matched, maxRssMiB: last.maxRssMiB };
}

/** Repetitions per size unless --repeat is given: 3 up to 2,000 runs (cheap), 1 above (keeps the bench under ~5 min). */
const defaultRepeat = (runs) => (runs <= 2000 ? 3 : 1);

export async function runSearch({ runsList = [1000, 10000], repeat, fresh = false } = {}) {
  console.log(`\n## Cold search: ${DEFAULT_SHAPE.params} params, ${DEFAULT_SHAPE.metrics} metrics x ${DEFAULT_SHAPE.steps} steps, 5 tags per run, one experiment`);
  console.log(`filter: ${FILTER}   order_by: ${ORDER_BY.join(', ')}`);
  console.log(`Each mltrack measure runs in a fresh node process. Page cache: WARM for every column (one untimed cat first;`);
  console.log(`dropping caches needs root). Median of ${repeat ?? '3 (<= 2,000 runs) or 1'} repetition(s); cat, node and mltrack interleaved.`);
  const results = [];
  for (const runs of runsList) results.push(await measure(runs, { repeat: repeat ?? defaultRepeat(runs), fresh }));
  const col = (f) => results.map(f);
  printTable('Cold search (warm page cache, fresh process)', ['', ...col((r) => `${fmtInt(r.runs)} runs`)], [
    ['files / bytes in tree', ...col((r) => `${fmtInt(r.tree.files)} / ${fmtBytes(r.tree.bytes)}`)],
    ['baseline: cat all files (find + xargs cat)', ...col((r) => fmtMs(r.m.cat))],
    ['baseline: node read all files (readFileSync, no parse)', ...col((r) => fmtMs(r.m.nodeRead))],
    ['mltrack read (listExperiments + readRuns)', ...col((r) => fmtMs(r.m.read))],
    ['mltrack filter + sort (searchRuns)', ...col((r) => fmtMs(r.m.filter))],
    ['mltrack total (read + filter)', ...col((r) => fmtMs(r.m.total))],
    ['mltrack process wall (node start + import + total)', ...col((r) => fmtMs(r.m.wall))],
    ['ratio mltrack read / cat (target <= 1.5x, no index)', ...col((r) => fmtRatio(r.m.read / r.m.cat))],
    ['ratio mltrack total / cat', ...col((r) => fmtRatio(r.m.total / r.m.cat))],
    ['ratio node read / cat', ...col((r) => fmtRatio(r.m.nodeRead / r.m.cat))],
    ['with index (target < 1 s)', ...col(() => 'not built yet')],
    ['runs matched', ...col((r) => fmtInt(r.matched))],
    ['repetitions (median shown)', ...col((r) => String(r.repeat))],
    ['mltrack process peak RSS', ...col((r) => `${r.maxRssMiB.toFixed(0)} MiB`)],
  ]);
  console.log('For scale (DESIGN.md, not measured here): MLflow\'s file store takes 40 to 65 s for this search at 10,000 runs, cat about 8 s.');
  return results;
}
