/**
 * `search_runs` filters (MLflow `SearchUtils`): identifiers, value rules and comparators per
 * entity type, compiled once into a predicate over `Run`.
 */
import type { Run, RunInfo } from '../entities.js';
import { fail, type ErrorCode } from '../errors.js';
import { allOf, METRIC_COMPARATORS, numericTest, own, stringTest, type Test } from './compare.js';
import {
  parseFilterSyntax,
  quotedStringValue,
  splitIdentifier,
  stripQuotes,
  trimBackticks,
  type Comparator,
  type EntityType,
  type FilterClause,
  type SyntaxClause,
} from './parseFilter.js';
import { oneLine, pyIsLower, quoteForMessage as q } from './python.js';

/** Every accepted entity prefix (after backticks are trimmed) and the entity it names. */
export const RUN_ENTITY_PREFIXES: ReadonlyMap<string, EntityType> = new Map<string, EntityType>([
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['param', 'param'],
  ['params', 'param'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['attr', 'attribute'],
  ['run', 'attribute'],
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
]);

export const RUN_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['start_time', 'end_time', 'created', 'Created']);
const RUN_STRING_ATTRIBUTES = ['artifact_uri', 'run_id', 'run_name', 'status', 'user_id'];
/** Attribute keys a filter may use (including MLflow's aliases). */
export const RUN_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...RUN_STRING_ATTRIBUTES,
  'start_time',
  'end_time',
  'created',
  'Created',
  'run name',
  'Run name',
  'Run Name',
]);
/** Attribute keys order_by may use (the `run name` aliases are not among them). */
export const RUN_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...RUN_STRING_ATTRIBUTES,
  'start_time',
  'end_time',
  'created',
  'Created',
]);
export const DATASET_KEYS: ReadonlySet<string> = new Set(['name', 'digest', 'context']);
/** The input tag holding a dataset input's context (`training`, `eval`, ...). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

const STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const PARAM_TAG_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL']);

const ENTITY_NAMES = "'metric(s)', 'param(s)'/'parameter(s)', 'tag(s)', 'attribute(s)'/'attr'/'run', 'dataset(s)'";

export function listForMessage(keys: Iterable<string>): string {
  return [...keys]
    .sort()
    .map((k) => `'${k}'`)
    .join(', ');
}

/**
 * MLflow's `translate_key_alias`. MLflow applies it to every key, not only to attributes, so
 * `params.created` reads the param `start_time`; we do the same.
 */
export function translateKeyAlias(key: string): string {
  if (key === 'created' || key === 'Created') return 'start_time';
  if (key === 'run name' || key === 'Run name' || key === 'Run Name') return 'run_name';
  return key;
}

/**
 * MLflow's `SearchUtils._get_identifier`: split at the first `.`, map the (backtick-trimmed)
 * prefix to an entity, strip one layer of quotes then backticks from the key, check attribute
 * and dataset keys.
 */
export function resolveRunIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
  code: ErrorCode,
): { type: EntityType; key: string } {
  const { prefix, key: rawKey } = splitIdentifier(identifier);
  let type: EntityType = 'attribute';
  if (prefix !== null) {
    const entity = trimBackticks(prefix);
    const mapped = RUN_ENTITY_PREFIXES.get(entity);
    if (mapped === undefined) {
      throw fail(code, `Invalid entity type ${q(entity)} in ${q(identifier)}. Valid values are ${ENTITY_NAMES}`);
    }
    type = mapped;
  }
  const key = trimBackticks(stripQuotes(rawKey));
  if (type === 'attribute' && !validAttributes.has(key)) {
    throw fail(code, `Invalid attribute key ${q(key)} specified. Valid keys are ${listForMessage(validAttributes)}`);
  }
  if (type === 'dataset' && !DATASET_KEYS.has(key)) {
    throw fail(code, `Invalid dataset key ${q(key)} specified. Valid keys are ${listForMessage(DATASET_KEYS)}`);
  }
  return { type, key };
}

export function checkComparator(allowed: ReadonlySet<string>, s: SyntaxClause, what: string): Comparator {
  if (!allowed.has(s.comparator)) {
    throw fail(
      'INVALID_FILTER',
      `Invalid comparator ${q(s.comparator)} for ${what} in ${q(s.text)}; expected one of ${[...allowed].join(', ')}`,
    );
  }
  return s.comparator as Comparator;
}

/** One comparison of a runs filter, validated the way MLflow validates it. */
export function resolveRunClause(s: SyntaxClause): FilterClause {
  const code: ErrorCode = 'INVALID_FILTER';
  const { type, key } = resolveRunIdentifier(s.identifier, RUN_SEARCH_ATTRIBUTES, code);
  const v = s.value;
  const what = `${type} ${q(key)}`;

  if (s.comparator === 'IS NULL' || s.comparator === 'IS NOT NULL') {
    if (type !== 'param' && type !== 'tag') {
      throw fail(code, `${s.comparator} is only supported for params and tags, not for ${what} in ${q(s.text)}`);
    }
    return { type, key, comparator: s.comparator, value: null };
  }

  switch (type) {
    case 'metric': {
      if (v.kind !== 'number') {
        throw fail(code, `Expected numeric value type for metric. Found ${oneLine(v.raw)} in ${q(s.text)}`);
      }
      const comparator = checkComparator(METRIC_COMPARATORS, s, what);
      return { type, key, comparator, value: Number(v.raw) };
    }
    case 'param':
    case 'tag': {
      if (v.kind !== 'string' && v.kind !== 'ident') {
        throw fail(code, `Expected a quoted string value for ${type} ${q(key)} (e.g. 'my-value'). Got value ${oneLine(v.raw)} in ${q(s.text)}`);
      }
      const value = quotedStringValue(v, code, what);
      return { type, key, comparator: checkComparator(PARAM_TAG_COMPARATORS, s, what), value };
    }
    case 'attribute': {
      if (RUN_NUMERIC_ATTRIBUTES.has(key)) {
        if (v.kind !== 'number') {
          throw fail(code, `Expected numeric value type for numeric attribute: ${key}. Found ${oneLine(v.raw)} in ${q(s.text)}`);
        }
        if (!v.integer) {
          throw fail(code, `Expected an integer value for numeric attribute: ${key}. Found ${oneLine(v.raw)} in ${q(s.text)}`);
        }
        return { type, key, comparator: checkComparator(METRIC_COMPARATORS, s, what), value: Number(v.raw) };
      }
      let value: string | string[];
      if (v.kind === 'string' || v.kind === 'ident') {
        value = quotedStringValue(v, code, what);
      } else if (v.kind === 'list') {
        if (key !== 'run_id') {
          throw fail(code, `Only the 'run_id' attribute supports comparison with a list of quoted string values; got ${q(s.text)}`);
        }
        value = v.items.filter(pyIsLower);
      } else {
        throw fail(code, `Expected a quoted string value for attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
      }
      return { type, key, comparator: checkComparator(STRING_ATTRIBUTE_COMPARATORS, s, what), value };
    }
    case 'dataset': {
      let value: string | string[];
      if (v.kind === 'string' || v.kind === 'ident') value = quotedStringValue(v, code, what);
      else if (v.kind === 'list') value = v.items.filter(pyIsLower);
      else throw fail(code, `Expected a quoted string value for dataset attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
      return { type, key, comparator: checkComparator(STRING_ATTRIBUTE_COMPARATORS, s, what), value };
    }
  }
}

/** A runs filter as resolved clauses. Empty or blank filter: no clauses. Throws INVALID_FILTER. */
export function parseRunFilter(filter: string | undefined | null): FilterClause[] {
  if (!filter) return [];
  return parseFilterSyntax(filter).map(resolveRunClause);
}

/** Reads a run attribute by its MLflow name. */
export function runAttributeGetter(key: string): (info: RunInfo) => string | number | null {
  switch (translateKeyAlias(key)) {
    case 'run_id':
      return (i) => i.runId;
    case 'run_name':
      return (i) => i.runName;
    case 'status':
      return (i) => i.status;
    case 'user_id':
      return (i) => i.userId;
    case 'artifact_uri':
      return (i) => i.artifactUri;
    case 'start_time':
      return (i) => i.startTime;
    case 'end_time':
      return (i) => i.endTime;
    default:
      throw new Error(`runAttributeGetter: unknown attribute ${key}`);
  }
}

/** One clause as a predicate. A run lacking the metric, param or tag never matches (even `!=`). */
export function compileRunClause(c: FilterClause): Test<Run> {
  const key = translateKeyAlias(c.key);
  switch (c.type) {
    case 'metric': {
      const test = numericTest(c.comparator, c.value as number);
      return (run) => {
        const m = own(run.data.metrics, key);
        return m !== undefined && test(m.value);
      };
    }
    case 'param':
    case 'tag': {
      const pick = c.type === 'param' ? (run: Run) => run.data.params : (run: Run) => run.data.tags;
      if (c.comparator === 'IS NULL') return (run) => own(pick(run), key) === undefined;
      if (c.comparator === 'IS NOT NULL') return (run) => own(pick(run), key) !== undefined;
      const test = stringTest(c.comparator, c.value as string);
      return (run) => {
        const x = own(pick(run), key);
        return x !== undefined && test(x);
      };
    }
    case 'attribute': {
      const get = runAttributeGetter(key);
      if (RUN_NUMERIC_ATTRIBUTES.has(key)) {
        const test = numericTest(c.comparator, c.value as number);
        return (run) => {
          const x = get(run.info);
          return typeof x === 'number' && test(x);
        };
      }
      const test = stringTest(c.comparator, c.value as string | string[]);
      return (run) => {
        const x = get(run.info);
        return typeof x === 'string' && test(x);
      };
    }
    case 'dataset': {
      const test = stringTest(c.comparator, c.value as string | string[]);
      if (key === 'context') {
        return (run) => {
          for (const input of run.inputs ?? []) {
            const ctx = own(input.tags, DATASET_CONTEXT_TAG);
            if (ctx !== undefined && test(ctx)) return true;
          }
          return false;
        };
      }
      const field = key === 'name' ? 'name' : 'digest';
      return (run) => {
        for (const input of run.inputs ?? []) if (test(input.dataset[field])) return true;
        return false;
      };
    }
  }
}

/** Resolved clauses as one predicate. */
export function compileRunPredicate(clauses: FilterClause[]): Test<Run> {
  return allOf(clauses.map(compileRunClause));
}
