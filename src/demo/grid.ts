/**
 * Hyperparameter grids: a spec lists candidate values per parameter and expands to every
 * combination, in a fixed order so run N of a demo is always the same configuration.
 */
import type { TrainParams } from './softmaxRegression.js';

/** Each key takes either one value or a list of candidates. Values must not themselves be arrays. */
export type GridSpec<T> = { [K in keyof T]: T[K] | readonly T[K][] };

/**
 * Cartesian product of the spec, like nested loops over its keys in insertion order: the first key
 * varies slowest. An empty candidate list yields no combinations.
 */
export function expandGrid<T extends object>(spec: GridSpec<T>): T[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [key, value] of Object.entries(spec)) {
    const candidates: readonly unknown[] = Array.isArray(value) ? value : [value];
    combinations = combinations.flatMap((partial) =>
      candidates.map((candidate) => ({ ...partial, [key]: candidate })),
    );
  }
  return combinations as T[];
}

export const DEMO_GRID_SPEC: GridSpec<TrainParams> = {
  learningRate: [0.01, 0.1, 0.5],
  l2: [0, 0.001, 0.01],
  epochs: 30,
  batchSize: 16,
  seed: 42,
};

/** The 9 runs the demo trains. */
export const DEMO_GRID: TrainParams[] = expandGrid(DEMO_GRID_SPEC);

/** Short run name such as "lr=0.1 l2=0.001", naming only the parameters that vary in the grid. */
export function describeParams<T extends object>(params: T, spec?: GridSpec<T>): string {
  const entries = Object.entries(params).filter(([key]) => {
    if (!spec) return true;
    const candidates: unknown = spec[key as keyof T];
    return Array.isArray(candidates) && candidates.length > 1;
  });
  return entries.map(([key, value]) => `${ABBREVIATIONS[key] ?? key}=${String(value)}`).join(' ');
}

const ABBREVIATIONS: Record<string, string> = {
  learningRate: 'lr',
  batchSize: 'batch',
};
