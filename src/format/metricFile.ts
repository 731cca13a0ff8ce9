/**
 * Metric history files: one line per logged value, `<timestamp> <value> <step>`, appended forever.
 * Read exactly as MLflow does (`line.strip().split(" ")`, 2, 3 or 5 fields, Python int()/float()).
 */
import type { Metric, Step } from './entities.js';
import { fail } from './errors.js';
import { parsePyFloat, parsePyInt, pyFloatRepr } from './pyFloat.js';

/** One line as MLflow writes it, with its trailing newline. */
export function formatMetricLine(metric: Pick<Metric, 'timestamp' | 'value' | 'step'>): string {
  return `${metric.timestamp} ${pyFloatRepr(metric.value)} ${metric.step}\n`;
}

function malformed(key: string, where: string, why: string): never {
  throw fail('MALFORMED_METRIC', `Metric '${key}' is malformed (${where}): ${why}`, { key, path: where });
}

/** Python's str.strip(): whitespace as Python defines it for str. */
function pyStrip(line: string): string {
  return line.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
}

function parseLine(key: string, raw: string, lineNo: number, where: string): Metric {
  const fields = pyStrip(raw).split(' ');
  if (fields.length !== 2 && fields.length !== 3 && fields.length !== 5) {
    malformed(key, where, `line ${lineNo} has ${fields.length} fields, expected 2, 3 or 5`);
  }
  const timestamp = parsePyInt(fields[0]!);
  if (timestamp === undefined) malformed(key, where, `line ${lineNo}: timestamp '${fields[0]}' is not an integer`);
  const value = parsePyFloat(fields[1]!);
  if (value === undefined) malformed(key, where, `line ${lineNo}: value '${fields[1]}' is not a number`);
  let step: Step = 0;
  if (fields.length >= 3) {
    const parsed = parsePyInt(fields[2]!);
    if (parsed === undefined) malformed(key, where, `line ${lineNo}: step '${fields[2]}' is not an integer`);
    step = parsed;
  }
  const metric: Metric = { key, value, timestamp: Number(timestamp), step };
  if (fields.length === 5) {
    metric.datasetName = fields[3]!;
    metric.datasetDigest = fields[4]!;
  }
  return metric;
}

/**
 * Every line of a metric file, in file order (duplicates kept). Throws MALFORMED_METRIC for an empty
 * file, a blank line or a bad field, naming the file and line, as MLflow refuses those too.
 */
export function parseMetricHistory(key: string, text: string, where: string): Metric[] {
  if (text.length === 0) malformed(key, where, 'No data found');
  // A final newline ends the last line; it does not start an empty one.
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n');
  const out: Metric[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = parseLine(key, lines[i]!, i + 1, where);
  return out;
}

/** MLflow's order for "latest": (step, timestamp, value). A NaN value compares as neither greater nor smaller, as in Python. */
export function compareMetricRecency(a: Metric, b: Metric): number {
  if (a.step !== b.step) return a.step < b.step ? -1 : a.step > b.step ? 1 : 0;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  if (a.value === b.value || (Number.isNaN(a.value) && Number.isNaN(b.value))) return 0;
  if (Number.isNaN(a.value) || Number.isNaN(b.value)) return 0;
  return a.value < b.value ? -1 : 1;
}

/** The value MLflow reports as a run's metric: Python's max() by (step, timestamp, value), so the first of equal lines wins. */
export function latestMetric(history: readonly Metric[]): Metric {
  let best = history[0]!;
  for (let i = 1; i < history.length; i++) {
    if (compareMetricRecency(history[i]!, best) > 0) best = history[i]!;
  }
  return best;
}
