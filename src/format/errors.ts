/**
 * Every failure mltrack reports carries a stable `code` (documented in spec/errors.md),
 * the MLflow error code a REST client would see, and a one-line message.
 */

/** Stable error codes. Never rename one: scripts match on them. */
export const ErrorCodes = {
  INVALID_KEY: 'INVALID_PARAMETER_VALUE',
  INVALID_NAME: 'INVALID_PARAMETER_VALUE',
  INVALID_ID: 'INVALID_PARAMETER_VALUE',
  INVALID_VALUE: 'INVALID_PARAMETER_VALUE',
  VALUE_TOO_LONG: 'INVALID_PARAMETER_VALUE',
  PARAM_CHANGED: 'INVALID_PARAMETER_VALUE',
  BATCH_TOO_LARGE: 'INVALID_PARAMETER_VALUE',
  PATH_TRAVERSAL: 'INVALID_PARAMETER_VALUE',
  INVALID_FILTER: 'INVALID_PARAMETER_VALUE',
  INVALID_ORDER_BY: 'INVALID_PARAMETER_VALUE',
  INVALID_PAGE_TOKEN: 'INVALID_PARAMETER_VALUE',
  INVALID_ARGUMENT: 'INVALID_PARAMETER_VALUE',
  NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  AMBIGUOUS_ID: 'INVALID_PARAMETER_VALUE',
  ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  NOT_ACTIVE: 'INVALID_PARAMETER_VALUE',
  MALFORMED_METRIC: 'INTERNAL_ERROR',
  MALFORMED_META: 'INTERNAL_ERROR',
  MALFORMED_FILE: 'INTERNAL_ERROR',
  INVALID_UTF8: 'INTERNAL_ERROR',
  INVALID_STATE: 'INVALID_STATE',
  CONFIG_ERROR: 'INVALID_PARAMETER_VALUE',
  NO_ACTIVE_RUN: 'BAD_REQUEST',
  IO_ERROR: 'INTERNAL_ERROR',
  NOT_A_REPO: 'INVALID_STATE',
  PUSH_REJECTED: 'ABORTED',
  VERIFY_FAILED: 'INVALID_STATE',
  LARGE_ARTIFACT: 'INVALID_PARAMETER_VALUE',
  GATE_FAILED: 'INVALID_STATE',
  TAGS_DISAGREE: 'INVALID_STATE',
  UNSAFE_TREE: 'INVALID_STATE',
  COMMAND_NOT_FOUND: 'INVALID_PARAMETER_VALUE',
  COMMAND_NOT_EXECUTABLE: 'INVALID_PARAMETER_VALUE',
  INVALID_MLPROJECT: 'INVALID_PARAMETER_VALUE',
  MISSING_PARAMETER: 'INVALID_PARAMETER_VALUE',
  ENV_MANAGER_UNSUPPORTED: 'INVALID_PARAMETER_VALUE',
  AUTH_REQUIRED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  UNKNOWN_SCHEMA: 'INVALID_PARAMETER_VALUE',
  IMPORT_CORRUPT: 'INVALID_PARAMETER_VALUE',
  NOT_MLFLOW_DB: 'INVALID_PARAMETER_VALUE',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** The one error class of mltrack. `code` is stable; `message` is for people. */
export class MltrackError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MltrackError';
    this.code = code;
    this.data = data;
  }

  /** MLflow's error_code for this failure (what a REST client would receive). */
  get mlflowCode(): string {
    return ErrorCodes[this.code];
  }

  toJSON(): { code: ErrorCode; mlflow_code: string; message: string; data: Record<string, unknown> } {
    return { code: this.code, mlflow_code: this.mlflowCode, message: this.message, data: this.data };
  }
}

export function isMltrackError(err: unknown): err is MltrackError {
  return err instanceof MltrackError;
}

/** Shorthand used across the layers: `throw fail('NOT_FOUND', 'Run ... not found')`. */
export function fail(code: ErrorCode, message: string, data: Record<string, unknown> = {}): MltrackError {
  return new MltrackError(code, message, data);
}
