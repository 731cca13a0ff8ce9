/**
 * `mltrack import http(s)://SERVER`: an MLflow tracking server's history through its REST API,
 * written by the same writer as a database import (so the same idempotent, incremental rule), then
 * one commit. Artifacts are downloaded through the server into a temporary folder first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAndCommit, type ImportOptions, type ImportResult } from './importSqlite.js';
import { MlflowRestClient, type RestOptions } from './mlflowRest.js';
import { readRest } from './readRest.js';

export async function importRest(options: ImportOptions & { rest?: RestOptions }): Promise<ImportResult & { retried: number }> {
  const client = new MlflowRestClient(options.uri, options.rest);
  const staging = options.artifacts === 'keep' ? null : mkdtempSync(join(tmpdir(), 'mltrack-import-'));
  try {
    const history = await readRest(client, { staging, listOnly: options.dryRun, onProgress: options.onProgress });
    return { ...(await writeAndCommit(history, { ...options, onProgress: undefined })), retried: client.retried };
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}
