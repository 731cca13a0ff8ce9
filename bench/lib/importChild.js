// Run in a fresh process by bench/import.js, so each figure has its own peak memory. Prints one JSON line.
//   node bench/lib/importChild.js read <mlflow.db>            every row the import reads, better-sqlite3 alone
//   node bench/lib/importChild.js import <mlflow.db> <mlruns>  mltrack's import (files only, no commit)
import Database from 'better-sqlite3';
import { importSqlite } from '../../dist/import/importSqlite.js';

/** The baseline: every row the import reads, read with better-sqlite3 and nothing else. */
function readRows(path) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  let rows = 0;
  for (const table of ['experiments', 'experiment_tags', 'runs', 'params', 'tags', 'metrics', 'datasets', 'inputs', 'input_tags', 'registered_models', 'model_versions']) {
    for (const _ of db.prepare(`SELECT * FROM ${table}`).safeIntegers(true).iterate()) rows++;
  }
  db.close();
  return rows;
}

const [mode, db, mlruns] = process.argv.slice(2);
const start = process.hrtime.bigint();
let count;
if (mode === 'read') count = readRows(db);
else count = (await importSqlite({ uri: `sqlite:///${db}`, mlruns, commit: null, artifacts: 'keep', rebases: [], dryRun: false })).filesWritten;
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ ms, count, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
