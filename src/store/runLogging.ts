/** Logging into a run: MLflow's log_batch (params, metrics, tags, all checked before the first write) and log_inputs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Step } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { datasetId, formatDatasetMeta, formatInputMeta, inputId } from '../format/datasetMeta.js';
import { DATASETS_DIR, INPUTS_DIR, META_FILE, METRICS_DIR, PARAMS_DIR, TAGS_DIR } from '../format/layout.js';
import { formatMetricLine } from '../format/metricFile.js';
import { LIMITS, validateKey, validateMetricValue, validateStep, validateTimestamp, validateValueLength } from '../format/validation.js';
import { appendOnce, createExclusive } from './fsWrite.js';
import { checkKeyClashes, keyPathError } from './keyRules.js';
import { RUN_NAME_TAG } from './runWrites.js';
import type { StoreCore } from './StoreCore.js';

export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: Step;
}

export interface BatchInput {
  metrics?: MetricInput[];
  params?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

/**
 * MLflow's log_batch: every entry is validated (keys, values, limits, param immutability) before
 * the first byte is written; then params, metrics (one append per key) and tags.
 */
export async function logBatch(core: StoreCore, runId: string, batch: BatchInput): Promise<void> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  checkBatchLimits(metrics.length, params.length, tags.length);
  for (const m of metrics) {
    validateKey('metric', m.key);
    validateMetricValue(m.key, m.value);
    validateTimestamp(m.key, m.timestamp);
    validateStep(m.key, m.step ?? 0);
  }
  const seenParams = new Map<string, string>();
  for (const p of params) {
    validateKey('param', p.key);
    validateValueLength('param', p.key, p.value, LIMITS.paramValue);
    if (seenParams.has(p.key) && seenParams.get(p.key) !== p.value) {
      throw fail('PARAM_CHANGED', `Duplicate parameter keys have been submitted: '${p.key}'. Please ensure the request contains only one param value per param key.`, { key: p.key });
    }
    seenParams.set(p.key, p.value);
  }
  for (const t of tags) {
    validateKey('tag', t.key);
    validateValueLength('tag', t.key, t.value, LIMITS.runTagValue);
  }
  const run = await core.activeRun(runId);
  const runDir = core.abs(run.dir);
  // A key clash (`a` and `a/b`) found while writing would leave the batch half written: check first.
  checkKeyClashes(join(runDir, PARAMS_DIR), seenParams.keys());
  checkKeyClashes(join(runDir, METRICS_DIR), metrics.map((m) => m.key));
  checkKeyClashes(join(runDir, TAGS_DIR), tags.map((t) => t.key));
  for (const [key, value] of seenParams) {
    const existing = readIfExists(join(runDir, PARAMS_DIR, key));
    if (existing !== null && existing !== value) throw paramChanged(key, existing, value, runId);
  }

  for (const [key, value] of seenParams) {
    let created: boolean;
    try {
      created = createExclusive(join(runDir, PARAMS_DIR, key), value, runDir);
    } catch (err) {
      throw keyPathError(err, key);
    }
    if (!created) {
      // Another writer got there between our check and our write: same value is fine.
      const existing = readIfExists(join(runDir, PARAMS_DIR, key));
      if (existing !== value) throw paramChanged(key, existing ?? '', value, runId);
    }
  }
  // One write per key: the lines of a key are joined once (no growing string per line).
  const linesByKey = new Map<string, string[]>();
  for (const m of metrics) {
    let lines = linesByKey.get(m.key);
    if (!lines) linesByKey.set(m.key, (lines = []));
    lines.push(formatMetricLine(m));
  }
  for (const [key, lines] of linesByKey) {
    try {
      appendOnce(join(runDir, METRICS_DIR, key), lines.join(''));
    } catch (err) {
      throw keyPathError(err, key);
    }
  }
  let newName: string | undefined;
  for (const t of tags) {
    core.writeValue(run.dir, TAGS_DIR, t.key, t.value);
    if (t.key === RUN_NAME_TAG) newName = t.value;
  }
  if (newName !== undefined && newName !== run.info.runName) core.writeRunMeta(run.dir, { ...run.info, runName: newName });
}

/** Record dataset inputs (MLflow's log_inputs): one dataset record per (name, digest), one input edge per run. */
export async function logInputs(core: StoreCore, runId: string, inputs: { dataset: Dataset; tags?: Record<string, string> }[]): Promise<void> {
  for (const { dataset, tags } of inputs) {
    validateValueLength('dataset name', 'name', dataset.name, LIMITS.datasetName);
    validateValueLength('dataset digest', 'digest', dataset.digest, LIMITS.datasetDigest);
    validateValueLength('dataset source', 'source', dataset.source, LIMITS.datasetSource);
    if (dataset.schema) validateValueLength('dataset schema', 'schema', dataset.schema, LIMITS.datasetSchema);
    if (dataset.profile) validateValueLength('dataset profile', 'profile', dataset.profile, LIMITS.datasetProfile);
    for (const [key, value] of Object.entries(tags ?? {})) {
      validateValueLength('input tag key', key, key, LIMITS.inputTagKey);
      validateValueLength('input tag', key, value, LIMITS.inputTagValue);
    }
  }
  const run = await core.activeRun(runId);
  const experimentDir = core.abs(run.experimentDir);
  for (const { dataset, tags } of inputs) {
    const id = datasetId(dataset.name, dataset.digest);
    createExclusive(join(experimentDir, DATASETS_DIR, id, META_FILE), formatDatasetMeta(dataset), experimentDir);
    // Like MLflow, a dataset already linked to the run is not linked again.
    const edge = join(core.abs(run.dir), INPUTS_DIR, inputId(id, runId), META_FILE);
    createExclusive(edge, formatInputMeta({ sourceId: id, sourceType: 'DATASET', tags: tags ?? {} }), core.abs(run.dir));
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function paramChanged(key: string, oldValue: string, newValue: string, runId: string) {
  return fail(
    'PARAM_CHANGED',
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${oldValue}' for run ID='${runId}'. Attempted logging new value '${newValue}'.`,
    { key, runId },
  );
}

function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const too = (what: string, n: number, limit: number) =>
    fail('BATCH_TOO_LARGE', `A batch may hold at most ${limit} ${what}; got ${n}`, { what, n, limit });
  if (metrics > LIMITS.batchMetrics) throw too('metrics', metrics, LIMITS.batchMetrics);
  if (params > LIMITS.batchParams) throw too('params', params, LIMITS.batchParams);
  if (tags > LIMITS.batchTags) throw too('tags', tags, LIMITS.batchTags);
  if (metrics + params + tags > LIMITS.batchTotal) throw too('entries in total', metrics + params + tags, LIMITS.batchTotal);
}
