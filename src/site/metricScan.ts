/**
 * A metric file's latest value and line count, found by scanning its text once without building a
 * Metric per line. Exactly `latestMetric(parseMetricHistory(...))`: lines of the plain shape
 * MLflow and mltrack write (`<digits> <decimal> <digits>`) take the fast path; a file with any
 * other line (NaN, inf, five fields, odd whitespace or line breaks, huge ints) goes through the
 * full parser, which also reports malformed files the way the CLI does.
 */
import type { Metric } from '../format/entities.js';
import { latestMetric, parseMetricHistory } from '../format/metricFile.js';

export interface MetricScan {
  latest: Metric;
  points: number;
}

/** Line breaks other than `\n` that Python's splitlines() honours: the fast path leaves them to the parser. */
const ODD_BREAKS = /[\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
/** A decimal Python's float() and JS's Number() read identically (correctly rounded both). */
const PLAIN_DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Digits only, at most 15 of them (always a safe integer); -1 otherwise. */
function plainInt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function fastScan(key: string, text: string): MetricScan | null {
  if (text.length === 0 || ODD_BREAKS.test(text)) return null;
  let bestStep = -1;
  let bestTs = -1;
  let bestValue = NaN;
  let points = 0;
  let pos = 0;
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  while (pos <= end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    const s1 = text.indexOf(' ', pos);
    if (s1 < 0 || s1 >= nl) return null;
    const s2 = text.indexOf(' ', s1 + 1);
    if (s2 < 0 || s2 >= nl) return null; // two-field lines: left to the parser
    const ts = plainInt(text, pos, s1);
    const step = plainInt(text, s2 + 1, nl);
    if (ts < 0 || step < 0) return null;
    points++;
    const newer = step > bestStep || (step === bestStep && ts > bestTs);
    const tie = step === bestStep && ts === bestTs;
    if (newer || tie) {
      const token = text.slice(s1 + 1, s2);
      if (!PLAIN_DECIMAL.test(token)) return null;
      const value = Number(token);
      // Python's max() keeps the first of equal lines: a tie replaces only a strictly greater value.
      if (newer || value > bestValue) {
        bestStep = step;
        bestTs = ts;
        bestValue = value;
      }
    } else if (!PLAIN_DECIMAL.test(text.slice(s1 + 1, s2))) {
      return null;
    }
    pos = nl + 1;
  }
  if (points === 0) return null;
  return { latest: { key, value: bestValue, timestamp: bestTs, step: bestStep }, points };
}

/** Latest value by MLflow's rule and the number of points; throws MALFORMED_METRIC as the parser does. */
export function scanMetric(key: string, text: string, where: string): MetricScan {
  const fast = fastScan(key, text);
  if (fast) return fast;
  const history = parseMetricHistory(key, text, where);
  return { latest: latestMetric(history), points: history.length };
}
