/**
 * The `--parse-metrics` line protocol (spec/metrics-protocol.md): a line on the child's stdout that
 * starts with `mltrack:` is a logging command,
 *
 *     mltrack:metric loss=0.25 acc=0.91 step=3
 *     mltrack:param lr=0.01 optimizer=adam
 *     mltrack:tag stage="smoke test"
 *
 * Every line is parsed and validated on its own and is applied whole or not at all: this module
 * never throws, a bad line comes back as an error message for a warning.
 */
import { isMltrackError } from '../format/errors.js';
import { parsePyFloat, parsePyInt } from '../format/pyFloat.js';
import { LIMITS, validateKey, validateStep, validateTimestamp, validateValueLength } from '../format/validation.js';

export const PROTOCOL_PREFIX = 'mltrack:';

export interface ProtocolMetric {
  key: string;
  value: number;
  step: number | bigint;
  timestamp: number;
}

export type ProtocolEntry =
  | { kind: 'metric'; metrics: ProtocolMetric[] }
  | { kind: 'param'; params: { key: string; value: string }[] }
  | { kind: 'tag'; tags: { key: string; value: string }[] };

export type ParsedLine = { ok: true; entry: ProtocolEntry } | { ok: false; error: string };

/** True when the line is meant for the protocol (so a malformed one deserves a warning). */
export function isProtocolLine(line: string): boolean {
  return line.startsWith(PROTOCOL_PREFIX);
}

interface Pair {
  key: string;
  /** The key was written as a JSON string: never one of the reserved words. */
  quotedKey: boolean;
  value: string;
}

/** A JSON string literal starting at `start` (a `"`): [value, index after it]. */
function readQuoted(text: string, start: number): [string, number] {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  if (i >= text.length) throw new Error(`unterminated string starting at column ${start + 1}`);
  const literal = text.slice(start, i + 1);
  try {
    return [JSON.parse(literal) as string, i + 1];
  } catch {
    throw new Error(`invalid string ${literal} (JSON string escapes only)`);
  }
}

/** `key=value` pairs separated by blanks; keys and values bare or JSON-quoted. */
function readPairs(text: string): Pair[] {
  const pairs: Pair[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c === ' ' || c === '\t';
  for (;;) {
    while (blank(text[i])) i++;
    if (i >= text.length) return pairs;
    let key: string;
    const quotedKey = text[i] === '"';
    if (quotedKey) [key, i] = readQuoted(text, i);
    else {
      const start = i;
      while (i < text.length && !blank(text[i]) && text[i] !== '=') i++;
      key = text.slice(start, i);
    }
    if (text[i] !== '=') throw new Error(`expected key=value, got ${JSON.stringify(text.slice(0, i).split(/[ \t]/).pop() ?? '')} without '='`);
    if (key === '') throw new Error('empty key before =');
    i++;
    let value: string;
    if (text[i] === '"') [value, i] = readQuoted(text, i);
    else {
      const start = i;
      while (i < text.length && !blank(text[i])) i++;
      value = text.slice(start, i);
    }
    if (i < text.length && !blank(text[i])) throw new Error(`expected a blank after the value of '${key}'`);
    pairs.push({ key, quotedKey, value });
  }
}

function parseMetricLine(pairs: Pair[], now: number): ProtocolEntry {
  let step: number | bigint = 0;
  let timestamp = now;
  const values: Pair[] = [];
  for (const pair of pairs) {
    if (!pair.quotedKey && pair.key === 'step') {
      const parsed = parsePyInt(pair.value);
      if (parsed === undefined) throw new Error(`step '${pair.value}' is not an integer`);
      step = parsed;
    } else if (!pair.quotedKey && pair.key === 'timestamp') {
      const parsed = parsePyInt(pair.value);
      if (typeof parsed !== 'number' || parsed < 0) throw new Error(`timestamp '${pair.value}' is not milliseconds since the epoch`);
      timestamp = parsed;
    } else values.push(pair);
  }
  if (values.length === 0) throw new Error('no metric: expected name=value');
  const metrics: ProtocolMetric[] = [];
  const seen = new Set<string>();
  for (const { key, value } of values) {
    validateKey('metric', key);
    if (seen.has(key)) throw new Error(`metric '${key}' given twice`);
    seen.add(key);
    const number = parsePyFloat(value);
    if (number === undefined) throw new Error(`metric '${key}': '${value}' is not a number (nan, inf and -inf are allowed)`);
    validateStep(key, step);
    validateTimestamp(key, timestamp);
    metrics.push({ key, value: number, step, timestamp });
  }
  return { kind: 'metric', metrics };
}

function parseValues(kind: 'param' | 'tag', pairs: Pair[]): { key: string; value: string }[] {
  if (pairs.length === 0) throw new Error(`no ${kind}: expected name=value`);
  const seen = new Map<string, string>();
  for (const { key, value } of pairs) {
    validateKey(kind, key);
    validateValueLength(kind, key, value, kind === 'param' ? LIMITS.paramValue : LIMITS.runTagValue);
    if (seen.has(key) && seen.get(key) !== value) throw new Error(`${kind} '${key}' given twice with different values`);
    seen.set(key, value);
  }
  return [...seen].map(([key, value]) => ({ key, value }));
}

/** Parses one protocol line (without its line break). Null when the line is not a protocol line. */
export function parseProtocolLine(line: string, now: number = Date.now()): ParsedLine | null {
  if (!isProtocolLine(line)) return null;
  const body = line.slice(PROTOCOL_PREFIX.length).replace(/\r$/, '');
  const match = /^([A-Za-z]*)(?=[ \t]|$)/.exec(body);
  const command = match?.[1] ?? '';
  try {
    if (!match || !['metric', 'param', 'tag'].includes(command)) {
      const shown = body.split(/[ \t]/)[0] ?? '';
      throw new Error(`unknown command '${PROTOCOL_PREFIX}${shown}' (use ${PROTOCOL_PREFIX}metric, ${PROTOCOL_PREFIX}param or ${PROTOCOL_PREFIX}tag)`);
    }
    const pairs = readPairs(body.slice(command.length));
    if (command === 'metric') return { ok: true, entry: parseMetricLine(pairs, now) };
    if (command === 'param') return { ok: true, entry: { kind: 'param', params: parseValues('param', pairs) } };
    return { ok: true, entry: { kind: 'tag', tags: parseValues('tag', pairs) } };
  } catch (err) {
    const message = isMltrackError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
    return { ok: false, error: message };
  }
}
