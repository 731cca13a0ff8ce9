/**
 * `search_experiments` filters (MLflow `SearchExperimentsUtils`): attributes `name`,
 * `creation_time`, `last_update_time`, and `tags.<key>`; prefixes only `attribute`, `tag`, `tags`.
 */
import type { Experiment } from '../entities.js';
import { fail, type ErrorCode } from '../errors.js';
import { allOf, METRIC_COMPARATORS, numericTest, own, stringTest, type Test } from './compare.js';
import {
  parseFilterSyntax,
  quotedStringValue,
  splitIdentifier,
  stripQuotes,
  trimBackticks,
  type Comparator,
  type FilterClause,
  type SyntaxClause,
} from './parseFilter.js';
import { oneLine, quoteForMessage as q } from './python.js';
import { listForMessage } from './runFilter.js';

export const EXPERIMENT_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set(['name', 'creation_time', 'last_update_time']);
export const EXPERIMENT_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'experiment_id',
  'creation_time',
  'last_update_time',
]);
const EXPERIMENT_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['creation_time', 'last_update_time']);
const TAG_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL']);
const STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const PREFIXES = ['attribute', 'tag', 'tags'];

/**
 * Identifiers of experiments and of the model registry: a bare key is an attribute; a prefix
 * must be exactly `attribute`, `tag` or `tags` (no aliases, no backticks). MLflow checks
 * registry attribute keys before stripping quotes (`checkRawKey`), experiment keys after.
 */
export function resolveRestrictedIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
  code: ErrorCode,
  checkRawKey = false,
): { type: 'attribute' | 'tag'; key: string } {
  const { prefix, key: rawKey } = splitIdentifier(identifier);
  let type: 'attribute' | 'tag' = 'attribute';
  if (prefix !== null) {
    if (!PREFIXES.includes(prefix)) {
      throw fail(code, `Invalid entity type ${q(prefix)} in ${q(identifier)}. Valid entity types are 'attribute', 'tag', 'tags'`);
    }
    type = prefix === 'attribute' ? 'attribute' : 'tag';
  }
  const key = trimBackticks(stripQuotes(rawKey));
  if (type === 'attribute' && !validAttributes.has(checkRawKey ? rawKey : key)) {
    throw fail(
      code,
      `Invalid attribute key ${q(checkRawKey ? rawKey : key)} specified. Valid keys are ${listForMessage(validAttributes)}`,
    );
  }
  return { type, key };
}

function checkComparator(allowed: ReadonlySet<string>, s: SyntaxClause, what: string): Comparator {
  if (!allowed.has(s.comparator)) {
    throw fail(
      'INVALID_FILTER',
      `Invalid comparator ${q(s.comparator)} for ${what} in ${q(s.text)}; expected one of ${[...allowed].join(', ')}`,
    );
  }
  return s.comparator as Comparator;
}

export function resolveExperimentClause(s: SyntaxClause): FilterClause {
  const code: ErrorCode = 'INVALID_FILTER';
  const { type, key } = resolveRestrictedIdentifier(s.identifier, EXPERIMENT_SEARCH_ATTRIBUTES, code);
  const v = s.value;
  const what = `${type} ${q(key)}`;
  if (s.comparator === 'IS NULL' || s.comparator === 'IS NOT NULL') {
    if (type !== 'tag') throw fail(code, `${s.comparator} is only supported for tags, not for ${what} in ${q(s.text)}`);
    return { type, key, comparator: s.comparator, value: null };
  }
  if (type === 'tag') {
    if (v.kind !== 'string' && v.kind !== 'ident') {
      throw fail(code, `Expected a quoted string value for tag ${q(key)} (e.g. 'my-value'). Got value ${oneLine(v.raw)} in ${q(s.text)}`);
    }
    const value = quotedStringValue(v, code, what);
    return { type, key, comparator: checkComparator(TAG_COMPARATORS, s, what), value };
  }
  if (EXPERIMENT_NUMERIC_ATTRIBUTES.has(key)) {
    if (v.kind !== 'number') {
      throw fail(code, `Expected numeric value type for numeric attribute: ${key}. Found ${oneLine(v.raw)} in ${q(s.text)}`);
    }
    return { type, key, comparator: checkComparator(METRIC_COMPARATORS, s, what), value: Number(v.raw) };
  }
  if (v.kind === 'list') {
    throw fail(code, `Comparison with a list is not supported for attribute ${q(key)} in ${q(s.text)}`);
  }
  if (v.kind !== 'string' && v.kind !== 'ident') {
    throw fail(code, `Expected a quoted string value for attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
  }
  const value = quotedStringValue(v, code, what);
  return { type, key, comparator: checkComparator(STRING_ATTRIBUTE_COMPARATORS, s, what), value };
}

export function parseExperimentFilter(filter: string | undefined | null): FilterClause[] {
  if (!filter) return [];
  return parseFilterSyntax(filter).map(resolveExperimentClause);
}

/** One clause as a predicate. An experiment lacking the tag, or the timestamp, does not match. */
export function compileExperimentClause(c: FilterClause): Test<Experiment> {
  const key = c.key;
  if (c.type === 'tag') {
    if (c.comparator === 'IS NULL') return (e) => own(e.tags, key) === undefined;
    if (c.comparator === 'IS NOT NULL') return (e) => own(e.tags, key) !== undefined;
    const test = stringTest(c.comparator, c.value as string);
    return (e) => {
      const x = own(e.tags, key);
      return x !== undefined && test(x);
    };
  }
  if (key === 'name') {
    const test = stringTest(c.comparator, c.value as string);
    return (e) => test(e.name);
  }
  const test = numericTest(c.comparator, c.value as number);
  const get = key === 'creation_time' ? (e: Experiment) => e.creationTime : (e: Experiment) => e.lastUpdateTime;
  return (e) => {
    const x = get(e);
    return typeof x === 'number' && test(x);
  };
}

export function compileExperimentPredicate(clauses: FilterClause[]): Test<Experiment> {
  return allOf(clauses.map(compileExperimentClause));
}
