/**
 * Model registry filters: `search_registered_models` (MLflow `SearchModelUtils`, spec 10.3) and
 * `search_model_versions` (MLflow `SearchModelVersionUtils`, spec 10.4).
 */
import { fail, type ErrorCode } from '../errors.js';
import { allOf, METRIC_COMPARATORS, numericTest, own, STRING_COMPARATORS, stringTest, type Test } from './compare.js';
import { resolveRestrictedIdentifier } from './experimentFilter.js';
import { parseFilterSyntax, quotedStringValue, type Comparator, type FilterClause, type SyntaxClause } from './parseFilter.js';
import { oneLine, parsePyInt, pyIsLower, quoteForMessage as q } from './python.js';
import { listForMessage } from './runFilter.js';

/** What registered-model search needs of a registered model. */
export interface SearchableRegisteredModel {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
}

/** What model-version search needs of a model version. */
export interface SearchableModelVersion {
  name: string;
  version: number;
  source: string;
  runId: string | null;
  currentStage: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
}

/** The stage of a deleted model version; such versions never appear in searches. */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';
/** MLflow 3.x marks prompts with this tag; a model without it matches `= 'false'` and `!= 'true'`. */
export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';

export const REGISTERED_MODEL_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set(['name']);
export const REGISTERED_MODEL_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'creation_timestamp',
  'last_updated_timestamp',
]);
export const MODEL_VERSION_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'version_number',
  'run_id',
  'source_path',
]);
export const MODEL_VERSION_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
]);
const MODEL_VERSION_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set([
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
]);
const REGISTERED_MODEL_STRING_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const MODEL_VERSION_STRING_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN']);

function checkComparator(allowed: ReadonlySet<string>, s: SyntaxClause, what: string): Comparator {
  if (!allowed.has(s.comparator)) {
    throw fail(
      'INVALID_FILTER',
      `Invalid comparator ${q(s.comparator)} for ${what} in ${q(s.text)}; expected one of ${[...allowed].join(', ')}`,
    );
  }
  return s.comparator as Comparator;
}

function noNullChecks(s: SyntaxClause, entity: string): void {
  if (s.comparator === 'IS NULL' || s.comparator === 'IS NOT NULL') {
    throw fail('INVALID_FILTER', `${s.comparator} is not supported in ${entity} filters: ${q(s.text)}`);
  }
}

function tagClause(s: SyntaxClause, key: string): FilterClause {
  const what = `tag ${q(key)}`;
  const v = s.value;
  if (v.kind !== 'string' && v.kind !== 'ident') {
    throw fail('INVALID_FILTER', `Expected a quoted string value for tag ${q(key)} (e.g. 'my-value'). Got value ${oneLine(v.raw)} in ${q(s.text)}`);
  }
  const value = quotedStringValue(v, 'INVALID_FILTER', what);
  return { type: 'tag', key, comparator: checkComparator(STRING_COMPARATORS, s, what), value };
}

export function resolveRegisteredModelClause(s: SyntaxClause): FilterClause {
  const code: ErrorCode = 'INVALID_FILTER';
  noNullChecks(s, 'registered model');
  const { type, key } = resolveRestrictedIdentifier(s.identifier, REGISTERED_MODEL_SEARCH_ATTRIBUTES, code, true);
  if (type === 'tag') return tagClause(s, key);
  const v = s.value;
  const what = `attribute ${q(key)}`;
  if (v.kind === 'list') {
    throw fail(code, `Only the 'run_id' attribute supports comparison with a list of quoted string values; got ${q(s.text)}`);
  }
  if (v.kind !== 'string' && v.kind !== 'ident') {
    throw fail(code, `Expected a quoted string value or a list of quoted string values for attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
  }
  const value = quotedStringValue(v, code, what);
  return { type, key, comparator: checkComparator(REGISTERED_MODEL_STRING_COMPARATORS, s, what), value };
}

export function resolveModelVersionClause(s: SyntaxClause): FilterClause {
  const code: ErrorCode = 'INVALID_FILTER';
  noNullChecks(s, 'model version');
  const { type, key } = resolveRestrictedIdentifier(s.identifier, MODEL_VERSION_SEARCH_ATTRIBUTES, code, true);
  if (type === 'tag') return tagClause(s, key);
  const v = s.value;
  const what = `attribute ${q(key)}`;
  let value: string | string[] | number;
  if (v.kind === 'string' || v.kind === 'ident') {
    value = quotedStringValue(v, code, what);
  } else if (v.kind === 'list') {
    if (key !== 'run_id') {
      throw fail(code, `Only the 'run_id' attribute supports comparison with a list of quoted string values; got ${q(s.text)}`);
    }
    value = v.items.filter(pyIsLower);
  } else if (v.kind === 'number') {
    if (!MODEL_VERSION_NUMERIC_ATTRIBUTES.has(key)) {
      throw fail(code, `Only the ${listForMessage(MODEL_VERSION_NUMERIC_ATTRIBUTES)} attributes support comparison with numeric values; got ${q(s.text)}`);
    }
    value = Number(v.raw);
  } else {
    throw fail(code, `Expected a quoted string value or a list of quoted string values for attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
  }

  if (key !== 'version_number') {
    return { type, key, comparator: checkComparator(MODEL_VERSION_STRING_COMPARATORS, s, what), value };
  }
  const comparator = checkComparator(METRIC_COMPARATORS, s, what);
  // MLflow compares `version` with `int(value)`: quoted digits are accepted and floats truncate.
  let n: number | undefined;
  if (typeof value === 'number') n = Number.isFinite(value) ? Math.trunc(value) : undefined;
  else if (typeof value === 'string') n = parsePyInt(value);
  if (n === undefined) {
    throw fail(code, `Expected an integer value for version_number, got ${oneLine(v.raw)} in ${q(s.text)}`);
  }
  return { type, key, comparator, value: n };
}

export function parseRegisteredModelFilter(filter: string | undefined | null): FilterClause[] {
  if (!filter) return [];
  return parseFilterSyntax(filter).map(resolveRegisteredModelClause);
}

export function parseModelVersionFilter(filter: string | undefined | null): FilterClause[] {
  if (!filter) return [];
  return parseFilterSyntax(filter).map(resolveModelVersionClause);
}

/** A tag clause; a missing tag never matches, except MLflow's prompt-tag rule. */
function compileTagClause<T extends { tags: Record<string, string> }>(c: FilterClause): Test<T> {
  const key = c.key;
  const test = stringTest(c.comparator, c.value as string);
  const whenMissing = key === IS_PROMPT_TAG && ((c.comparator === '=' && c.value === 'false') || (c.comparator === '!=' && c.value === 'true'));
  return (x) => {
    const v = own(x.tags, key);
    return v === undefined ? whenMissing : test(v);
  };
}

export function compileRegisteredModelClause<T extends SearchableRegisteredModel>(c: FilterClause): Test<T> {
  if (c.type === 'tag') return compileTagClause<T>(c);
  const test = stringTest(c.comparator, c.value as string);
  return (m) => typeof m.name === 'string' && test(m.name);
}

export function compileModelVersionClause<T extends SearchableModelVersion>(c: FilterClause): Test<T> {
  if (c.type === 'tag') return compileTagClause<T>(c);
  if (c.key === 'version_number') {
    const test = numericTest(c.comparator, c.value as number);
    return (mv) => typeof mv.version === 'number' && test(mv.version);
  }
  const test = stringTest(c.comparator, c.value as string | string[]);
  const get: (mv: T) => string | null =
    c.key === 'name' ? (mv) => mv.name : c.key === 'run_id' ? (mv) => mv.runId : (mv) => mv.source;
  return (mv) => {
    const x = get(mv);
    return typeof x === 'string' && test(x);
  };
}

export function compileRegisteredModelPredicate<T extends SearchableRegisteredModel>(clauses: FilterClause[]): Test<T> {
  return allOf(clauses.map((c) => compileRegisteredModelClause<T>(c)));
}

/** The clauses as one predicate; `Deleted_Internal` versions never match. */
export function compileModelVersionPredicate<T extends SearchableModelVersion>(clauses: FilterClause[]): Test<T> {
  const all = allOf(clauses.map((c) => compileModelVersionClause<T>(c)));
  return (mv) => mv.currentStage !== STAGE_DELETED_INTERNAL && all(mv);
}
