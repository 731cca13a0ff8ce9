import { describe, it, expect } from 'vitest';
import { loadIris, trainValidationSplit } from '../../src/demo/dataset.js';
import { DEMO_GRID, DEMO_GRID_SPEC, describeParams, expandGrid } from '../../src/demo/grid.js';
import { train } from '../../src/demo/softmaxRegression.js';

describe('expandGrid', () => {
  it('takes the cartesian product with the first key varying slowest', () => {
    expect(expandGrid({ a: [1, 2], b: ['x', 'y'], c: true })).toEqual([
      { a: 1, b: 'x', c: true },
      { a: 1, b: 'y', c: true },
      { a: 2, b: 'x', c: true },
      { a: 2, b: 'y', c: true },
    ]);
  });

  it('yields nothing when a key has no candidates', () => {
    expect(expandGrid({ a: [1, 2], b: [] as number[] })).toEqual([]);
  });
});

describe('demo grid', () => {
  it('has 9 distinct complete configurations', () => {
    expect(DEMO_GRID).toHaveLength(9);
    expect(new Set(DEMO_GRID.map((p) => JSON.stringify(p))).size).toBe(9);
    for (const p of DEMO_GRID) {
      expect(p).toMatchObject({ epochs: 30, batchSize: 16 });
      expect(Object.keys(p).sort()).toEqual(['batchSize', 'epochs', 'l2', 'learningRate', 'seed']);
    }
  });

  it('names runs by the parameters that vary', () => {
    expect(describeParams(DEMO_GRID[4], DEMO_GRID_SPEC)).toBe('lr=0.1 l2=0.001');
  });

  it('trains the whole grid well under a second', async () => {
    const split = trainValidationSplit(loadIris(), { seed: 42 });
    const started = performance.now();
    const accuracies: number[] = [];
    for (const params of DEMO_GRID) accuracies.push((await train(split, params)).finalMetrics.valAccuracy);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Math.max(...accuracies)).toBeGreaterThan(0.9);
  });
});
