// Committing one finished run onto a tracking branch that already holds N runs: mltrack commit
// (git plumbing, stat-signature cache) against `git add -A` + `git commit` with the git CLI on an
// identical copy of the same tree, each in its own repository so neither finds the other's objects.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findRepo } from '../dist/git/repo.js';
import { commitTracking } from '../dist/git/trackingCommit.js';
import { FileStore } from '../dist/store/FileStore.js';
import { ensureTree, EXPERIMENT_ID } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { makeTempDir } from './lib/tmp.js';
import { fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const progress = (msg) => console.log(`  .. ${msg}`);
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A git repository holding a copy of the generated mlruns tree. */
function repoWithTree(label, mlruns) {
  const dir = makeTempDir(label);
  git(dir, 'init', '-q');
  execFileSync('cp', ['-a', mlruns, join(dir, 'mlruns')]);
  return dir;
}

async function logOneRun(dir) {
  const store = new FileStore(join(dir, 'mlruns'));
  const run = await store.createRun({ experimentId: EXPERIMENT_ID, userId: 'bench', runName: 'one-more' });
  const metrics = [];
  for (let m = 0; m < 10; m++) for (let step = 0; step < 100; step++) metrics.push({ key: `m${m}`, value: Math.random(), timestamp: 1_700_000_000_000 + step, step });
  for (let i = 0; i < metrics.length; i += 1000) await store.logBatch(run.info.runId, { metrics: metrics.slice(i, i + 1000) });
  await store.logBatch(run.info.runId, { params: Array.from({ length: 20 }, (_, i) => ({ key: `p${i}`, value: `v${i}` })) });
  await store.setTerminated(run.info.runId);
  return run.info.runId;
}

export async function runCommit({ runsList, repeat }) {
  const rows = [];
  for (const runs of runsList) {
    const tree = ensureTree(runs, { log: progress });
    const ours = repoWithTree('commit-mltrack', tree.mlruns);
    const theirs = repoWithTree('commit-git', tree.mlruns);
    progress(`${fmtInt(runs)} runs: initial commits (not timed against each other: first full snapshot)`);
    let start = process.hrtime.bigint();
    await commitTracking({ repo: findRepo(ours), mlruns: join(ours, 'mlruns'), branch: 'mltrack' });
    const oursInitial = since(start);
    start = process.hrtime.bigint();
    git(theirs, 'add', '-A', 'mlruns');
    git(theirs, 'commit', '-q', '-m', 'initial');
    const gitInitial = since(start);

    const oursTimes = [];
    const targetedTimes = [];
    const gitTimes = [];
    for (let i = 0; i < repeat; i++) {
      progress(`${fmtInt(runs)} runs: one more finished run, repetition ${i + 1}/${repeat}`);
      await logOneRun(ours);
      await logOneRun(theirs);
      start = process.hrtime.bigint();
      const result = await commitTracking({ repo: findRepo(ours), mlruns: join(ours, 'mlruns'), branch: 'mltrack' });
      oursTimes.push(since(start));
      if (!result || !/1 run finished/.test(result.message)) throw new Error(`unexpected commit: ${result?.message}`);
      // The auto-commit path: the run that just ended is known, so only its directory is read.
      const runId = await logOneRun(ours);
      start = process.hrtime.bigint();
      const targeted = await commitTracking({ repo: findRepo(ours), mlruns: join(ours, 'mlruns'), branch: 'mltrack', paths: [`${EXPERIMENT_ID}/${runId}`] });
      targetedTimes.push(since(start));
      if (!targeted || !targeted.message.includes(runId)) throw new Error(`unexpected commit: ${targeted?.message}`);
      start = process.hrtime.bigint();
      git(theirs, 'add', '-A', 'mlruns');
      git(theirs, 'commit', '-q', '-m', 'one more run');
      gitTimes.push(since(start));
    }
    // Both branches hold every file of their tree (mltrack's tree has one extra run per repetition).
    const count = (dir, rev) => git(dir, 'ls-tree', '-r', '--name-only', rev, 'mlruns').split('\n').filter(Boolean).length;
    const local = (dir) => Number(execFileSync('bash', ['-c', 'find mlruns -type f | wc -l'], { cwd: dir, encoding: 'utf8' }).trim());
    const same = count(ours, 'mltrack') === local(ours) && count(theirs, 'HEAD') === local(theirs) ? 'yes' : 'NO';
    rows.push([fmtInt(runs), fmtMs(median(targetedTimes)), fmtMs(median(oursTimes)), fmtMs(median(gitTimes)), fmtRatio(median(targetedTimes) / median(gitTimes)), fmtRatio(median(oursTimes) / median(gitTimes)), fmtMs(oursInitial), fmtMs(gitInitial), same]);
  }
  printTable(
    'Commit one finished run onto a branch holding N runs (median)',
    ['runs on the branch', 'mltrack, run known (auto-commit)', 'mltrack commit (full scan)', 'git add -A + git commit', 'ratio run known / git', 'ratio full scan / git', 'first commit, mltrack', 'first commit, git', 'branch = files'],
    rows,
  );
  console.log('Each side has its own repository with a copy of the same tree; each timed commit adds one finished run (37 files).');
  console.log('"run known": the auto-commit path (auto_commit, end-run, mltrack run) reads only the ended run. DESIGN target: at least as fast as the git CLI.');
}
