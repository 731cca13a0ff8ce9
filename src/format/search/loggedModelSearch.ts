/**
 * MLflow 3.x `search_logged_models` (MLflow `SearchLoggedModelsUtils`): a filter string over
 * attributes (name, model_id, model_type, status, source_run_id, creation/last-updated timestamps),
 * metrics, params and tags; `datasets` restricting which metric values count; `order_by` as
 * `{field_name, ascending, dataset_name, dataset_digest}` objects with MLflow's tie-breakers
 * (creation_timestamp DESC, then model_id); offset page tokens as every other search uses.
 */
import type { Page } from '../entities.js';
import { fail } from '../errors.js';
import { allOf, METRIC_COMPARATORS, numericTest, own, stringTest, type Test } from './compare.js';
import { paginate } from './pageToken.js';
import { parseFilterSyntax, quotedStringValue, type FilterClause, type SyntaxClause } from './parseFilter.js';
import { oneLine, quoteForMessage as q } from './python.js';
import { checkComparator, resolveRunClause, resolveRunIdentifier, translateKeyAlias } from './runFilter.js';

export interface SearchableLoggedModel {
  modelId: string;
  name: string;
  modelType: string | null;
  status: string;
  sourceRunId: string | null;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Per key, every value in file order. */
  metrics: Record<string, { value: number; timestamp: number; datasetName?: string; datasetDigest?: string }[]>;
}

/** A dataset the metrics must have been computed on (`datasets` of SearchLoggedModels). */
export interface DatasetRef {
  dataset_name: string;
  dataset_digest?: string;
}

export interface LoggedModelOrder {
  field_name: string;
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

export const SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT = 100;

/** `creation_time` and `last_updated_time` are MLflow's other names for the timestamps. */
const ATTRIBUTE_ALIASES: Record<string, string> = { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' };
const NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['creation_timestamp', 'creation_time', 'last_updated_timestamp', 'last_updated_time']);
export const LOGGED_MODEL_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set(['name', 'model_id', 'model_type', 'status', 'source_run_id', ...NUMERIC_ATTRIBUTES]);
const STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);

function attribute(m: SearchableLoggedModel, key: string): string | number | null {
  switch (ATTRIBUTE_ALIASES[key] ?? key) {
    case 'name': return m.name;
    case 'model_id': return m.modelId;
    case 'model_type': return m.modelType;
    case 'status': return m.status;
    case 'source_run_id': return m.sourceRunId;
    case 'creation_timestamp': return m.creationTimestamp;
    case 'last_updated_timestamp': return m.lastUpdatedTimestamp;
    default: throw fail('INVALID_FILTER', `Invalid logged model search key ${q(key)}`);
  }
}

/** Metrics, params and tags follow the runs rules; attributes are the logged model's own, and any of them may take a list. */
function resolveClause(s: SyntaxClause): FilterClause {
  const { type, key } = resolveRunIdentifier(s.identifier, LOGGED_MODEL_SEARCH_ATTRIBUTES, 'INVALID_FILTER');
  if (type === 'dataset') throw fail('INVALID_FILTER', `Logged-model filters take no dataset clauses (pass datasets instead): ${q(s.text)}`);
  if (type !== 'attribute') return resolveRunClause(s);
  const v = s.value;
  const what = `attribute ${q(key)}`;
  if (NUMERIC_ATTRIBUTES.has(key)) {
    if (v.kind !== 'number' || !v.integer) throw fail('INVALID_FILTER', `Expected an integer value for numeric attribute: ${key}. Found ${oneLine(v.raw)} in ${q(s.text)}`);
    return { type, key, comparator: checkComparator(METRIC_COMPARATORS, s, what), value: Number(v.raw) };
  }
  let value: string | string[];
  if (v.kind === 'string' || v.kind === 'ident') value = quotedStringValue(v, 'INVALID_FILTER', what);
  else if (v.kind === 'list') value = v.items;
  else throw fail('INVALID_FILTER', `Expected a quoted string value for attributes. Got value ${oneLine(v.raw)} in ${q(s.text)}`);
  return { type, key, comparator: checkComparator(STRING_ATTRIBUTE_COMPARATORS, s, what), value };
}

export function parseLoggedModelFilter(filter: string | undefined | null): FilterClause[] {
  return filter ? parseFilterSyntax(filter).map(resolveClause) : [];
}

function onDatasets(metric: { datasetName?: string; datasetDigest?: string }, datasets: readonly DatasetRef[]): boolean {
  return datasets.some((d) => metric.datasetName === d.dataset_name && (!d.dataset_digest || metric.datasetDigest === d.dataset_digest));
}

/** One clause as a predicate. A model lacking the metric, param, tag or attribute never matches (even `!=`), as in MLflow. */
function compileClause(c: FilterClause, datasets: readonly DatasetRef[]): Test<SearchableLoggedModel> {
  const key = c.type === 'attribute' ? c.key : translateKeyAlias(c.key);
  if (c.type === 'metric') {
    const test = numericTest(c.comparator, c.value as number);
    return (m) => {
      // MLflow compares the first value logged for the key (on the datasets, when given).
      const first = (own(m.metrics, key) ?? []).find((x) => datasets.length === 0 || onDatasets(x, datasets));
      return first !== undefined && test(first.value);
    };
  }
  if (c.type === 'param' || c.type === 'tag') {
    const pick = c.type === 'param' ? (m: SearchableLoggedModel) => m.params : (m: SearchableLoggedModel) => m.tags;
    if (c.comparator === 'IS NULL') return (m) => own(pick(m), key) === undefined;
    if (c.comparator === 'IS NOT NULL') return (m) => own(pick(m), key) !== undefined;
    const test = stringTest(c.comparator, c.value as string);
    return (m) => {
      const x = own(pick(m), key);
      return x !== undefined && test(x);
    };
  }
  if (NUMERIC_ATTRIBUTES.has(key)) {
    const test = numericTest(c.comparator, c.value as number);
    return (m) => {
      const x = attribute(m, key);
      return typeof x === 'number' && test(x);
    };
  }
  const test = stringTest(c.comparator, c.value as string | string[]);
  return (m) => {
    const x = attribute(m, key);
    return typeof x === 'string' && test(x);
  };
}

interface ParsedOrder {
  field: string;
  ascending: boolean;
  datasetName: string | null;
  datasetDigest: string | null;
}

/** MLflow's parse_order_by_for_logged_models: `metrics.<key>` or an attribute; a digest needs a name. */
function parseOrder(o: LoggedModelOrder): ParsedOrder {
  if (typeof o !== 'object' || o === null) throw fail('INVALID_ORDER_BY', '`order_by` must be a list of objects {field_name, ascending, dataset_name, dataset_digest}.');
  if (typeof o.field_name !== 'string') throw fail('INVALID_ORDER_BY', '`field_name` in the `order_by` clause must be specified.');
  let field = o.field_name;
  if (field.includes('.')) {
    const entity = field.slice(0, field.indexOf('.'));
    if (entity !== 'metrics') throw fail('INVALID_ORDER_BY', `Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`);
  } else {
    field = field.trim();
    if (!LOGGED_MODEL_SEARCH_ATTRIBUTES.has(field)) throw fail('INVALID_ORDER_BY', `Invalid order by field name: ${field}.`);
    field = ATTRIBUTE_ALIASES[field] ?? field;
  }
  const ascending = o.ascending ?? true;
  if (typeof ascending !== 'boolean') throw fail('INVALID_ORDER_BY', `Value of \`ascending\` in the \`order_by\` clause must be a boolean, got ${JSON.stringify(ascending)} for field ${field}.`);
  if (o.dataset_digest && !o.dataset_name) throw fail('INVALID_ORDER_BY', '`dataset_digest` can only be specified if `dataset_name` is also specified.');
  return { field, ascending, datasetName: o.dataset_name || null, datasetDigest: o.dataset_digest || null };
}

/** A metric orders by its latest value (on the dataset, when named). */
function sortValue(m: SearchableLoggedModel, o: ParsedOrder): string | number | null {
  if (!o.field.startsWith('metrics.')) return attribute(m, o.field);
  let latest: { value: number; timestamp: number } | null = null;
  for (const x of own(m.metrics, o.field.slice('metrics.'.length)) ?? []) {
    if (o.datasetName && x.datasetName !== o.datasetName) continue;
    if (o.datasetDigest && x.datasetDigest !== o.datasetDigest) continue;
    if (!latest || x.timestamp > latest.timestamp) latest = x;
  }
  return latest ? latest.value : null;
}

/** Missing values sort last either way, as MLflow's comparators put None. */
function compareValues(a: string | number | null, b: string | number | null, ascending: boolean): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return (a < b ? -1 : 1) * (ascending ? 1 : -1);
}

export interface LoggedModelSearchOptions {
  filter?: string | null;
  datasets?: readonly DatasetRef[];
  orderBy?: readonly LoggedModelOrder[];
  maxResults?: number;
  pageToken?: string | null;
}

export function searchLoggedModels<T extends SearchableLoggedModel>(models: readonly T[], options: LoggedModelSearchOptions = {}): Page<T> {
  const datasets = options.datasets ?? [];
  for (const d of datasets) {
    if (typeof d?.dataset_name !== 'string' || !d.dataset_name) throw fail('INVALID_ARGUMENT', '`dataset_name` in `datasets` must be specified.');
  }
  const clauses = parseLoggedModelFilter(options.filter);
  const orders = (options.orderBy ?? []).map(parseOrder);
  if (!orders.some((o) => o.field === 'creation_timestamp')) orders.push({ field: 'creation_timestamp', ascending: false, datasetName: null, datasetDigest: null });
  if (!orders.some((o) => o.field === 'model_id')) orders.push({ field: 'model_id', ascending: true, datasetName: null, datasetDigest: null });
  const maxResults = options.maxResults ?? SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT;
  if (!Number.isSafeInteger(maxResults) || maxResults < 1) throw fail('INVALID_ARGUMENT', `Invalid value for max_results: ${maxResults}. It must be a positive integer.`);

  const matches = allOf(clauses.map((c) => compileClause(c, datasets)));
  // With datasets and no metric clause, a model must have some metric on those datasets (MLflow's rule).
  const needsDatasetMetric = datasets.length > 0 && !clauses.some((c) => c.type === 'metric');
  const found = models.filter((m) => matches(m) && (!needsDatasetMetric || Object.values(m.metrics).some((list) => list.some((x) => onDatasets(x, datasets)))));
  const keyed = found.map((m) => ({ m, keys: orders.map((o) => sortValue(m, o)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < orders.length; i++) {
      const c = compareValues(x.keys[i]!, y.keys[i]!, orders[i]!.ascending);
      if (c !== 0) return c;
    }
    return 0;
  });
  return paginate(keyed.map((k) => k.m), options.pageToken, maxResults);
}
