/**
 * Search entry points: filter, order and paginate in-memory runs, experiments, registered models
 * and model versions the way MLflow's file stores do. Filters and orders are compiled once.
 *
 * Errors are checked in MLflow's order: max_results, then the filter, then order_by, then the
 * page token.
 */
import type { Experiment, Page, Run, ViewType } from '../entities.js';
import { fail } from '../errors.js';
import { compileExperimentPredicate, parseExperimentFilter } from './experimentFilter.js';
import {
  compileModelVersionPredicate,
  compileRegisteredModelPredicate,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
  type SearchableModelVersion,
  type SearchableRegisteredModel,
} from './modelFilter.js';
import {
  buildExperimentComparator,
  buildModelVersionComparator,
  buildRegisteredModelComparator,
  buildRunComparator,
  parseRunOrderBy,
} from './orderBy.js';
import { paginate } from './pageToken.js';
import { compileRunPredicate, parseRunFilter } from './runFilter.js';

export interface SearchOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | null;
}

/** Runs and experiments: the client default and the maximum of max_results. */
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;
/** Registered models (spec 10.3). */
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100;
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD = 1000;
/** Model versions (spec 10.4). */
export const SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD = 200000;

/** `maxResults`, defaulted and checked: an integer from 1 to `max`. Throws INVALID_ARGUMENT. */
export function checkMaxResults(value: number | undefined, defaultValue: number, max: number): number {
  if (value === undefined) return defaultValue;
  if (!Number.isInteger(value) || value < 1) {
    throw fail('INVALID_ARGUMENT', `Invalid value for max_results. It must be a positive integer, but got ${String(value)}`);
  }
  if (value > max) {
    throw fail('INVALID_ARGUMENT', `Invalid value for max_results. It must be at most ${max}, but got value ${value}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Runs

/** A runs filter as a predicate. Empty/undefined: every run. Throws INVALID_FILTER. */
export function compileRunFilter(filter: string | undefined): (run: Run) => boolean {
  return compileRunPredicate(parseRunFilter(filter));
}

/** order_by for runs as a comparator, ending with the base order `start_time DESC, run_id ASC`. Throws INVALID_ORDER_BY. */
export function compileRunOrder(orderBy: string[] | undefined): (a: Run, b: Run) => number {
  return buildRunComparator(parseRunOrderBy(orderBy));
}

const VIEW_STAGES: Record<ViewType, (stage: string) => boolean> = {
  ACTIVE_ONLY: (s) => s === 'active',
  DELETED_ONLY: (s) => s === 'deleted',
  ALL: () => true,
};

/** Which lifecycle stages a view type (default ACTIVE_ONLY) lists. Throws INVALID_ARGUMENT. */
export function viewFilter(viewType: ViewType = 'ACTIVE_ONLY'): (stage: string) => boolean {
  if (!Object.prototype.hasOwnProperty.call(VIEW_STAGES, viewType)) {
    throw fail('INVALID_ARGUMENT', `Invalid view type '${String(viewType)}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
  }
  return VIEW_STAGES[viewType];
}

/** `search_runs` over runs already read: view type (default ACTIVE_ONLY), filter, order, page. */
export function searchRuns(runs: Run[], opts: SearchOptions & { viewType?: ViewType } = {}): Page<Run> {
  const inView = viewFilter(opts.viewType);
  const maxResults = checkMaxResults(opts.maxResults, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
  const matches = compileRunFilter(opts.filter);
  const order = compileRunOrder(opts.orderBy);
  const selected = runs.filter((r) => inView(r.info.lifecycleStage) && matches(r));
  selected.sort(order);
  return paginate(selected, opts.pageToken, maxResults);
}

// ---------------------------------------------------------------------------------------------
// Experiments

export function compileExperimentFilter(filter: string | undefined): (exp: Experiment) => boolean {
  return compileExperimentPredicate(parseExperimentFilter(filter));
}

/** order_by for experiments; empty/undefined means `creation_time DESC, experiment_id ASC`. */
export function compileExperimentOrder(orderBy: string[] | undefined): (a: Experiment, b: Experiment) => number {
  return buildExperimentComparator(orderBy);
}

/**
 * `search_experiments` over experiments already read. The view type is the caller's: it decides
 * which directories (root, `.trash`) the experiments come from.
 */
export function searchExperiments(exps: Experiment[], opts: SearchOptions = {}): Page<Experiment> {
  const maxResults = checkMaxResults(opts.maxResults, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
  const matches = compileExperimentFilter(opts.filter);
  const order = compileExperimentOrder(opts.orderBy);
  const selected = exps.filter(matches);
  selected.sort(order);
  return paginate(selected, opts.pageToken, maxResults);
}

// ---------------------------------------------------------------------------------------------
// Model registry

export function compileRegisteredModelFilter<T extends SearchableRegisteredModel>(filter: string | undefined): (m: T) => boolean {
  return compileRegisteredModelPredicate<T>(parseRegisteredModelFilter(filter));
}

export function compileRegisteredModelOrder<T extends SearchableRegisteredModel>(
  orderBy: string[] | undefined,
): (a: T, b: T) => number {
  return buildRegisteredModelComparator<T>(orderBy);
}

/** `search_registered_models`: max_results default 100, at most 1000; default order `name ASC`. */
export function searchRegisteredModels<T extends SearchableRegisteredModel>(models: T[], opts: SearchOptions = {}): Page<T> {
  const maxResults = checkMaxResults(
    opts.maxResults,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
  );
  const matches = compileRegisteredModelFilter<T>(opts.filter);
  const order = compileRegisteredModelOrder<T>(opts.orderBy);
  const selected = models.filter(matches);
  selected.sort(order);
  return paginate(selected, opts.pageToken, maxResults);
}

/** A model-version filter as a predicate; `Deleted_Internal` versions never match. */
export function compileModelVersionFilter<T extends SearchableModelVersion>(filter: string | undefined): (mv: T) => boolean {
  return compileModelVersionPredicate<T>(parseModelVersionFilter(filter));
}

export function compileModelVersionOrder<T extends SearchableModelVersion>(orderBy: string[] | undefined): (a: T, b: T) => number {
  return buildModelVersionComparator<T>(orderBy);
}

/**
 * `search_model_versions`: max_results default 10 000, at most 200 000; default order
 * `last_updated_timestamp DESC, name ASC, version_number DESC`; `Deleted_Internal` excluded.
 */
export function searchModelVersions<T extends SearchableModelVersion>(versions: T[], opts: SearchOptions = {}): Page<T> {
  const maxResults = checkMaxResults(
    opts.maxResults,
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
  );
  const matches = compileModelVersionFilter<T>(opts.filter);
  const order = compileModelVersionOrder<T>(opts.orderBy);
  const selected = versions.filter(matches);
  selected.sort(order);
  return paginate(selected, opts.pageToken, maxResults);
}

export { decodePageToken, encodePageToken, paginate } from './pageToken.js';
