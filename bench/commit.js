// Commits onto a tracking branch that holds N runs, each mltrack commit in a fresh process (peak
// memory is that process's), next to `git add -A` + `git commit` on an identical copy of the same
// tree, each side in its own repository so neither finds the other's objects:
// - one known run (what auto_commit, end-run and `mltrack run` do) on a branch of 1,000 to 100,000
//   runs, written straight as git objects so that 100,000 runs need no tree of 3.6 million files on disk;
// - the full scan after one more run, and the first commit, on the generated trees (section 2).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatExperimentMeta } from '../dist/format/experimentMeta.js';
import { pathToFileUri } from '../dist/format/fileUri.js';
import { formatMetricLine } from '../dist/format/metricFile.js';
import { formatRunMeta } from '../dist/format/runMeta.js';
import { formatCommit, formatTree, writeObject } from '../dist/git/objects.js';
import { ObjectWriter } from '../dist/git/objectWriter.js';
import { FileStore } from '../dist/store/FileStore.js';
import { ensureTree, EXPERIMENT_ID, prng } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { makeTempDir, removeTempDir } from './lib/tmp.js';
import { fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const CHILD = fileURLToPath(new URL('./lib/commitChild.js', import.meta.url));
const progress = (msg) => console.log(`  .. ${msg}`);
// No automatic gc: git commit would start one in the background over the tree's loose objects.
const GIT_ENV = { ...process.env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gc.auto', GIT_CONFIG_VALUE_0: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
/** Trees above this many runs are not generated on disk (36 files a run): only the known-run row. */
const MAX_DISK_RUNS = 20_000;

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * One mltrack commit in a fresh process: { ms, cpuMs, subject, maxRssMiB }. Its peak memory comes
 * from GNU time, as git's does: Linux carries a process's peak across fork and exec, so the child's
 * own getrusage would report at least this benchmark's size (hundreds of MiB after writing a branch).
 */
function mltrackCommit(dir, run) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CHILD, dir, ...(run ? [run] : [])], { env: GIT_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mltrack commit: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...result, maxRssMiB: Number(r.stderr.trim().split('\n').pop()) / 1024 };
}

/** `git add -A mlruns` + `git commit`, each under GNU time for its peak memory: { ms, maxRssMiB }. */
function gitCommit(dir, message) {
  const start = process.hrtime.bigint();
  let peak = 0;
  for (const args of [['add', '-A', 'mlruns'], ['commit', '-q', '-m', message]]) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'git', ...args], { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    peak = Math.max(peak, Number(r.stderr.trim().split('\n').pop()) / 1024);
  }
  return { ms: since(start), maxRssMiB: peak };
}

export async function logOneRun(dir) {
  const store = new FileStore(join(dir, 'mlruns'));
  const run = await store.createRun({ experimentId: EXPERIMENT_ID, userId: 'bench', runName: 'one-more' });
  const metrics = [];
  for (let m = 0; m < 10; m++) for (let step = 0; step < 100; step++) metrics.push({ key: `m${m}`, value: Math.random(), timestamp: 1_700_000_000_000 + step, step });
  for (let i = 0; i < metrics.length; i += 1000) await store.logBatch(run.info.runId, { metrics: metrics.slice(i, i + 1000) });
  await store.logBatch(run.info.runId, { params: Array.from({ length: 20 }, (_, i) => ({ key: `p${i}`, value: `v${i}` })) });
  await store.setTerminated(run.info.runId);
  return `${EXPERIMENT_ID}/${run.info.runId}`;
}

/**
 * A repository whose `mltrack` branch holds `runs` runs of the benchmark's shape (20 params, 10
 * metrics of 100 steps, 5 tags): each run its own meta.yaml, the params, metrics and tags folders
 * one shared tree each (the experiment's tree of N entries is what a known-run commit rewrites).
 * On disk only the experiments' meta.yaml files: a known-run commit reads nothing else. (git
 * fast-import takes minutes for one folder of 100,000 entries.)
 */
export function syntheticBranch(runs) {
  const dir = makeTempDir('commit-known');
  git(dir, 'init', '-q');
  const gitdir = join(dir, '.git');
  const mlruns = join(dir, 'mlruns');
  const expDir = join(mlruns, EXPERIMENT_ID);
  mkdirSync(join(expDir, 'tags'), { recursive: true });
  mkdirSync(join(mlruns, '0', 'tags'), { recursive: true });
  mkdirSync(join(mlruns, '.trash'), { recursive: true });
  const expMeta = (id, name, where) => formatExperimentMeta({ experimentId: id, name, artifactLocation: where, lifecycleStage: 'active', creationTime: 1, lastUpdateTime: 1 });
  writeFileSync(join(expDir, 'meta.yaml'), expMeta(EXPERIMENT_ID, 'bench-commit', pathToFileUri(expDir)));
  writeFileSync(join(mlruns, '0', 'meta.yaml'), expMeta('0', 'Default', pathToFileUri(join(mlruns, '0'))));
  const rand = prng(7);
  const folder = (files) => writeObject(gitdir, 'tree', formatTree(Object.entries(files).map(([name, text]) => ({ mode: '100644', name, oid: writeObject(gitdir, 'blob', Buffer.from(text)) }))));
  const params = folder(Object.fromEntries(Array.from({ length: 20 }, (_, p) => [`p${p}`, String(rand())])));
  const metrics = folder(Object.fromEntries(Array.from({ length: 10 }, (_, m) => [`m${m}`, Array.from({ length: 100 }, (_, step) => formatMetricLine({ timestamp: 1_700_000_000_000 + step, value: rand(), step })).join('')])));
  const tags = folder({ 'mlflow.user': 'bench', 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'LOCAL', team: 'a' });
  // The run trees go into one pack (mltrack's own writer); the trees above them are written loose.
  const writer = new ObjectWriter(gitdir);
  const runEntries = [];
  for (let r = 0; r < runs; r++) {
    const runId = Array.from({ length: 4 }, () => Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0')).join('');
    const meta = formatRunMeta({ runId, runName: `run-${r}`, experimentId: EXPERIMENT_ID, userId: 'bench', status: 'FINISHED', startTime: 1, endTime: 2, artifactUri: `file:///.mltrack-root/${EXPERIMENT_ID}/${runId}/artifacts`, lifecycleStage: 'active' });
    const tree = formatTree([
      { mode: '100644', name: 'meta.yaml', oid: writer.write('blob', Buffer.from(meta)) },
      { mode: '40000', name: 'params', oid: params },
      { mode: '40000', name: 'metrics', oid: metrics },
      { mode: '40000', name: 'tags', oid: tags },
    ]);
    runEntries.push({ mode: '40000', name: runId, oid: writer.write('tree', tree) });
  }
  writer.finish();
  const expTree = writeObject(gitdir, 'tree', formatTree(runEntries));
  const mlrunsTree = writeObject(gitdir, 'tree', formatTree([{ mode: '40000', name: EXPERIMENT_ID, oid: expTree }]));
  const root = writeObject(gitdir, 'tree', formatTree([{ mode: '40000', name: 'mlruns', oid: mlrunsTree }]));
  const who = { name: 'bench', email: 'bench@example.com', timestamp: 1_700_000_000, timezone: '+0000' };
  git(dir, 'update-ref', 'refs/heads/mltrack', writeObject(gitdir, 'commit', formatCommit({ tree: root, parents: [], author: who, committer: who, message: 'initial\n' })));
  return dir;
}

export async function runCommit({ runsList, knownRunsList, repeat }) {
  console.log('\n## Commit: one known run, the full scan, the first commit (each mltrack commit a fresh process)');
  const known = [];
  for (const runs of knownRunsList) {
    progress(`${fmtInt(runs)} runs: writing the branch as git objects`);
    const dir = syntheticBranch(runs);
    mltrackCommit(dir, await logOneRun(dir)); // warm-up: the disk's experiment files onto the branch
    const times = [];
    for (let i = 0; i < repeat; i++) {
      const run = await logOneRun(dir);
      const result = mltrackCommit(dir, run);
      if (result.subject !== 'mltrack: 1 run finished') throw new Error(`unexpected commit: ${result.subject}`);
      times.push(result);
    }
    const entries = git(dir, 'ls-tree', `mltrack:mlruns/${EXPERIMENT_ID}`).split('\n').filter((l) => l.includes(' tree ')).length;
    if (entries !== runs + repeat + 1) throw new Error(`branch holds ${entries} runs, expected ${runs + repeat + 1}`);
    known.push({ runs, ms: median(times.map((t) => t.ms)), cpuMs: median(times.map((t) => t.cpuMs)), rss: Math.max(...times.map((t) => t.maxRssMiB)) });
    removeTempDir(dir);
  }
  const smallest = known[0];
  printTable(
    'Commit one known run (auto-commit) onto a branch of N runs (median, fresh process)',
    ['runs on the branch', 'mltrack, run known', `ratio to ${fmtInt(smallest.runs)} runs`, 'CPU of the commit (node)', 'CPU ratio', 'peak memory'],
    known.map((k) => [fmtInt(k.runs), fmtMs(k.ms), fmtRatio(k.ms / smallest.ms), fmtMs(k.cpuMs), fmtRatio(k.cpuMs / smallest.cpuMs), `${k.rss.toFixed(0)} MiB`]),
  );
  console.log(`Each commit adds one finished run (37 files) and reads nothing but it; median of ${repeat}. DESIGN target: flat (within 2x from the smallest to the largest branch).`);

  const rows = [];
  for (const runs of runsList.filter((n) => n <= MAX_DISK_RUNS)) {
    const tree = ensureTree(runs, { log: progress });
    const ours = makeTempDir('commit-mltrack');
    const theirs = makeTempDir('commit-git');
    for (const dir of [ours, theirs]) {
      git(dir, 'init', '-q');
      // Hard links: the two sides share the files' pages and never modify them (new runs are new files).
      execFileSync('cp', ['-al', tree.mlruns, join(dir, 'mlruns')]);
    }
    // Every file read once first: the side that commits first would otherwise pay for a cold page cache.
    execFileSync('bash', ['-c', 'find mlruns -type f -exec cat {} + > /dev/null'], { cwd: ours });
    progress(`${fmtInt(runs)} runs: first commit, mltrack then git`);
    const oursFirst = mltrackCommit(ours);
    const gitFirst = gitCommit(theirs, 'initial');
    const oursTimes = [];
    const gitTimes = [];
    for (let i = 0; i < repeat; i++) {
      progress(`${fmtInt(runs)} runs: one more finished run, full scan, repetition ${i + 1}/${repeat}`);
      await logOneRun(ours);
      await logOneRun(theirs);
      const result = mltrackCommit(ours);
      if (result.subject !== 'mltrack: 1 run finished') throw new Error(`unexpected commit: ${result.subject}`);
      oursTimes.push(result);
      gitTimes.push(gitCommit(theirs, 'one more run'));
    }
    // Both branches hold every file of their tree.
    const count = (dir, rev) => git(dir, 'ls-tree', '-r', '--name-only', rev, 'mlruns').split('\n').filter(Boolean).length;
    const local = (dir) => Number(execFileSync('bash', ['-c', 'find mlruns -type f | wc -l'], { cwd: dir, encoding: 'utf8' }).trim());
    const same = count(ours, 'mltrack') === local(ours) && count(theirs, 'HEAD') === local(theirs) ? 'yes' : 'NO';
    const full = median(oursTimes.map((t) => t.ms));
    const gitFull = median(gitTimes.map((t) => t.ms));
    const mib = (list) => `${Math.max(...list.map((t) => t.maxRssMiB)).toFixed(0)} MiB`;
    rows.push([fmtInt(runs), fmtMs(full), fmtMs(gitFull), fmtRatio(full / gitFull), mib(oursTimes), mib(gitTimes), fmtMs(oursFirst.ms), fmtMs(gitFirst.ms), fmtRatio(oursFirst.ms / gitFirst.ms), mib([oursFirst]), mib([gitFirst]), same]);
    removeTempDir(ours);
    removeTempDir(theirs);
  }
  printTable(
    'Full scan after one more run, and the first commit, on a generated tree of N runs (median)',
    ['runs', 'mltrack commit (full scan)', 'git add -A + git commit', 'ratio', 'peak, mltrack', 'peak, git', 'first commit, mltrack', 'first commit, git', 'ratio first', 'peak first, mltrack', 'peak first, git', 'branch = files'],
    rows,
  );
  console.log('mltrack times are the commit inside its process (node start-up excluded; the CLI start is its own benchmark); git times are both git processes, start to exit.');
}
