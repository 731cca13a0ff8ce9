/**
 * Hand-built mlruns trees for the conformance cases of spec section 14, and tree snapshots for
 * "nothing half written" checks. The bytes written here are the ones the spec gives, not ours.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { MltrackError, type ErrorCode } from '../../src/format/errors.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
// Imported first so its cleanup hook is registered first, and (hooks run as a stack) runs after ours.
import '../helpers/env.js';

export const E = '123';
export const R = '0123456789abcdef0123456789abcdef';
export const R_B = 'fedcba9876543210fedcba9876543210';

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Write files (text or bytes) under `root`, creating folders; a value of `null` makes an empty directory. */
export function writeTree(root: string, files: Record<string, string | Uint8Array | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    if (content === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

export interface ExperimentMetaFields {
  id?: string;
  name?: string;
  stage?: string;
  /** Raw YAML lines replacing the defaults for these keys (e.g. `experiment_id: 123`). */
  raw?: Record<string, string | null>;
}

/** The 6 experiment keys as MLflow 2.x writes them (sorted, id quoted). `raw[k] = null` drops key k. */
export function experimentMetaText(root: string, fields: ExperimentMetaFields = {}): string {
  const id = fields.id ?? E;
  const lines: Record<string, string> = {
    artifact_location: `artifact_location: file://${root}/${id}`,
    creation_time: 'creation_time: 1700000000000',
    experiment_id: `experiment_id: '${id}'`,
    last_update_time: 'last_update_time: 1700000000000',
    lifecycle_stage: `lifecycle_stage: ${fields.stage ?? 'active'}`,
    name: `name: ${fields.name ?? 'handmade'}`,
  };
  return renderLines(lines, fields.raw);
}

export interface RunMetaFields {
  runId?: string;
  experimentId?: string;
  status?: number;
  startTime?: number;
  endTime?: number | null;
  runName?: string;
  stage?: string;
  deletedTime?: number;
  /** Raw YAML lines replacing the defaults for these keys; `null` drops the key. */
  raw?: Record<string, string | null>;
}

/** The full 15-key run meta MLflow 2.17 writes (spec 4.1), for the hand-made run of case 1. */
export function runMetaText(root: string, fields: RunMetaFields = {}): string {
  const runId = fields.runId ?? R;
  const exp = fields.experimentId ?? E;
  const lines: Record<string, string> = {
    artifact_uri: `artifact_uri: file://${root}/${exp}/${runId}/artifacts`,
    end_time: `end_time: ${fields.endTime === undefined ? 1700000001000 : fields.endTime === null ? 'null' : fields.endTime}`,
    entry_point_name: "entry_point_name: ''",
    experiment_id: `experiment_id: '${exp}'`,
    lifecycle_stage: `lifecycle_stage: ${fields.stage ?? 'active'}`,
    run_id: `run_id: ${runId}`,
    run_name: `run_name: ${fields.runName ?? 'hand-run'}`,
    run_uuid: `run_uuid: ${runId}`,
    source_name: "source_name: ''",
    source_type: 'source_type: 4',
    source_version: "source_version: ''",
    start_time: `start_time: ${fields.startTime ?? 1700000000000}`,
    status: `status: ${fields.status ?? 3}`,
    tags: 'tags: []',
    user_id: 'user_id: alice',
  };
  if (fields.deletedTime !== undefined) lines.deleted_time = `deleted_time: ${fields.deletedTime}`;
  return renderLines(lines, fields.raw);
}

function renderLines(lines: Record<string, string>, raw: Record<string, string | null> = {}): string {
  for (const [key, line] of Object.entries(raw)) {
    if (line === null) delete lines[key];
    else lines[key] = line;
  }
  return Object.keys(lines).sort().map((k) => lines[k]).join('\n') + '\n';
}

/** Case 1's tree: experiment 123 `handmade` with run R (FINISHED, `hand-run`) and its empty folders. */
export function minimalTree(root: string, run: RunMetaFields = {}, experiment: ExperimentMetaFields = {}): void {
  const runId = run.runId ?? R;
  writeTree(root, {
    [`${E}/meta.yaml`]: experimentMetaText(root, experiment),
    [`${E}/${runId}/meta.yaml`]: runMetaText(root, run),
    [`${E}/${runId}/metrics`]: null,
    [`${E}/${runId}/params`]: null,
    [`${E}/${runId}/artifacts`]: null,
  });
}

/** Every file (bytes) and directory (`<dir>`) below `root`, by relative POSIX path. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out.set(child, '<dir>');
        walk(child);
      } else out.set(child, readFileSync(join(root, child)).toString('base64'));
    }
  };
  walk('');
  return out;
}

/** Runs `action`, expects an MltrackError with `code` and a one-line message, and the tree unchanged. */
export async function expectRefused(root: string, code: ErrorCode, action: () => unknown): Promise<MltrackError> {
  const before = snapshot(root);
  const err = await captureError(action);
  expect(err.code).toBe(code);
  expect(err.message).not.toMatch(/[\r\n]/);
  expect(err.message.length).toBeGreaterThan(0);
  expect(snapshot(root)).toEqual(before);
  return err;
}

/** The MltrackError that `action` throws (fails the test when it throws anything else or nothing). */
export async function captureError(action: () => unknown): Promise<MltrackError> {
  let thrown: unknown;
  try {
    await action();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected an MltrackError, but nothing was thrown');
  if (!(thrown instanceof MltrackError)) throw new Error(`expected an MltrackError, got ${String(thrown)}`);
  return thrown;
}

/** check-mlruns must accept the tree; its output is shown when it does not. */
export function expectCheckMlrunsOk(root: string): void {
  const result = checkMlruns(root);
  expect(result.output, result.output).toMatch(/./s);
  expect(result.ok, result.output).toBe(true);
}

const toCheck: string[] = [];

/** Run check-mlruns on `root` when the current test ends (before its temp dir is removed). */
export function checkAfter(root: string): string {
  toCheck.push(root);
  return root;
}

afterEach(() => {
  const roots = toCheck.splice(0);
  for (const root of roots) {
    const result = checkMlruns(root);
    // check-mlruns also fails a tree with no run at all; for experiment-only trees that is not a format problem.
    const onlyNoRuns = /^0 problems in \d+ experiments, 0 runs, /m.test(result.output);
    if (!result.ok && !onlyNoRuns) throw new Error(`check-mlruns refused ${root}:\n${result.output}`);
  }
});
