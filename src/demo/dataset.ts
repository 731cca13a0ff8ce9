/**
 * Tabular classification data for the demo: CSV parsing, a seeded train/validation split and
 * feature standardisation. Only `loadIris` touches the file system, so everything else can be fed
 * any CSV text (tests, browser, other datasets).
 */
import { readFileSync } from 'node:fs';

export interface Dataset {
  /** One row per example, columns in `featureNames` order. */
  features: number[][];
  /** Index into `classes` for each row. */
  labels: number[];
  classes: string[];
  featureNames: string[];
}

export interface ParseCsvOptions {
  /** Header name of the class column; defaults to the last column. */
  labelColumn?: string;
}

/**
 * Parse simple CSV (header row, comma separated, no quoted commas) into a dataset. Every column
 * except the label column must be numeric. Classes are numbered in order of first appearance so the
 * same file always gives the same class indices.
 */
export function parseCsvDataset(csvText: string, options: ParseCsvOptions = {}): Dataset {
  const lines = csvText.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLineIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerLineIndex < 0) throw new Error('CSV is empty');
  const header = splitCsvLine(lines[headerLineIndex]);

  const labelIndex =
    options.labelColumn === undefined ? header.length - 1 : header.indexOf(options.labelColumn);
  if (labelIndex < 0) throw new Error(`CSV has no column named "${options.labelColumn}"`);
  if (header.length < 2) throw new Error('CSV needs at least one feature column and a label');

  const featureNames = header.filter((_, column) => column !== labelIndex);
  const classes: string[] = [];
  const classIndexByName = new Map<string, number>();
  const features: number[][] = [];
  const labels: number[] = [];

  for (let lineIndex = headerLineIndex + 1; lineIndex < lines.length; lineIndex++) {
    if (lines[lineIndex].trim() === '') continue;
    const lineNumber = lineIndex + 1;
    const cells = splitCsvLine(lines[lineIndex]);
    if (cells.length !== header.length) {
      throw new Error(`CSV line ${lineNumber}: expected ${header.length} columns, got ${cells.length}`);
    }
    const row: number[] = [];
    cells.forEach((cell, column) => {
      if (column === labelIndex) return;
      const value = Number(cell);
      // Number('') is 0, so an empty cell must be rejected explicitly.
      if (cell === '' || !Number.isFinite(value)) {
        throw new Error(`CSV line ${lineNumber}: "${header[column]}" is not a number: "${cell}"`);
      }
      row.push(value);
    });
    const className = cells[labelIndex];
    let classIndex = classIndexByName.get(className);
    if (classIndex === undefined) {
      classIndex = classes.length;
      classes.push(className);
      classIndexByName.set(className, classIndex);
    }
    features.push(row);
    labels.push(classIndex);
  }
  if (features.length === 0) throw new Error('CSV has a header but no rows');
  return { features, labels, classes, featureNames };
}

function splitCsvLine(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * Fisher's Iris data (150 rows, 3 species), bundled next to this module. The build must copy
 * `src/demo/data/` to `dist/demo/data/` for this to work from compiled code.
 */
export function loadIris(): Dataset {
  return parseCsvDataset(readFileSync(new URL('./data/iris.csv', import.meta.url), 'utf8'));
}

/**
 * mulberry32: a tiny 32-bit PRNG, good enough for shuffling and weight init, and identical on every
 * platform (unlike Math.random, which cannot be seeded). Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle driven by the given generator. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export interface SplitOptions {
  /** Share of rows held out for validation, in (0, 1). Default 0.2. */
  validationFraction?: number;
  seed?: number;
  /** Keep class proportions equal in both parts. Default true. */
  stratify?: boolean;
}

export interface TrainValidationSplit {
  train: Dataset;
  validation: Dataset;
  /** Row indices into the original dataset, ascending. */
  trainIndices: number[];
  validationIndices: number[];
}

export const DEFAULT_SPLIT_SEED = 42;

/** Deterministic split: the same data, fraction and seed always give the same rows. */
export function trainValidationSplit(
  data: Dataset,
  options: SplitOptions = {},
): TrainValidationSplit {
  const validationFraction = options.validationFraction ?? 0.2;
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new Error(`validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const random = mulberry32(options.seed ?? DEFAULT_SPLIT_SEED);
  const allIndices = data.labels.map((_, index) => index);
  const groups =
    options.stratify === false
      ? [allIndices]
      : data.classes.map((_, classIndex) => allIndices.filter((i) => data.labels[i] === classIndex));

  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  for (const group of groups) {
    shuffleInPlace(group, random);
    const validationCount = Math.round(group.length * validationFraction);
    validationIndices.push(...group.slice(0, validationCount));
    trainIndices.push(...group.slice(validationCount));
  }
  if (trainIndices.length === 0 || validationIndices.length === 0) {
    throw new Error('split left the training or validation part empty; use more data');
  }
  trainIndices.sort((a, b) => a - b);
  validationIndices.sort((a, b) => a - b);
  return {
    train: selectRows(data, trainIndices),
    validation: selectRows(data, validationIndices),
    trainIndices,
    validationIndices,
  };
}

/** A dataset with only the given rows; the class list is kept whole so indices stay comparable. */
export function selectRows(data: Dataset, indices: number[]): Dataset {
  return {
    features: indices.map((i) => data.features[i].slice()),
    labels: indices.map((i) => data.labels[i]),
    classes: data.classes.slice(),
    featureNames: data.featureNames.slice(),
  };
}

export interface Standardizer {
  means: number[];
  stds: number[];
}

/** Per-feature mean and (population) standard deviation; fit on training rows only. */
export function fitStandardizer(features: number[][]): Standardizer {
  if (features.length === 0) throw new Error('cannot fit a standardizer on no rows');
  const featureCount = features[0].length;
  const means = new Array<number>(featureCount).fill(0);
  const stds = new Array<number>(featureCount).fill(0);
  for (const row of features) row.forEach((value, f) => (means[f] += value));
  for (let f = 0; f < featureCount; f++) means[f] /= features.length;
  for (const row of features) row.forEach((value, f) => (stds[f] += (value - means[f]) ** 2));
  for (let f = 0; f < featureCount; f++) {
    const std = Math.sqrt(stds[f] / features.length);
    // A constant feature carries no information; dividing by 1 keeps it at 0 instead of NaN.
    stds[f] = std > 0 ? std : 1;
  }
  return { means, stds };
}

export function standardizeRow(row: number[], standardizer: Standardizer): number[] {
  return row.map((value, f) => (value - standardizer.means[f]) / standardizer.stds[f]);
}

export function standardize(features: number[][], standardizer: Standardizer): number[][] {
  return features.map((row) => standardizeRow(row, standardizer));
}
