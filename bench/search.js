// Run search in a fresh process, side by side with reading the same files with `cat` and with
// plain Node readFileSync: without an index (the query's files read), building the index, with a
// valid index, and after an outside writer rewrote files of 1% of the runs in place.
// `--indexed-only` times only the indexed cases, keeping an index already built (for the
// 100,000-run tree, whose cat, index-free and build columns take half an hour here).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTree, DEFAULT_SHAPE } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const SEARCH_CHILD = fileURLToPath(new URL('./lib/searchChild.js', import.meta.url));
const READALL_CHILD = fileURLToPath(new URL('./lib/readAllChild.js', import.meta.url));

export const FILTER = "metrics.m0 < 0.5 and params.p3 = 'v3'";
export const ORDER_BY = ['metrics.m1 DESC', 'params.p0 ASC'];

const progress = (msg) => console.log(`  .. ${msg}`);

/** Runs `cmd` under /usr/bin/time for its peak RSS; wall time from outside (process start to exit). */
function run(cmd, args, env = process.env) {
  const start = process.hrtime.bigint();
  const res = spawnSync('/usr/bin/time', ['-f', 'maxrss_kib=%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  const wallMs = since(start);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  const rss = /maxrss_kib=(\d+)/.exec(res.stderr);
  return { wallMs, stdout: res.stdout, maxRssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

/** `cat` of every file of the tree. */
function catAll(dir) {
  return run('bash', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', 'bash', dir]);
}

function nodeChild(script, args, env) {
  const { wallMs, stdout, maxRssMiB } = run(process.execPath, [script, ...args], env);
  return { wallMs, maxRssMiB, ...JSON.parse(stdout.trim().split('\n').pop()) };
}

/**
 * An outside writer (MLflow's client) touches 1% of the runs: the `team` tag and one metric file
 * rewritten in place with the same bytes. Signatures change, the answer does not, so the tree
 * stays the cached one.
 */
function touchOnePercent(tree, round) {
  const expDir = join(tree.mlruns, tree.experimentId);
  const runs = readdirSync(expDir).filter((d) => /^[0-9a-f]{32}$/.test(d)).sort();
  const step = 100;
  let touched = 0;
  for (let i = round % step; i < runs.length; i += step) {
    for (const file of [join(expDir, runs[i], 'tags', 'team'), join(expDir, runs[i], 'metrics', 'm5')]) writeFileSync(file, readFileSync(file));
    touched++;
  }
  return touched;
}

async function measure(runs, { repeat, fresh, indexedOnly }) {
  const tree = ensureTree(runs, { fresh, log: progress });
  if (!tree.cached) progress(`generated ${fmtInt(tree.files)} files in ${fmtMs(tree.generateMs)}`);
  const indexBase = join(tree.mlruns, '..', 'bench-index');
  const env = { ...process.env, MLTRACK_INDEX_DIR: indexBase };
  const args = [tree.mlruns, tree.experimentId, FILTER, JSON.stringify(ORDER_BY)];
  if (indexedOnly) progress(`${fmtInt(runs)} runs: warming the caches with one untimed indexed search (${fmtMs(nodeChild(SEARCH_CHILD, [...args, 'index'], env).wallMs)})`);
  else progress(`${fmtInt(runs)} runs: warming the page cache with one untimed cat (${fmtMs(catAll(tree.mlruns).wallMs)})`);
  const samples = { cat: [], nodeRead: [], none: [], build: [], valid: [], changed: [], validWall: [] };
  const rss = {};
  const keep = (name, r) => {
    samples[name].push(r.totalMs ?? r.readMs ?? r.wallMs);
    rss[name] = Math.max(rss[name] ?? 0, r.maxRssMiB);
  };
  let matched;
  let touched = 0;
  let reread = 0;
  let validReread = 0;
  let firstCaptured = null;
  let fillQueries = null;
  for (let i = 0; i < repeat; i++) {
    progress(`${fmtInt(runs)} runs: repetition ${i + 1}/${repeat}`);
    let none = null;
    let build = null;
    if (!indexedOnly) {
      keep('cat', catAll(tree.mlruns));
      keep('nodeRead', nodeChild(READALL_CHILD, [tree.mlruns]));
      none = nodeChild(SEARCH_CHILD, [...args, 'none'], env);
      keep('none', none);
      rmSync(indexBase, { recursive: true, force: true });
      build = nodeChild(SEARCH_CHILD, [...args, 'index'], env);
      keep('build', build);
      firstCaptured = build.captured;
      // Each query adds at most as many runs as the index holds (2,000 at first): fill it.
      fillQueries = 1;
      while (nodeChild(SEARCH_CHILD, [...args, 'index'], env).captured > 0) fillQueries++;
    }
    const valid = nodeChild(SEARCH_CHILD, [...args, 'index'], env);
    keep('valid', valid);
    samples.validWall.push(valid.wallMs);
    touched = touchOnePercent(tree, i);
    const changed = nodeChild(SEARCH_CHILD, [...args, 'index'], env);
    keep('changed', changed);
    // Each indexed answer against the index-free one (indexed-only: against each other).
    const reference = none ?? valid;
    for (const r of [build, valid, changed].filter(Boolean)) {
      if (r.matched !== reference.matched || r.firstRunId !== reference.firstRunId) throw new Error(`indexed search answered ${r.matched} runs (first ${r.firstRunId}), the reference ${reference.matched} (first ${reference.firstRunId})`);
    }
    // Not 0 when another process changed file metadata meanwhile (a hard link of the cached tree
    // bumps every file's ctime): the index is right to read those runs again; the table says so.
    validReread = Math.max(validReread, valid.captured);
    // Only the returned runs are checked file by file; the others only in the files the query reads.
    if (changed.captured > touched) throw new Error(`after ${touched} runs changed the index read ${changed.captured} again`);
    reread = changed.captured;
    matched = reference.matched;
  }
  const m = Object.fromEntries(Object.entries(samples).filter(([, v]) => v.length).map(([k, v]) => [k, median(v)]));
  progress(`${fmtInt(runs)} runs: ${Object.entries(m).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ')}`);
  return { runs, repeat, tree, m, rss, matched, touched, reread, validReread, firstCaptured, fillQueries };
}

/** Repetitions per size unless --repeat is given: 3 up to 2,000 runs (cheap), 1 above. */
const defaultRepeat = (runs) => (runs <= 2000 ? 3 : 1);

export async function runSearch({ runsList = [1000, 10000], repeat, fresh = false, indexedOnly = false } = {}) {
  console.log(`\n## Run search: ${DEFAULT_SHAPE.params} params, ${DEFAULT_SHAPE.metrics} metrics x ${DEFAULT_SHAPE.steps} steps, 5 tags per run, one experiment`);
  console.log(`filter: ${FILTER}   order_by: ${ORDER_BY.join(', ')}   max_results: 50000`);
  console.log(`Each mltrack measure is FileStore.searchRuns in a fresh node process. Page cache: WARM for every column (one untimed`);
  console.log(`cat first; dropping caches needs root). Median of ${repeat ?? '3 (<= 2,000 runs) or 1'} repetition(s), interleaved.`);
  const results = [];
  for (const runs of runsList) results.push(await measure(runs, { repeat: repeat ?? defaultRepeat(runs), fresh, indexedOnly }));
  const col = (f) => results.map(f);
  const withRss = (name) => col((r) => (r.m[name] === undefined ? '- (--indexed-only)' : `${fmtMs(r.m[name])} (${r.rss[name].toFixed(0)} MiB)`));
  const ratio = (a, b) => col((r) => (r.m[a] === undefined || r.m[b] === undefined ? '-' : fmtRatio(r.m[a] / r.m[b])));
  printTable('Run search (warm page cache, fresh process; peak RSS in brackets)', ['', ...col((r) => `${fmtInt(r.runs)} runs`)], [
    ['files / bytes in tree', ...col((r) => `${fmtInt(r.tree.files)} / ${fmtBytes(r.tree.bytes)}`)],
    ['baseline: cat all files (find + xargs cat), process wall', ...withRss('cat')],
    ['baseline: node read all files (readFileSync, no parse)', ...withRss('nodeRead')],
    ['mltrack, no index (MLTRACK_INDEX=0): the query\'s files read', ...withRss('none')],
    ['mltrack, index missing: the first query (adds up to 2,000 runs to the index)', ...withRss('build')],
    ['runs the first query indexed / queries until the index holds every run', ...col((r) => (r.fillQueries === null ? '-' : `${fmtInt(r.firstCaptured)} / ${r.fillQueries}`))],
    ['mltrack, valid index', ...withRss('valid')],
    ['mltrack, valid index, process wall (node start + import)', ...col((r) => fmtMs(r.m.validWall))],
    ['runs a valid index read again (0 unless another process touched the tree)', ...col((r) => fmtInt(r.validReread))],
    ['mltrack, after an outside writer changed 1% of runs', ...withRss('changed')],
    ['runs the outside writer changed / read again (those returned)', ...col((r) => `${fmtInt(r.touched)} / ${fmtInt(r.reread)}`)],
    ['ratio 1% changed / valid (target <= 1.5x)', ...ratio('changed', 'valid')],
    ['ratio no index / cat', ...ratio('none', 'cat')],
    ['ratio valid index / cat', ...ratio('valid', 'cat')],
    ['runs matched (all returned)', ...col((r) => fmtInt(r.matched))],
    ['repetitions (median shown)', ...col((r) => String(r.repeat))],
  ]);
  console.log('mltrack rows are the time inside FileStore.searchRuns; "process wall" adds node start-up and module import.');
  console.log('Targets (issue 13): valid index under 200 ms at 10,000 runs in a fresh process, under 1.5 s at 100,000; 1% changed within 1.5x of valid.');
  return results;
}
