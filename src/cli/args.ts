/** Parsing of repeatable and key=value flags, kept apart from CliContext so registering a command loads no store. */
import { fail } from '../format/errors.js';

/** `key=value` pairs from repeatable flags. */
export function parsePairs(pairs: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw fail('INVALID_ARGUMENT', `Expected ${what} as key=value, got '${pair}'`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
