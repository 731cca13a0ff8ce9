/**
 * Small mlruns trees for site tests, written in the store's exact bytes (as bench/lib/mlrunsTree.js
 * does): experiment 7, run i has id `i` in hex, start time T0 + i s, param `lr` = i/100, tags
 * `mlflow.runName` = `run-i` and `team`, one `loss` point and one artifact, `notes.txt`; written a
 * minute ago (`backdate`).
 */
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatExperimentMeta } from '../../src/format/experimentMeta.js';
import { pathToFileUri } from '../../src/format/fileUri.js';
import { formatMetricLine } from '../../src/format/metricFile.js';
import { formatRunMeta } from '../../src/format/runMeta.js';
import { tempDir } from '../helpers/env.js';

export const EXP = '7';
export const T0 = 1_700_000_000_000;

export function runId(i: number): string {
  return i.toString(16).padStart(32, '0');
}

export function writeRun(mlruns: string, i: number): string {
  const expDir = join(mlruns, EXP);
  const dir = join(expDir, runId(i));
  for (const sub of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'params', 'lr'), String(i / 100));
  writeFileSync(join(dir, 'tags', 'mlflow.runName'), `run-${i}`);
  writeFileSync(join(dir, 'tags', 'team'), `team-${i % 3}`);
  writeFileSync(join(dir, 'metrics', 'loss'), formatMetricLine({ timestamp: T0 + i, value: 1 / (i + 1), step: 0 }));
  writeFileSync(join(dir, 'artifacts', 'notes.txt'), `notes of ${i}\n`);
  writeFileSync(join(dir, 'meta.yaml'), formatRunMeta({
    runId: runId(i), runName: `run-${i}`, experimentId: EXP, userId: 'u', status: 'FINISHED',
    startTime: T0 + i * 1000, endTime: T0 + i * 1000 + 500, artifactUri: `${pathToFileUri(expDir)}/${runId(i)}/artifacts`, lifecycleStage: 'active',
  }));
  return dir;
}

/**
 * Dates every file and directory below `dir` a minute back, as a tree written a while ago: the
 * incremental build does not trust entries modified just before it signs them (runSignature.ts).
 */
export function backdate(dir: string): void {
  const then = new Date(Date.now() - 60_000);
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) utimesSync(join(dir, rel), then, then);
  utimesSync(dir, then, then);
}

/** A temporary project directory (`root`) with an mlruns tree of `runs` runs. */
export function makeTree(runs: number): { root: string; mlruns: string } {
  const root = tempDir('mltrack-site-tree-');
  const mlruns = join(root, 'mlruns');
  mkdirSync(join(mlruns, '.trash'), { recursive: true });
  mkdirSync(join(mlruns, EXP, 'tags'), { recursive: true });
  writeFileSync(join(mlruns, EXP, 'meta.yaml'), formatExperimentMeta({ experimentId: EXP, name: 'incr', artifactLocation: pathToFileUri(join(mlruns, EXP)), lifecycleStage: 'active', creationTime: T0, lastUpdateTime: T0 }));
  for (let i = 0; i < runs; i++) writeRun(mlruns, i);
  backdate(mlruns);
  return { root, mlruns };
}
