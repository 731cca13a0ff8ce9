/**
 * A writer killed with SIGKILL at an arbitrary point of a long series of setTag / logBatch /
 * updateRunInfo / experiment calls leaves a tree that our reader and check-mlruns both accept: no
 * half-written meta.yaml, tag or param file, and any leftover temp file is a `.mltrack-tmp-*` file
 * outside metrics/, params/ and tags/.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_PREFIX } from '../../src/format/layout.js';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { buildSources, type Build } from '../conformance/build.js';
import { expectCheckMlrunsOk } from '../conformance/fixtures.js';

// Values are long enough that a torn write would show, and self-describing so we can check them whole.
const WRITER = `
const [url, root, experimentId, runId] = process.argv.slice(2);
const { FileStore } = await import(url);
const store = new FileStore(root);
const tagValue = (n) => 'v' + n + '-' + 'x'.repeat(3000) + '-end' + n;
const paramValue = (n) => 'p' + n + '-' + 'y'.repeat(700) + '-end' + n;
for (let n = 0; ; n++) {
  await store.setTag(runId, 'state', tagValue(n));
  await store.logBatch(runId, {
    params: [{ key: 'p/' + n, value: paramValue(n) }],
    tags: [{ key: 't' + (n % 5), value: tagValue(n) }, { key: 'multi\\u00e9', value: 'line\\n' + n + '\\n' }],
    metrics: Array.from({ length: 8 }, (_, i) => ({ key: 'm' + (i % 2), value: n + i / 10, timestamp: 1700000000000 + n, step: n })),
  });
  await store.updateRunInfo(runId, n % 2 ? { status: 'RUNNING' } : { status: 'FINISHED', endTime: 1700000000000 + n });
  await store.setExperimentTag(experimentId, 'progress', tagValue(n));
  await store.renameExperiment(experimentId, n % 2 ? 'crash-a' : 'crash-b');
  if (n % 7 === 3) await store.deleteTag(runId, 't' + (n % 5));
  process.stdout.write(n + '\\n');
}
`;

/** Start the writer and SIGKILL it once it has finished `iterations` loops plus `extraMs`. */
function runAndKill(script: string, args: string[], iterations: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d) => {
      out += d;
      const done = out.split('\n').length - 1;
      if (!killed && done >= iterations) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended on its own (code ${code}): ${err}`));
      else resolve(out.split('\n').length - 1);
    });
  });
}

/** Every file below `root` with its path relative to it. */
function allFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...allFiles(root, child));
    else out.push(child);
  }
  return out;
}

describe('SIGKILL in the middle of writes', () => {
  let build: Build;
  beforeAll(() => {
    build = buildSources(['src/store/FileStore.ts']);
  });
  afterAll(() => build?.remove());

  const kills: [number, number][] = [
    [1, 0],
    [5, 1],
    [20, 3],
    [40, 0],
    [60, 7],
  ];
  for (const [iterations, extraMs] of kills) {
    it(`after ${iterations} loops (+${extraMs} ms) the tree is whole`, async () => {
      const dir = tempDir();
      const root = join(dir, 'mlruns');
      const setup = new FileStore(root);
      const experimentId = await setup.createExperiment('crash-a');
      const { info } = await setup.createRun({ experimentId, userId: 'alice', runName: 'victim' });
      const script = join(dir, 'writer.mjs');
      writeFileSync(script, WRITER);
      const done = await runAndKill(script, [pathToFileURL(build.module('store/FileStore.js')).href, root, experimentId, info.runId], iterations, extraMs);
      expect(done).toBeGreaterThanOrEqual(iterations);

      // Our reader accepts the tree and every value is one the writer wrote, whole.
      const store = new FileStore(root);
      const run = await store.getRun(info.runId);
      expect(run.info.runName).toBe('victim');
      expect(['RUNNING', 'FINISHED']).toContain(run.info.status);
      const tagValue = /^v(\d+)-x{3000}-end\1$/;
      for (const [key, value] of Object.entries(run.data.tags)) {
        if (key === 'mlflow.runName') expect(value).toBe('victim');
        else if (key === 'multi\u00e9') expect(value).toMatch(/^line\n\d+\n$/);
        else {
          expect(key).toMatch(/^(state|t[0-4])$/);
          expect(value).toMatch(tagValue);
        }
      }
      expect(run.data.tags.state).toMatch(tagValue);
      for (const [key, value] of Object.entries(run.data.params)) {
        const n = /^p\/(\d+)$/.exec(key)?.[1];
        expect(n, key).toBeDefined();
        expect(value).toBe(`p${n}-${'y'.repeat(700)}-end${n}`);
      }
      expect(Object.keys(run.data.params).length).toBeGreaterThanOrEqual(done);
      for (const key of ['m0', 'm1']) {
        const history = await store.getMetricHistory(info.runId, key);
        expect(history.length % 4).toBe(0);
      }
      const experiment = await store.getExperiment(experimentId);
      expect(['crash-a', 'crash-b']).toContain(experiment.name);
      expect(experiment.tags.progress).toMatch(tagValue);
      expect((await store.searchRuns({ experimentIds: [experimentId] })).items.map((r) => r.info.runId)).toEqual([info.runId]);

      // Leftover temp files, if any, sit outside the key folders and are ours.
      for (const file of allFiles(root)) {
        const name = file.slice(file.lastIndexOf('/') + 1);
        if (name.startsWith(TEMP_PREFIX)) expect(file).not.toMatch(/\/(metrics|params|tags)\//);
        else expect(name.startsWith('.'), file).toBe(false);
      }
      for (const meta of allFiles(root).filter((f) => f.endsWith('meta.yaml'))) {
        expect(readFileSync(join(root, meta), 'utf8')).toMatch(/\n$/);
      }
      expectCheckMlrunsOk(root);
    });
  }
});
