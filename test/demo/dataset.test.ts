import { describe, it, expect } from 'vitest';
import {
  fitStandardizer,
  loadIris,
  mulberry32,
  parseCsvDataset,
  standardize,
  trainValidationSplit,
} from '../../src/demo/dataset.js';

describe('iris data', () => {
  it('has 150 rows, 4 features and 50 rows of each of 3 species', () => {
    const iris = loadIris();
    expect(iris.features).toHaveLength(150);
    expect(iris.labels).toHaveLength(150);
    expect(iris.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    for (const row of iris.features) expect(row).toHaveLength(4);
    const counts = iris.classes.map((_, c) => iris.labels.filter((label) => label === c).length);
    expect(counts).toEqual([50, 50, 50]);
  });

  it('matches the published per-species means', () => {
    const iris = loadIris();
    const meanOf = (classIndex: number, feature: number) => {
      const rows = iris.features.filter((_, i) => iris.labels[i] === classIndex);
      return rows.reduce((sum, row) => sum + row[feature], 0) / rows.length;
    };
    const published = [
      [5.006, 3.428, 1.462, 0.246],
      [5.936, 2.77, 4.26, 1.326],
      [6.588, 2.974, 5.552, 2.026],
    ];
    published.forEach((means, c) =>
      means.forEach((mean, f) => expect(meanOf(c, f)).toBeCloseTo(mean, 6)),
    );
  });
});

describe('parseCsvDataset', () => {
  it('handles CRLF, blank lines and a named label column', () => {
    const data = parseCsvDataset('kind,a,b\r\nx,1,2\r\n\r\ny,3,4\r\nx,5,6\r\n', { labelColumn: 'kind' });
    expect(data.featureNames).toEqual(['a', 'b']);
    expect(data.features).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(data.classes).toEqual(['x', 'y']);
    expect(data.labels).toEqual([0, 1, 0]);
  });

  it('rejects non-numeric and empty feature cells with the line number', () => {
    expect(() => parseCsvDataset('a,label\noops,x\n')).toThrow(/line 2/);
    expect(() => parseCsvDataset('a,b,label\n1,,x\n')).toThrow(/not a number/);
    expect(() => parseCsvDataset('a,b,label\n1,2\n')).toThrow(/expected 3 columns/);
  });
});

describe('trainValidationSplit', () => {
  const iris = loadIris();

  it('is deterministic for a seed and differs across seeds', () => {
    const first = trainValidationSplit(iris, { seed: 7 });
    const again = trainValidationSplit(iris, { seed: 7 });
    const other = trainValidationSplit(iris, { seed: 8 });
    expect(again.validationIndices).toEqual(first.validationIndices);
    expect(again.train).toEqual(first.train);
    expect(other.validationIndices).not.toEqual(first.validationIndices);
  });

  it('is disjoint, covers every row and is stratified', () => {
    const split = trainValidationSplit(iris, { seed: 3, validationFraction: 0.2 });
    const all = [...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b);
    expect(all).toEqual(iris.labels.map((_, i) => i));
    expect(new Set(all).size).toBe(150);
    expect(split.validation.features).toHaveLength(30);
    const validationCounts = iris.classes.map(
      (_, c) => split.validation.labels.filter((label) => label === c).length,
    );
    expect(validationCounts).toEqual([10, 10, 10]);
    split.validationIndices.forEach((original, i) => {
      expect(split.validation.features[i]).toEqual(iris.features[original]);
      expect(split.validation.labels[i]).toBe(iris.labels[original]);
    });
  });

  it('rejects fractions outside (0, 1)', () => {
    expect(() => trainValidationSplit(iris, { validationFraction: 0 })).toThrow();
    expect(() => trainValidationSplit(iris, { validationFraction: 1 })).toThrow();
  });
});

describe('standardisation', () => {
  it('gives zero mean and unit variance on the rows it was fit on, and survives constant columns', () => {
    const rows = [[1, 5], [2, 5], [3, 5], [6, 5]];
    const standardizer = fitStandardizer(rows);
    const scaled = standardize(rows, standardizer);
    const column = scaled.map((row) => row[0]);
    const mean = column.reduce((a, b) => a + b, 0) / column.length;
    const variance = column.reduce((sum, v) => sum + (v - mean) ** 2, 0) / column.length;
    expect(mean).toBeCloseTo(0, 12);
    expect(variance).toBeCloseTo(1, 12);
    expect(scaled.map((row) => row[1])).toEqual([0, 0, 0, 0]);
  });
});

describe('mulberry32', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});
