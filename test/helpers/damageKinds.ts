/**
 * The damage kinds of issue 11 ("reads tolerate damage"), each applied next to N healthy runs: the
 * store, CLI, site and server damage tests run the same list.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from './env.js';

export const N = 3;

export async function healthyTree(): Promise<{ root: string; runIds: string[]; experimentId: string }> {
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root);
  const experimentId = await store.createExperiment('exp');
  const runIds: string[] = [];
  for (let i = 0; i < N; i++) {
    const { info } = await store.createRun({ experimentId, userId: 'u', runName: `run-${i}` });
    await store.logBatch(info.runId, { metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i }], params: [{ key: 'lr', value: String(i) }], tags: [{ key: 'team', value: 'ml' }] });
    await store.setTerminated(info.runId, 'FINISHED');
    runIds.push(info.runId);
  }
  return { root, runIds, experimentId };
}

/** A fourth run, damaged by `damage(runDir)`. */
async function damagedRun(root: string, experimentId: string, damage: (runDir: string) => void): Promise<string> {
  const store = new FileStore(root);
  const { info } = await store.createRun({ experimentId, userId: 'u', runName: 'damaged' });
  await store.logBatch(info.runId, { metrics: [{ key: 'loss', value: 9, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: 'x' }], tags: [{ key: 'team', value: 'ml' }] });
  const dir = join(root, experimentId, info.runId);
  damage(dir);
  return dir;
}

export interface Damage {
  name: string;
  /** Applies the damage; returns the path the warning must name. */
  apply: (root: string, experimentId: string) => Promise<string> | string;
  /** The damage is in one entry of a run, not the run: the run is listed without it. */
  runStays?: boolean;
  /** verify reports it as a warning (a stray folder MLflow skips), not an error. */
  verifyWarns?: boolean;
}

export const DAMAGES: Damage[] = [
  { name: 'empty run meta.yaml', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'meta.yaml'), '')) },
  { name: 'truncated run meta.yaml', apply: (r, e) => damagedRun(r, e, (d) => { const t = readFileSync(join(d, 'meta.yaml'), 'utf8'); writeFileSync(join(d, 'meta.yaml'), t.slice(0, Math.floor(t.length / 3))); }) },
  { name: 'bad metric line', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'metrics', 'loss'), '1 0.5 0\nnot a metric line\n')) },
  { name: 'non-UTF-8 tag value', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'tags', 'team'), Buffer.from([0x6d, 0xff, 0xfe]))) },
  { name: 'non-UTF-8 param value', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'params', 'lr'), Buffer.from([0xc3, 0x28]))) },
  { name: '.ipynb_checkpoints in mlruns/', apply: (r) => { mkdirSync(join(r, '.ipynb_checkpoints')); return join(r, '.ipynb_checkpoints'); } },
  { name: '__pycache__ in mlruns/', apply: (r) => { mkdirSync(join(r, '__pycache__')); return join(r, '__pycache__'); } },
  { name: '.ipynb_checkpoints in an experiment', apply: (r, e) => { mkdirSync(join(r, e, '.ipynb_checkpoints')); return join(r, e, '.ipynb_checkpoints'); }, verifyWarns: true },
  { name: '__pycache__ in an experiment', apply: (r, e) => { mkdirSync(join(r, e, '__pycache__')); return join(r, e, '__pycache__'); }, verifyWarns: true },
  { name: 'dangling symlink in an experiment', apply: (r, e) => { symlinkSync(join(r, 'nowhere'), join(r, e, 'dangling')); return join(r, e, 'dangling'); } },
  { name: 'symlink loop in an experiment', apply: (r, e) => { symlinkSync('loop', join(r, e, 'loop')); return join(r, e, 'loop'); } },
  { name: 'dangling symlink in mlruns/', apply: (r) => { symlinkSync(join(r, 'nowhere'), join(r, 'dangling')); return join(r, 'dangling'); } },
  { name: 'symlink loop in mlruns/', apply: (r) => { symlinkSync('loop', join(r, 'loop')); return join(r, 'loop'); } },
  { name: 'dangling symlink as a run tag', apply: (r, e) => damagedRun(r, e, (d) => symlinkSync(join(d, 'missing'), join(d, 'tags', 'broken'))), runStays: true },
];
