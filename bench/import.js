// `mltrack import sqlite:///PATH` on a generated MLflow database of N runs (20 params, 10 metrics x
// 100 steps each), against reading the same rows with better-sqlite3 alone. The database is made
// from the schema MLflow 3 wrote (CREATE statements of test/fixtures/mlflow-sqlite/v3/mlflow.db).
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CACHE_ROOT } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { makeTempDir } from './lib/tmp.js';
import { fmtInt, fmtMs, fmtRatio, since } from './lib/timing.js';

const CHILD = fileURLToPath(new URL('./lib/importChild.js', import.meta.url));
/** Bump when the generated database changes shape. */
const GENERATOR_VERSION = 1;
const FIXTURE = fileURLToPath(new URL('../test/fixtures/mlflow-sqlite/v3/mlflow.db', import.meta.url));
const T0 = 1_760_000_000_000;
const progress = (msg) => console.log(`  .. ${msg}`);

function generate(path, runs) {
  const schema = new Database(FIXTURE, { readonly: true, fileMustExist: true });
  const creates = schema.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END").pluck().all();
  const revision = schema.prepare('SELECT version_num FROM alembic_version').pluck().get();
  schema.close();
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  for (const sql of creates) db.exec(sql);
  db.prepare('INSERT INTO alembic_version VALUES (?)').run(revision);
  db.prepare("INSERT INTO workspaces (name) VALUES ('default')").run();
  db.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (0, 'Default', 'file:///nowhere/0', 'active', ?, ?, 'default')").run(T0, T0);
  const run = db.prepare("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'UNKNOWN', '', '', 'bench', 'FINISHED', ?, ?, '', 'active', ?, 0)");
  const param = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const tag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  const metric = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
  const latest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)');
  const insertRun = db.transaction((i) => {
    const id = i.toString(16).padStart(32, '0');
    run.run(id, `run-${i}`, T0 + i, T0 + i + 1000, `file:///nowhere/0/${id}/artifacts`);
    tag.run('mlflow.runName', `run-${i}`, id);
    for (let p = 0; p < 20; p++) param.run(`p${p}`, String((i * 31 + p) % 997), id);
    for (let m = 0; m < 10; m++) {
      for (let s = 0; s < 100; s++) metric.run(`m${m}`, Math.sin(i + m + s), T0 + s, id, s);
      latest.run(`m${m}`, Math.sin(i + m + 99), T0 + 99, 99, id);
    }
  });
  // One transaction per 500 runs: SQLite's cost is per commit, not per row.
  const insertMany = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insertRun(i);
  });
  for (let i = 0; i < runs; i += 500) {
    insertMany(i, Math.min(runs, i + 500));
    if (i > 0 && i % 2000 === 0) progress(`generated ${i} runs`);
  }
  db.close();
}

/** The generated database for `runs` runs, cached under os.tmpdir() (10,000 runs take minutes to make). */
function cachedDatabase(runs) {
  mkdirSync(CACHE_ROOT, { recursive: true });
  const path = join(CACHE_ROOT, `mlflow-import-v${GENERATOR_VERSION}-${runs}.db`);
  if (existsSync(path)) return { path, cached: true };
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  generate(partial, runs);
  renameSync(partial, path);
  return { path, cached: false };
}

/** One measure in a fresh process: { ms, count, maxRssKb }. */
function child(...args) {
  const res = spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`importChild ${args[0]} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

const fmtMb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

export async function runImport({ runs = 10000 } = {}) {
  console.log(`\n## import: MLflow database of ${fmtInt(runs)} runs (20 params, 10 metrics x 100 steps)`);
  const dir = makeTempDir('import');
  const mlruns = join(dir, 'mlruns');
  const start = process.hrtime.bigint();
  const db = cachedDatabase(runs);
  progress(db.cached ? `cached database ${db.path}` : `database generated in ${fmtMs(since(start))} (cached at ${db.path})`);

  const read = child('read', db.path);
  const first = child('import', db.path, mlruns);
  const again = child('import', db.path, mlruns);

  printTable('import (no commit; files only; each in a fresh process)', ['what', 'time', 'rows or files', 'vs read alone', 'peak RSS'], [
    ['better-sqlite3: read every row', fmtMs(read.ms), `${fmtInt(read.count)} rows`, '1.00x', fmtMb(read.maxRssKb)],
    ['mltrack import (first)', fmtMs(first.ms), `${fmtInt(first.count)} files`, fmtRatio(first.ms / read.ms), fmtMb(first.maxRssKb)],
    ['mltrack import (again, unchanged)', fmtMs(again.ms), `${fmtInt(again.count)} files`, fmtRatio(again.ms / read.ms), fmtMb(again.maxRssKb)],
  ]);
}
