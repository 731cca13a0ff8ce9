/**
 * Opens an MLflow SQLite database read-only and works out its schema. Never migrates: MLflow 3
 * upgrades a 2.x database in place when it opens it, so we read through SQLite alone and refuse a
 * revision we do not know, a file that is not SQLite, and a SQLite file that is not MLflow's.
 */
import type Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fail } from '../format/errors.js';
import { isKnownRevision } from './schemaRevisions.js';

export type SqliteDb = Database.Database;

export interface MlflowDb {
  db: SqliteDb;
  path: string;
  revision: string;
  tables: Set<string>;
  /** Column names per table, to read the columns a revision has. */
  columns(table: string): Set<string>;
}

/** `sqlite:///relative.db` or `sqlite:////abs/path.db` (SQLAlchemy's spelling), or a plain path. */
export function sqlitePathFromUri(uri: string): string {
  if (!uri.startsWith('sqlite:')) return uri;
  const m = /^sqlite:\/\/\/(.*)$/.exec(uri);
  if (!m || !m[1]) throw fail('INVALID_ARGUMENT', `Not a SQLite URI: '${uri}' (expected sqlite:///PATH)`, { uri });
  return m[1].split('?')[0]!;
}

/**
 * better-sqlite3 is a native module, loaded on first use: no other command pays for it, and a
 * machine where it failed to build (it is an optional dependency) loses only `import`.
 */
function sqlite(): typeof Database {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  } catch (err) {
    throw fail('CONFIG_ERROR', `mltrack import and export of sqlite: need better-sqlite3, which is not installed or did not build here (${(err as Error).message.split('\n')[0]}); run npm install better-sqlite3@12`);
  }
}

/** A new, empty database file for `mltrack export`. */
export function createMlflowDb(path: string): SqliteDb {
  const Sqlite = sqlite();
  return new Sqlite(path);
}

const REQUIRED_TABLES = ['experiments', 'runs', 'metrics', 'params', 'tags'];

export function openMlflowDb(path: string): MlflowDb {
  if (!existsSync(path) || !statSync(path).isFile()) throw fail('NOT_FOUND', `No database file at ${path}`, { path });
  const Sqlite = sqlite();
  let db: SqliteDb;
  let tables: Set<string>;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
    tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  } catch (err) {
    throw fail('IMPORT_CORRUPT', `${path} is not a readable SQLite database: ${(err as Error).message}`, { path });
  }
  const close = (e: Error): never => {
    db.close();
    throw e;
  };
  if (!tables.has('alembic_version') || REQUIRED_TABLES.some((t) => !tables.has(t))) {
    const missing = ['alembic_version', ...REQUIRED_TABLES].filter((t) => !tables.has(t));
    close(fail('NOT_MLFLOW_DB', `${path} is not an MLflow tracking database (no table ${missing.join(', ')})`, { path, missing }));
  }
  let revision = '';
  try {
    const rows = db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[];
    if (rows.length !== 1) close(fail('NOT_MLFLOW_DB', `${path}: alembic_version holds ${rows.length} rows, MLflow keeps exactly one`, { path }));
    revision = String(rows[0]!.version_num);
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_MLFLOW_DB') throw err;
    close(fail('IMPORT_CORRUPT', `${path}: cannot read alembic_version: ${(err as Error).message}`, { path }));
  }
  if (!isKnownRevision(revision)) {
    close(fail('UNKNOWN_SCHEMA', `${path} has MLflow schema revision '${revision}', which mltrack does not know; nothing was imported`, { path, revision }));
  }
  try {
    // A quick check finds a damaged page before we write anything from it.
    const check = db.prepare('PRAGMA quick_check').pluck().all() as string[];
    if (check[0] !== 'ok') close(fail('IMPORT_CORRUPT', `${path} is damaged: ${check.slice(0, 3).join('; ')}`, { path }));
  } catch (err) {
    if ((err as { code?: string }).code === 'IMPORT_CORRUPT') throw err;
    close(fail('IMPORT_CORRUPT', `${path} is damaged: ${(err as Error).message}`, { path }));
  }
  const columnCache = new Map<string, Set<string>>();
  const columns = (table: string): Set<string> => {
    let set = columnCache.get(table);
    if (!set) {
      set = tables.has(table) ? new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name)) : new Set();
      columnCache.set(table, set);
    }
    return set;
  };
  return { db, path, revision, tables, columns };
}
