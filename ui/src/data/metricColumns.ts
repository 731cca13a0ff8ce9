/**
 * A metric history as columns for charts: steps, timestamps and values in Float64Arrays, sorted by
 * step then time. The plain lines MLflow writes take a fast path; any other file goes through the
 * CLI's own parser (src/format/metricFile.ts), so the chart shows exactly what MLflow would read.
 */
import { parseMetricHistory } from '../../../src/format/metricFile.js';

export interface MetricColumns {
  step: Float64Array;
  time: Float64Array;
  value: Float64Array;
}

const INT = /^-?\d{1,16}$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const ODD_BREAKS = /[\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

function fastParse(text: string): MetricColumns | null {
  if (text.length === 0 || ODD_BREAKS.test(text)) return null;
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  if (!text.endsWith('\n')) lines++;
  const step = new Float64Array(lines);
  const time = new Float64Array(lines);
  const value = new Float64Array(lines);
  let pos = 0;
  for (let n = 0; n < lines; n++) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const s1 = text.indexOf(' ', pos);
    const s2 = s1 < 0 ? -1 : text.indexOf(' ', s1 + 1);
    if (s1 < 0 || s1 >= nl || s2 < 0 || s2 >= nl || text.indexOf(' ', s2 + 1) > -1 && text.indexOf(' ', s2 + 1) < nl) return null;
    const tText = text.slice(pos, s1);
    const v = text.slice(s1 + 1, s2);
    const sText = text.slice(s2 + 1, nl);
    if (!INT.test(tText) || !INT.test(sText) || !DECIMAL.test(v)) return null;
    const t = Number(tText);
    const s = Number(sText);
    if (!Number.isSafeInteger(t) || !Number.isSafeInteger(s)) return null;
    time[n] = t;
    value[n] = Number(v);
    step[n] = s;
    pos = nl + 1;
  }
  return { step, time, value };
}

function isSorted(c: MetricColumns): boolean {
  for (let i = 1; i < c.step.length; i++) {
    if (c.step[i]! < c.step[i - 1]! || (c.step[i] === c.step[i - 1] && c.time[i]! < c.time[i - 1]!)) return false;
  }
  return true;
}

function sortColumns(c: MetricColumns): MetricColumns {
  const order = Array.from(c.step.keys()).sort((a, b) => c.step[a]! - c.step[b]! || c.time[a]! - c.time[b]! || a - b);
  return {
    step: Float64Array.from(order, (i) => c.step[i]!),
    time: Float64Array.from(order, (i) => c.time[i]!),
    value: Float64Array.from(order, (i) => c.value[i]!),
  };
}

export function metricColumns(key: string, text: string): MetricColumns {
  let columns = fastParse(text);
  if (!columns) {
    const history = parseMetricHistory(key, text, `metric ${key}`);
    columns = {
      step: Float64Array.from(history, (m) => Number(m.step)),
      time: Float64Array.from(history, (m) => m.timestamp),
      value: Float64Array.from(history, (m) => m.value),
    };
  }
  return isSorted(columns) ? columns : sortColumns(columns);
}
