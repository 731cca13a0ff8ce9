import { describe, it, expect } from 'vitest';
import type { Run } from '../../../src/format/entities.js';
import { compileRunFilter, compileRunOrder, searchRuns } from '../../../src/format/search/index.js';

function generate(n: number): Run[] {
  const runs: Run[] = [];
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < n; i++) {
    const id = (i.toString(16) + 'abcdef').padStart(32, '0');
    const loss = i % 97 === 0 ? NaN : rand();
    runs.push({
      info: {
        runId: id,
        runName: `run-${i % 500}`,
        experimentId: '1',
        userId: i % 3 === 0 ? 'alice' : 'bob',
        status: i % 5 === 0 ? 'FAILED' : 'FINISHED',
        startTime: 1700000000000 + Math.floor(rand() * 1e6),
        endTime: i % 7 === 0 ? null : 1700001000000,
        artifactUri: '',
        lifecycleStage: i % 50 === 0 ? 'deleted' : 'active',
      },
      data: {
        metrics: i % 11 === 0 ? {} : { loss: { key: 'loss', value: loss, timestamp: i, step: BigInt(i) * 2n ** 40n } },
        params: { lr: String([0.1, 0.01, 0.001][i % 3]), batch: String(16 << (i % 4)) },
        tags: { 'mlflow.runName': `run-${i % 500}`, team: i % 2 ? 'a' : 'b' },
      },
      inputs: [],
    });
  }
  return runs;
}

describe('10,000 runs', () => {
  const runs = generate(10_000);

  it('filter and sort without error, in a sane order', () => {
    const filter = "metrics.loss < 0.8 AND params.lr != '0.1' AND tags.team LIKE 'a%' AND status = 'FINISHED'";
    const orderBy = ['metrics.loss DESC', 'params.batch', 'start_time'];
    const t0 = performance.now();
    const page = searchRuns(runs, { filter, orderBy, maxResults: 50000 });
    const elapsed = performance.now() - t0;
    expect(page.items.length).toBeGreaterThan(1000);
    expect(page.nextPageToken).toBeNull();
    const losses = page.items.map((r) => r.data.metrics['loss']!.value);
    expect(losses.every((v, i) => i === 0 || losses[i - 1]! >= v)).toBe(true);
    // Not a timing assertion: reported for information.
    console.info(`search over ${runs.length} runs: ${page.items.length} results in ${elapsed.toFixed(1)} ms`);
  });

  it('sorts NaN and missing losses last, in both directions', () => {
    const cmpAsc = compileRunOrder(['metrics.loss ASC']);
    const cmpDesc = compileRunOrder(['metrics.loss DESC']);
    const active = runs.filter(compileRunFilter("status != 'KILLED'"));
    for (const cmp of [cmpAsc, cmpDesc]) {
      const sorted = [...active].sort(cmp);
      const kinds = sorted.map((r) => {
        const m = r.data.metrics['loss'];
        return m === undefined ? 2 : Number.isNaN(m.value) ? 1 : 0;
      });
      expect(kinds.every((k, i) => i === 0 || kinds[i - 1]! <= k)).toBe(true);
      expect(new Set(kinds)).toEqual(new Set([0, 1, 2]));
    }
  });
});
