/** MLflow's search grammar (filter strings, order_by, page tokens), browser-safe. */
export {
  checkMaxResults,
  compileExperimentFilter,
  compileExperimentOrder,
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  compileRunFilter,
  compileRunOrder,
  searchExperiments,
  searchModelVersions,
  searchRegisteredModels,
  searchRuns,
  viewFilter,
  SEARCH_MAX_RESULTS_DEFAULT,
  SEARCH_MAX_RESULTS_THRESHOLD,
  SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
  SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
} from './search.js';
export type { SearchOptions } from './search.js';
export { decodePageToken, encodePageToken, paginate } from './pageToken.js';
export { parseFilterSyntax } from './parseFilter.js';
export type { Comparator, EntityType, FilterClause, SyntaxClause, ValueNode } from './parseFilter.js';
export { parseRunFilter, translateKeyAlias } from './runFilter.js';
export { parseExperimentFilter } from './experimentFilter.js';
export {
  IS_PROMPT_TAG,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
  STAGE_DELETED_INTERNAL,
} from './modelFilter.js';
export type { SearchableModelVersion, SearchableRegisteredModel } from './modelFilter.js';
export {
  DEFAULT_EXPERIMENT_ORDER_BY,
  DEFAULT_MODEL_VERSION_ORDER_BY,
  parseOrderByTerm,
  parseRunOrderBy,
} from './orderBy.js';
export type { OrderByTerm, RunOrderTerm } from './orderBy.js';
export { searchLoggedModels, parseLoggedModelFilter, SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT } from './loggedModelSearch.js';
export type { DatasetRef, LoggedModelOrder, LoggedModelSearchOptions, SearchableLoggedModel } from './loggedModelSearch.js';
export { tokenize } from './lexer.js';
export type { Token, TokenKind } from './lexer.js';
