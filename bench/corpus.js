// Reading a tree real MLflow wrote: the corpus case `many-runs` (200 runs, 5 params, 3 metrics x 20
// steps each), as MLflow 2.17.2 and 3.6.1.dev0 wrote it, read end to end with MlrunsReader in a fresh
// process (experiments, every run with params, tags and latest metrics, then every full metric
// history), side by side with `cat` of the same files and a Node readFileSync of every file.
//   node bench/run.js corpus             (through the runner)
//   node bench/corpus.js --child <mlruns>  (one measured read; prints one JSON line)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './lib/table.js';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const SELF = fileURLToPath(import.meta.url);
const READALL_CHILD = fileURLToPath(new URL('./lib/readAllChild.js', import.meta.url));
export const CORPUS = process.env.MLTRACK_CORPUS ?? fileURLToPath(new URL('../test/fixtures/mlflow-written', import.meta.url));
export const CASE = 'many-runs';

const progress = (msg) => console.log(`  .. ${msg}`);

function run(cmd, args) {
  const start = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = since(start);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return { wallMs, stdout: res.stdout };
}

function catAll(dir) {
  return run('bash', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', 'bash', dir]).wallMs;
}

function nodeChild(args) {
  const { wallMs, stdout } = run(process.execPath, args);
  return { wallMs, ...JSON.parse(stdout.trim().split('\n').pop()) };
}

function treeSize(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) {
        files++;
        bytes += statSync(join(d, e.name)).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** The measured read, in this (fresh) process. */
async function child(root) {
  const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
  const t0 = process.hrtime.bigint();
  const { MlrunsReader } = await import('../dist/store/MlrunsReader.js');
  const { FsTreeReader } = await import('../dist/store/FsTreeReader.js');
  const importMs = ms(t0);

  const t1 = process.hrtime.bigint();
  const reader = new MlrunsReader(new FsTreeReader(root));
  const experiments = await reader.listExperiments('ALL');
  const experimentsMs = ms(t1);

  const t2 = process.hrtime.bigint();
  const runs = [];
  for (const e of experiments) {
    for (const location of await reader.listRunDirs(e.dir)) {
      const r = await reader.readRun(location, e.experiment.experimentId);
      if (r) runs.push({ run: r, dir: location.dir });
    }
  }
  const runsMs = ms(t2);

  const t3 = process.hrtime.bigint();
  let points = 0;
  for (const { run: r, dir } of runs) {
    for (const key of Object.keys(r.data.metrics)) points += (await reader.metricHistory(dir, key)).length;
  }
  const historiesMs = ms(t3);

  // The same run reads again in the same process: how much of the first pass is JIT warm-up.
  const t4 = process.hrtime.bigint();
  for (const e of experiments) {
    for (const location of await reader.listRunDirs(e.dir)) await reader.readRun(location, e.experiment.experimentId);
  }
  const runsAgainMs = ms(t4);

  process.stdout.write(JSON.stringify({
    importMs, experimentsMs, runsMs, historiesMs, runsAgainMs, readMs: experimentsMs + runsMs + historiesMs,
    experiments: experiments.length, runs: runs.length, points,
    params: runs.reduce((n, { run: r }) => n + Object.keys(r.data.params).length, 0),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

async function measure(version, repeat) {
  const mlruns = join(CORPUS, version, CASE, 'mlruns');
  const size = treeSize(mlruns);
  progress(`${version}/${CASE}: warming the page cache with one untimed cat (${fmtMs(catAll(mlruns))})`);
  const samples = { cat: [], nodeRead: [], experiments: [], runs: [], histories: [], runsAgain: [], read: [], wall: [] };
  let last;
  for (let i = 0; i < repeat; i++) {
    samples.cat.push(catAll(mlruns));
    samples.nodeRead.push(nodeChild([READALL_CHILD, mlruns]).readMs);
    last = nodeChild([SELF, '--child', mlruns]);
    samples.experiments.push(last.experimentsMs);
    samples.runs.push(last.runsMs);
    samples.histories.push(last.historiesMs);
    samples.runsAgain.push(last.runsAgainMs);
    samples.read.push(last.readMs);
    samples.wall.push(last.wallMs);
  }
  if (last.runs !== 200) throw new Error(`mltrack read ${last.runs} runs of ${version}/${CASE}, expected 200`);
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  return { version, size, m, last, repeat };
}

export async function runCorpus({ repeat = 5 } = {}) {
  if (!existsSync(CORPUS)) throw new Error(`corpus not found at ${CORPUS} (set MLTRACK_CORPUS)`);
  const versions = readdirSync(CORPUS).filter((v) => existsSync(join(CORPUS, v, CASE, 'mlruns'))).sort();
  console.log(`\n## Reading a tree MLflow wrote: corpus case ${CASE}, ${versions.join(' and ')}`);
  console.log('Each mltrack measure is a fresh node process: listExperiments(ALL), readRun for every run directory');
  console.log('(meta, params, tags, latest metrics, inputs), then metricHistory for every metric of every run.');
  console.log(`Page cache: WARM (one untimed cat first). Median of ${repeat} repetitions; cat, node and mltrack interleaved.`);
  const results = [];
  for (const version of versions) results.push(await measure(version, repeat));
  const col = (f) => results.map(f);
  printTable(`Reading corpus ${CASE} end to end (warm page cache, fresh process)`, ['', ...col((r) => r.version)], [
    ['files / bytes in tree', ...col((r) => `${fmtInt(r.size.files)} / ${fmtBytes(r.size.bytes)}`)],
    ['read: experiments / runs / params / metric points', ...col((r) => `${r.last.experiments} / ${r.last.runs} / ${fmtInt(r.last.params)} / ${fmtInt(r.last.points)}`)],
    ['baseline: cat all files (find + xargs cat)', ...col((r) => fmtMs(r.m.cat))],
    ['baseline: node read all files (readFileSync, no parse)', ...col((r) => fmtMs(r.m.nodeRead))],
    ['mltrack listExperiments', ...col((r) => fmtMs(r.m.experiments))],
    ['mltrack every run (params, tags, latest metrics)', ...col((r) => fmtMs(r.m.runs))],
    ['mltrack every full metric history', ...col((r) => fmtMs(r.m.histories))],
    ['mltrack total read', ...col((r) => fmtMs(r.m.read))],
    ['mltrack process wall (node start + import + read)', ...col((r) => fmtMs(r.m.wall))],
    ['mltrack every run again, same process (warm JIT, not in total)', ...col((r) => fmtMs(r.m.runsAgain))],
    ['ratio mltrack total / cat', ...col((r) => fmtRatio(r.m.read / r.m.cat))],
    ['ratio node read / cat', ...col((r) => fmtRatio(r.m.nodeRead / r.m.cat))],
    ['repetitions (median shown)', ...col((r) => String(r.repeat))],
    ['mltrack process peak RSS', ...col((r) => `${r.last.maxRssMiB.toFixed(0)} MiB`)],
  ]);
  return results;
}

if (process.argv[1] === SELF && process.argv[2] === '--child') await child(process.argv[3]);
