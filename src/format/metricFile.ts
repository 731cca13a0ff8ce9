/**
 * Metric history files: one line per logged value, `<timestamp> <value> <step>`, appended forever.
 * Read exactly as MLflow does (`line.strip().split(" ")`, 2, 3 or 5 fields, Python int()/float()).
 */
import type { Metric, Step } from './entities.js';
import { fail } from './errors.js';
import { parsePyFloat, parsePyInt, pyFloatRepr, pyStrip } from './pyFloat.js';

/** One line as MLflow writes it, with its trailing newline. */
export function formatMetricLine(metric: { timestamp: number; value: number; step?: Step }): string {
  return `${integerText(metric.timestamp)} ${pyFloatRepr(metric.value)} ${integerText(metric.step ?? 0)}\n`;
}

/** Every digit, never `1e+21` (which no reader takes for an integer). */
function integerText(n: number | bigint): string {
  return typeof n === 'bigint' || Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

function malformed(key: string, where: string, why: string): never {
  throw fail('MALFORMED_METRIC', `Metric '${key}' is malformed (${where}): ${why}`, { key, path: where });
}

const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

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
 * The line shape MLflow and mltrack write (`<ts> <repr(float)> <step>`), parsed without the general
 * Python rules; anything else goes through parseLine. Both give the same answer on these lines.
 */
const COMMON_LINE = /^(\d{1,15}) (-?\d+(?:\.\d+)?(?:e[-+]\d+)?|-?inf|nan) (-?\d{1,15})$/;
const UNUSUAL_BREAK = /[\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

function commonValue(text: string): number {
  if (text === 'nan') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

function splitLines(text: string): string[] {
  const lines = UNUSUAL_BREAK.test(text) ? text.split(LINE_BREAK) : text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Every line of a metric file, in file order (duplicates kept). Throws MALFORMED_METRIC for an empty
 * file, a blank line or a bad field, naming the file and line, as MLflow refuses those too.
 */
export function parseMetricHistory(key: string, text: string, where: string): Metric[] {
  if (text.length === 0) malformed(key, where, 'No data found');
  // MLflow reads with codecs.open(...).readlines(), which is str.splitlines(): besides \n and \r\n,
  // a lone \r, \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029 end a line too. A final break ends the
  // last line; it does not start an empty one.
  const lines = splitLines(text);
  const out: Metric[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const m = COMMON_LINE.exec(lines[i]!);
    out[i] = m ? { key, value: commonValue(m[2]!), timestamp: Number(m[1]), step: Number(m[3]) } : parseLine(key, lines[i]!, i + 1, where);
  }
  return out;
}

/** A non-negative decimal integer of at most 15 digits in text[from, to), or -1. */
function smallInt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const COMMON_VALUE = /^(?:-?\d+(?:\.\d+)?(?:e[-+]\d+)?|-?inf|nan)$/;

export interface MetricScan {
  latest: Metric;
  /** Number of lines (logged values). */
  points: number;
}

function fullScan(key: string, text: string, where: string): MetricScan {
  const history = parseMetricHistory(key, text, where);
  return { latest: latestMetric(history), points: history.length };
}

/** The latest value of a metric file: latestMetric(parseMetricHistory(...)) without the history. */
export function latestMetricInText(key: string, text: string, where: string): Metric {
  return scanMetricText(key, text, where).latest;
}

/**
 * A metric file's latest value and line count, without building the whole history: what a search
 * or the site needs from every run. Lines of the common shape are scanned by hand (no regex
 * captures, no objects); the first unusual line hands the file to the full parser, which also
 * reports malformed files.
 */
export function scanMetricText(key: string, text: string, where: string): MetricScan {
  if (text.length === 0) malformed(key, where, 'No data found');
  if (UNUSUAL_BREAK.test(text)) return fullScan(key, text, where);
  let bestStep = 0;
  let bestTs = 0;
  let bestValue = NaN;
  let found = false;
  let points = 0;
  let start = 0;
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  while (start <= end) {
    let stop = text.indexOf('\n', start);
    if (stop < 0 || stop > end) stop = end;
    const sp1 = text.indexOf(' ', start);
    const sp2 = sp1 < 0 || sp1 >= stop ? -1 : text.indexOf(' ', sp1 + 1);
    const sp3 = sp2 < 0 || sp2 >= stop ? -1 : text.indexOf(' ', sp2 + 1);
    if (sp2 < 0 || sp2 >= stop || (sp3 >= 0 && sp3 < stop)) return fullScan(key, text, where);
    const timestamp = smallInt(text, start, sp1);
    const negative = text.charCodeAt(sp2 + 1) === 45; // '-'
    const stepAbs = smallInt(text, negative ? sp2 + 2 : sp2 + 1, stop);
    const valueText = text.slice(sp1 + 1, sp2);
    if (timestamp < 0 || stepAbs < 0 || !COMMON_VALUE.test(valueText)) return fullScan(key, text, where);
    const step = negative ? -stepAbs : stepAbs;
    // Python's max() by (step, timestamp, value): replace only on a strictly greater tuple.
    let replace = !found || step > bestStep || (step === bestStep && timestamp > bestTs);
    let value = NaN;
    if (!replace && step === bestStep && timestamp === bestTs) {
      value = commonValue(valueText);
      replace = value > bestValue;
    }
    if (replace) {
      bestStep = step;
      bestTs = timestamp;
      bestValue = Number.isNaN(value) ? commonValue(valueText) : value;
      found = true;
    }
    points++;
    start = stop + 1;
  }
  return { latest: { key, value: bestValue, timestamp: bestTs, step: bestStep }, points };
}

/** MLflow's order for "latest": (step, timestamp, value). A NaN value compares as neither greater nor smaller, as in Python. */
export function compareMetricRecency(a: Metric, b: Metric): number {
  // `<` and `>` compare number and bigint steps by value (5 and 5n are equal; `!==` would say not).
  if (a.step < b.step) return -1;
  if (a.step > b.step) return 1;
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
