/**
 * Four real processes log into one run at the same time. Every metric line must arrive whole:
 * 40,000 lines on a shared key, 10,000 on each process's own key, none torn or interleaved.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { buildSources, type Build } from '../conformance/build.js';
import { expectCheckMlrunsOk } from '../conformance/fixtures.js';

const WORKERS = 4;
const LINES_PER_WORKER = 10_000;
const BATCH = 500; // 500 shared + 500 own = 1000 metrics per logBatch
const TS = 1_700_000_000_000;

const WORKER_SCRIPT = `
const [fileStoreUrl, root, runId, index, startAt] = process.argv.slice(2);
const { FileStore } = await import(fileStoreUrl);
const store = new FileStore(root);
const w = Number(index);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
for (let start = 0; start < ${LINES_PER_WORKER}; start += ${BATCH}) {
  const metrics = [];
  for (let seq = start; seq < start + ${BATCH}; seq++) {
    metrics.push({ key: 'shared', value: w * 1000000 + seq, timestamp: ${TS} + seq, step: seq });
    metrics.push({ key: 'own/' + w, value: seq + 0.5, timestamp: ${TS} + seq, step: seq });
  }
  await store.logBatch(runId, { metrics });
}
// Params race: the same value from everyone is fine, a per-worker key always lands.
await store.logBatch(runId, { params: [{ key: 'same', value: 'v' }, { key: 'p' + w, value: String(w) }] });
await store.setTag(runId, 'last', String(w));
`;

function runWorkers(script: string, args: (i: number) => string[]): Promise<{ code: number | null; stderr: string }[]> {
  return Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [script, ...args(i)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      }),
    ),
  );
}

describe('four processes logging into one run', () => {
  let build: Build;
  beforeAll(() => {
    build = buildSources(['src/store/FileStore.ts']);
  });
  afterAll(() => build?.remove());

  it('keeps all 40,000 shared lines and 10,000 per own key, every line whole', async () => {
    const dir = tempDir();
    const root = join(dir, 'mlruns');
    const store = new FileStore(root);
    const { info } = await store.createRun({ experimentId: '0', userId: 'alice', runName: 'concurrent' });
    const script = join(dir, 'worker.mjs');
    writeFileSync(script, WORKER_SCRIPT);
    const startAt = Date.now() + 1500;
    const url = pathToFileURL(build.module('store/FileStore.js')).href;
    const results = await runWorkers(script, (i) => [url, root, info.runId, String(i), String(startAt)]);
    for (const r of results) expect(r, r.stderr).toEqual({ code: 0, stderr: '' });

    const metricsDir = join(root, '0', info.runId, 'metrics');
    const raw = readFileSync(join(metricsDir, 'shared'), 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    const lines = raw.slice(0, -1).split('\n');
    expect(lines).toHaveLength(WORKERS * LINES_PER_WORKER);
    const seen = new Set<string>();
    for (const line of lines) {
      const m = /^(\d+) (\d+)\.0 (\d+)$/.exec(line);
      expect(m, `torn line ${JSON.stringify(line)}`).not.toBeNull();
      const value = Number(m![2]);
      const seq = value % 1000000;
      expect(Number(m![1])).toBe(TS + seq);
      expect(Number(m![3])).toBe(seq);
      seen.add(m![2]!);
    }
    expect(seen.size).toBe(WORKERS * LINES_PER_WORKER);

    // Each worker's lines on the shared key stay in its own logging order.
    const history = await store.getMetricHistory(info.runId, 'shared');
    expect(history).toHaveLength(WORKERS * LINES_PER_WORKER);
    for (let w = 0; w < WORKERS; w++) {
      const mine = history.filter((m) => Math.floor(m.value / 1000000) === w).map((m) => m.step);
      expect(mine).toEqual(Array.from({ length: LINES_PER_WORKER }, (_, i) => i));
    }
    for (let w = 0; w < WORKERS; w++) {
      const own = await store.getMetricHistory(info.runId, `own/${w}`);
      expect(own.map((m) => m.value)).toEqual(Array.from({ length: LINES_PER_WORKER }, (_, i) => i + 0.5));
    }

    const run = await store.getRun(info.runId);
    expect(run.data.metrics.shared?.step).toBe(LINES_PER_WORKER - 1);
    expect(run.data.params).toEqual({ same: 'v', p0: '0', p1: '1', p2: '2', p3: '3' });
    expect(['0', '1', '2', '3']).toContain(run.data.tags.last);
    expectCheckMlrunsOk(root);
  });

  it('racing writers of one param with different values: exactly one wins, the others get PARAM_CHANGED', async () => {
    const dir = tempDir();
    const root = join(dir, 'mlruns');
    const store = new FileStore(root);
    const { info } = await store.createRun({ experimentId: '0', userId: 'alice' });
    const script = join(dir, 'param.mjs');
    writeFileSync(
      script,
      `const [url, root, runId, w, startAt] = process.argv.slice(2);
const { FileStore } = await import(url);
const store = new FileStore(root);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
try { await store.logParam(runId, 'contested', 'value-' + w); process.stderr.write('won'); }
catch (e) { process.stderr.write(e.code); }
`,
    );
    const startAt = Date.now() + 1500;
    const url = pathToFileURL(build.module('store/FileStore.js')).href;
    const results = await runWorkers(script, (i) => [url, root, info.runId, String(i), String(startAt)]);
    const outcomes = results.map((r) => r.stderr).sort();
    expect(outcomes).toEqual(['PARAM_CHANGED', 'PARAM_CHANGED', 'PARAM_CHANGED', 'won']);
    const winner = results.findIndex((r) => r.stderr === 'won');
    expect((await store.getRun(info.runId)).data.params).toEqual({ contested: `value-${winner}` });
    expectCheckMlrunsOk(root);
  });
});
