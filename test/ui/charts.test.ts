/** Chart data: smoothing, per-pixel min/max thinning and the aligned columns uPlot draws. */
import { describe, expect, it } from 'vitest';
import { align, extent, smooth, sortByX, thin } from '../../ui/src/charts/series.js';

const series = (n: number, f: (i: number) => number) => ({ x: Float64Array.from({ length: n }, (_, i) => i), y: Float64Array.from({ length: n }, (_, i) => f(i)) });

describe('chart data', () => {
  it('keeps every point while there are at most four per pixel column', () => {
    const s = series(400, (i) => Math.sin(i));
    const t = thin(s, 0, 399, 100);
    expect(t.thinned).toBe(false);
    expect(t.x).toEqual(Array.from(s.x));
  });

  it('thins a million points to two per column without losing a spike', () => {
    const s = series(1_000_000, (i) => (i === 654_321 ? 100 : i === 123_456 ? -100 : Math.sin(i / 1000)));
    const started = performance.now();
    const t = thin(s, 0, 999_999, 800);
    const ms = performance.now() - started;
    expect(t.thinned).toBe(true);
    expect(t.x.length).toBeLessThanOrEqual(2 * 800 + 2);
    expect(Math.max(...t.y)).toBe(100);
    expect(Math.min(...t.y)).toBe(-100);
    expect(ms).toBeLessThan(2000); // a sanity bound, not a benchmark (bench/site.js measures)
  });

  it('a zoomed window keeps one neighbour outside each edge and the two ends, so lines reach the border', () => {
    const s = series(100, (i) => i);
    const t = thin(s, 40.5, 60.5, 50);
    expect(t.x[0]).toBe(0);
    expect(t.x[1]).toBe(40);
    expect(t.x.at(-2)).toBe(61);
    expect(t.x.at(-1)).toBe(99);
  });

  it('drops values a log scale cannot draw, and NaN', () => {
    const s = { x: Float64Array.from([0, 1, 2, 3]), y: Float64Array.from([1, 0, -1, NaN]) };
    expect(thin(s, 0, 3, 100, (v) => Number.isFinite(v) && v > 0).y).toEqual([1]);
  });

  it('smooths with a debiased moving average and leaves weight 0 alone', () => {
    const y = Float64Array.from([1, 1, 1, 5]);
    expect(smooth(y, 0)).toBe(y);
    const s = smooth(y, 0.5);
    expect(s[0]).toBe(1);
    expect(s[2]).toBeCloseTo(1);
    expect(s[3]!).toBeGreaterThan(1);
    expect(s[3]!).toBeLessThan(5);
  });

  it('aligns series on the union of their x values with nulls for gaps', () => {
    const a = thin({ x: Float64Array.from([0, 1, 2]), y: Float64Array.from([1, 2, 3]) }, 0, 2, 10);
    const b = thin({ x: Float64Array.from([1, 3]), y: Float64Array.from([5, 6]) }, 0, 3, 10);
    expect(align([a, b])).toEqual([[0, 1, 2, 3], [1, 2, 3, null], [null, 5, null, 6]]);
    expect(extent([{ x: Float64Array.from([2, 5]), y: new Float64Array(2) }, { x: Float64Array.from([-1]), y: new Float64Array(1) }])).toEqual([-1, 5]);
    expect(Array.from(sortByX({ x: Float64Array.from([3, 1, 2]), y: Float64Array.from([30, 10, 20]) }).y)).toEqual([10, 20, 30]);
  });
});
