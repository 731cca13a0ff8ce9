/**
 * `order_by` clauses: `"<identifier> [ASC|DESC]"` (default ASC), parsed once and compiled to a
 * comparator per entity, with the orderings MLflow's file stores use:
 *
 * - runs (`SearchUtils.sort`): base order `start_time DESC, run_id ASC`, the clauses applied as
 *   stable sorts last clause first (= one lexicographic comparator); missing values last in
 *   either direction, NaN after real numbers and before missing values;
 * - experiments (`SearchExperimentsUtils`): missing values last; `experiment_id` (a string)
 *   appended as a DESC tie-breaker when not named;
 * - registered models: `name ASC` appended when `name` is not named;
 * - model versions: `name ASC` appended when `name` is not named, then `version_number DESC`.
 */
import type { Experiment, Run } from '../entities.js';
import { fail, type ErrorCode } from '../errors.js';
import { own } from './compare.js';
import { EXPERIMENT_ORDER_ATTRIBUTES, resolveRestrictedIdentifier } from './experimentFilter.js';
import { tokenize } from './lexer.js';
import {
  MODEL_VERSION_ORDER_ATTRIBUTES,
  REGISTERED_MODEL_ORDER_ATTRIBUTES,
  type SearchableModelVersion,
  type SearchableRegisteredModel,
} from './modelFilter.js';
import type { EntityType } from './parseFilter.js';
import { pyCompareStrings, quoteForMessage as q } from './python.js';
import { resolveRunIdentifier, RUN_ORDER_ATTRIBUTES, runAttributeGetter, translateKeyAlias } from './runFilter.js';

export type Comparer<T> = (a: T, b: T) => number;

export interface OrderByTerm {
  /** The identifier with quotes removed the way `shlex.split` removes them. */
  identifier: string;
  ascending: boolean;
}

const CODE: ErrorCode = 'INVALID_ORDER_BY';

/** `shlex.split` of one word (POSIX rules): quotes removed, backslash escapes resolved. */
function shlexWord(text: string, clause: string): string {
  const unparsable = (): never => {
    throw fail(CODE, `Invalid order_by clause ${q(clause)}. Could not be parsed.`);
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) unparsable();
      out += text.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) unparsable();
        const d = text[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          out += text[i + 1];
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) unparsable();
      out += text[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      unparsable();
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Parses one `"<identifier> [ASC|DESC]"` clause. Throws INVALID_ORDER_BY. */
export function parseOrderByTerm(clause: string): OrderByTerm {
  const tokens = tokenize(clause, CODE, 'order_by clause');
  const ident = tokens[0];
  if (ident === undefined || ident.kind !== 'ident' || tokens.length > 2) {
    throw fail(CODE, `Invalid order_by clause ${q(clause)}. Could not be parsed; expected '<identifier> [ASC|DESC]'`);
  }
  let ascending = true;
  const dir = tokens[1];
  if (dir !== undefined) {
    if (dir.kind !== 'ident' || dir.quote !== '' || dir.text.includes('.')) {
      throw fail(CODE, `Invalid order_by clause ${q(clause)}. Could not be parsed; expected '<identifier> [ASC|DESC]'`);
    }
    const d = dir.text.toLowerCase();
    if (d !== 'asc' && d !== 'desc') {
      throw fail(CODE, `Invalid ordering key in order_by clause ${q(clause)}: expected ASC or DESC, got ${q(dir.text)}`);
    }
    ascending = d === 'asc';
  }
  return { identifier: shlexWord(ident.text.replace(/`/g, '"'), clause).trim(), ascending };
}

// ---------------------------------------------------------------------------------------------
// Runs

export interface RunOrderTerm {
  type: Exclude<EntityType, 'dataset'>;
  key: string;
  ascending: boolean;
}

export function parseRunOrderBy(orderBy: readonly string[] | undefined | null): RunOrderTerm[] {
  return (orderBy ?? []).map((clause) => {
    const { identifier, ascending } = parseOrderByTerm(clause);
    const { type, key } = resolveRunIdentifier(identifier, RUN_ORDER_ATTRIBUTES, CODE);
    if (type === 'dataset') throw fail(CODE, `Invalid order_by entity type 'dataset' in ${q(clause)}`);
    return { type, key, ascending };
  });
}

type SortValue = string | number | null | undefined;

/** 0: a real value, 1: NaN, 2: missing. The same in both directions. */
function rank(v: SortValue): number {
  if (v === null || v === undefined) return 2;
  return v !== v ? 1 : 0;
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return pyCompareStrings(String(a), String(b));
}

function runSortValue(term: RunOrderTerm): (run: Run) => SortValue {
  const key = translateKeyAlias(term.key);
  switch (term.type) {
    case 'metric':
      return (run) => own(run.data.metrics, key)?.value;
    case 'param':
      return (run) => own(run.data.params, key);
    case 'tag':
      return (run) => own(run.data.tags, key);
    case 'attribute': {
      const get = runAttributeGetter(key);
      return (run) => get(run.info);
    }
  }
}

/** The base order of run search: `start_time DESC`, then `run_id ASC`. */
export function compareRunsBase(a: Run, b: Run): number {
  const ta = a.info.startTime;
  const tb = b.info.startTime;
  if (ta !== tb) return ta > tb ? -1 : 1;
  return pyCompareStrings(a.info.runId, b.info.runId);
}

export function buildRunComparator(terms: readonly RunOrderTerm[]): Comparer<Run> {
  if (terms.length === 0) return compareRunsBase;
  const getters = terms.map(runSortValue);
  const ascending = terms.map((t) => t.ascending);
  const n = terms.length;
  return (a, b) => {
    for (let i = 0; i < n; i++) {
      const get = getters[i]!;
      const va = get(a);
      const vb = get(b);
      const ra = rank(va);
      const rb = rank(vb);
      if (ra !== rb) return ra - rb;
      if (ra !== 0) continue;
      const c = compareValues(va!, vb!);
      if (c !== 0) return ascending[i] ? c : -c;
    }
    return compareRunsBase(a, b);
  };
}

// ---------------------------------------------------------------------------------------------
// Experiments and the registry: tuples of values, missing values last in either direction.

interface KeyTerm<T> {
  get: (x: T) => SortValue;
  ascending: boolean;
}

function buildKeyComparator<T>(terms: readonly KeyTerm<T>[]): Comparer<T> {
  return (a, b) => {
    for (const t of terms) {
      const va = t.get(a);
      const vb = t.get(b);
      const na = va === null || va === undefined;
      const nb = vb === null || vb === undefined;
      if (na && nb) continue;
      if (na) return 1;
      if (nb) return -1;
      if (va === vb) continue;
      const c = compareValues(va!, vb!);
      if (c !== 0) return t.ascending ? c : -c;
    }
    return 0;
  };
}

function parseAttributeOrderBy(
  orderBy: readonly string[],
  valid: ReadonlySet<string>,
): { key: string; ascending: boolean }[] {
  return orderBy.map((clause) => {
    const { identifier, ascending } = parseOrderByTerm(clause);
    const { type, key } = resolveRestrictedIdentifier(identifier, valid, CODE);
    if (type !== 'attribute') throw fail(CODE, `Invalid order_by entity: ${type} in ${q(clause)}; only attributes can be ordered by`);
    return { key, ascending };
  });
}

export const DEFAULT_EXPERIMENT_ORDER_BY: readonly string[] = ['creation_time DESC', 'experiment_id ASC'];

function experimentGetter(key: string): (e: Experiment) => SortValue {
  switch (key) {
    case 'name':
      return (e) => e.name;
    case 'experiment_id':
      return (e) => e.experimentId;
    case 'creation_time':
      return (e) => e.creationTime;
    default:
      return (e) => e.lastUpdateTime;
  }
}

/** Experiment order; an empty or missing list means `creation_time DESC, experiment_id ASC`. */
export function buildExperimentComparator(orderBy: readonly string[] | undefined | null): Comparer<Experiment> {
  const list = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_EXPERIMENT_ORDER_BY;
  const terms = parseAttributeOrderBy(list, EXPERIMENT_ORDER_ATTRIBUTES);
  if (!terms.some((t) => t.key === 'experiment_id')) terms.push({ key: 'experiment_id', ascending: false });
  return buildKeyComparator(terms.map((t) => ({ get: experimentGetter(t.key), ascending: t.ascending })));
}

function modelGetter(key: string): (m: SearchableRegisteredModel | SearchableModelVersion) => SortValue {
  switch (key) {
    case 'name':
      return (m) => m.name;
    case 'creation_timestamp':
      return (m) => m.creationTimestamp;
    case 'last_updated_timestamp':
      return (m) => m.lastUpdatedTimestamp;
    default:
      return (m) => (m as SearchableModelVersion).version;
  }
}

/** Registered-model order; `name ASC` is appended unless `name` is named. Default: `name ASC`. */
export function buildRegisteredModelComparator<T extends SearchableRegisteredModel>(
  orderBy: readonly string[] | undefined | null,
): Comparer<T> {
  const terms = parseAttributeOrderBy(orderBy ?? [], REGISTERED_MODEL_ORDER_ATTRIBUTES);
  if (!terms.some((t) => t.key === 'name')) terms.push({ key: 'name', ascending: true });
  return buildKeyComparator<T>(terms.map((t) => ({ get: modelGetter(t.key), ascending: t.ascending })));
}

export const DEFAULT_MODEL_VERSION_ORDER_BY: readonly string[] = [
  'last_updated_timestamp DESC',
  'name ASC',
  'version_number DESC',
];

/**
 * Model-version order; an empty or missing list means the file store's default. `name ASC` is
 * appended unless `name` is named, then `version_number DESC` always (MLflow's check for it looks
 * for the key after renaming it, so it never finds it; the extra key is harmless).
 */
export function buildModelVersionComparator<T extends SearchableModelVersion>(
  orderBy: readonly string[] | undefined | null,
): Comparer<T> {
  const list = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_MODEL_VERSION_ORDER_BY;
  const terms = parseAttributeOrderBy(list, MODEL_VERSION_ORDER_ATTRIBUTES);
  if (!terms.some((t) => t.key === 'name')) terms.push({ key: 'name', ascending: true });
  terms.push({ key: 'version_number', ascending: false });
  return buildKeyComparator<T>(terms.map((t) => ({ get: modelGetter(t.key), ascending: t.ascending })));
}
