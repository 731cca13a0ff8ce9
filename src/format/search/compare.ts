/** Comparison functions shared by the entity filters: built once per clause, called per item. */
import type { Comparator } from './parseFilter.js';
import { likeMatcher } from './likeMatcher.js';

export type Test<T> = (x: T) => boolean;

/** Python's numeric comparison operators (NaN compares false, except `!=`). */
export function numericTest(comparator: Comparator, v: number): Test<number> {
  switch (comparator) {
    case '=':
      return (x) => x === v;
    case '!=':
      return (x) => x !== v;
    case '<':
      return (x) => x < v;
    case '<=':
      return (x) => x <= v;
    case '>':
      return (x) => x > v;
    case '>=':
      return (x) => x >= v;
    default:
      throw new Error(`numericTest: unexpected comparator ${comparator}`);
  }
}

/** `=`, `!=`, LIKE, ILIKE against a string; IN / NOT IN against a list. */
export function stringTest(comparator: Comparator, v: string | string[]): Test<string> {
  if (Array.isArray(v)) {
    const set = new Set(v);
    if (comparator === 'IN') return (x) => set.has(x);
    if (comparator === 'NOT IN') return (x) => !set.has(x);
    throw new Error(`stringTest: unexpected comparator ${comparator} for a list`);
  }
  switch (comparator) {
    case '=':
      return (x) => x === v;
    case '!=':
      return (x) => x !== v;
    case 'LIKE':
      return likeMatcher(v, false);
    case 'ILIKE':
      return likeMatcher(v, true);
    default:
      throw new Error(`stringTest: unexpected comparator ${comparator}`);
  }
}

/** The conjunction of compiled clauses. */
export function allOf<T>(tests: Test<T>[]): Test<T> {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  if (tests.length === 2) {
    const [a, b] = tests as [Test<T>, Test<T>];
    return (x) => a(x) && b(x);
  }
  return (x) => {
    for (const t of tests) if (!t(x)) return false;
    return true;
  };
}

/** Own-property lookup (a key such as `constructor` must not find Object.prototype's). */
export function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export const METRIC_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);
export const STRING_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE']);
