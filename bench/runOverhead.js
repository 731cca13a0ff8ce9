// Overhead of `mltrack run -- CMD` over running CMD directly, for programs that exit at once
// (`true`, `node -e 0`): every figure is a whole process, start to exit, timed from outside.
// Interleaved (direct, wrapped, direct, ...) so load on the machine hits both sides alike.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './lib/table.js';
import { makeTempDir, removeTempDir } from './lib/tmp.js';
import { fmtMs, fmtRatio, median, since } from './lib/timing.js';

const BIN = fileURLToPath(new URL('../bin/mltrack.js', import.meta.url));
const progress = (msg) => console.log(`  .. ${msg}`);

function timed(argv, cwd, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = since(start);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function gitRepo(dir, env) {
  const git = (...args) => spawnSync('git', args, { cwd: dir, env, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), 'mlruns/\n');
  writeFileSync(join(dir, 'train.sh'), 'true\n');
  git('add', '.');
  git('commit', '-qm', 'code');
}

export async function runRunOverhead({ repeat = 20 } = {}) {
  console.log(`\n## Overhead of \`mltrack run\`: a command that exits at once, direct vs wrapped`);
  console.log(`Each figure is one whole process (spawnSync, start to exit), median of ${repeat}, direct and wrapped interleaved.`);
  const plain = makeTempDir('run-plain');
  const repo = makeTempDir('run-repo');
  try {
    const base = { ...process.env, NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
    for (const key of ['MLTRACK_RUN_ID', 'MLFLOW_RUN_ID', 'MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLTRACK_EXPERIMENT', 'MLTRACK_AUTO_COMMIT']) delete base[key];
    gitRepo(repo, base);
    const envFor = (dir) => ({ ...base, MLTRACK_MLRUNS: join(dir, 'mlruns') });
    const mltrack = (...args) => [process.execPath, BIN, ...args];
    const cases = [
      { label: '`true`', direct: ['true'], dir: plain },
      { label: '`node -e 0`', direct: [process.execPath, '-e', '0'], dir: plain },
      { label: '`true`, in a git repository (lineage tags)', direct: ['true'], dir: repo },
    ];
    // Warm up: file system caches, the compiled modules, git.
    for (const c of cases) {
      timed(c.direct, c.dir, envFor(c.dir));
      timed(mltrack('run', '-q', '--', ...c.direct), c.dir, envFor(c.dir));
    }
    const startup = [];
    const rows = [];
    for (const c of cases) {
      progress(`run overhead: ${c.label}`);
      const direct = [];
      const wrapped = [];
      for (let i = 0; i < repeat; i++) {
        direct.push(timed(c.direct, c.dir, envFor(c.dir)));
        wrapped.push(timed(mltrack('run', '-q', '--', ...c.direct), c.dir, envFor(c.dir)));
        if (c === cases[0]) startup.push(timed(mltrack('--version'), c.dir, envFor(c.dir)));
      }
      const d = median(direct);
      const w = median(wrapped);
      rows.push([c.label, fmtMs(d), fmtMs(w), fmtMs(w - d), fmtRatio(w / d)]);
    }
    const s = median(startup);
    rows.push(['for scale: `mltrack --version` (node start + CLI import)', '-', fmtMs(s), '-', '-']);
    printTable('mltrack run overhead (whole process, lower is better)', ['command', 'direct', 'mltrack run -- command', 'overhead', 'ratio'], rows);
    console.log('Overhead = wrapped - direct: node start-up and CLI import, the run (meta.yaml, system tags, params), the log files,');
    console.log('spawning the child in its own process group, and ending the run (exit-code tag, meta.yaml). No DESIGN.md target.');
    return { rows, startup: s };
  } finally {
    removeTempDir(plain);
    removeTempDir(repo);
  }
}
