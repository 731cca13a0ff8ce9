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
  UNTRUSTED_TAG: 'INVALID_STATE',
  UNSAFE_TREE: 'INVALID_STATE',
  GIT_UNSAFE_NAME: 'INVALID_PARAMETER_VALUE',
  UNSAFE_ARTIFACT: 'INVALID_PARAMETER_VALUE',
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
  SOURCE_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  SOURCE_REFUSED: 'INVALID_PARAMETER_VALUE',
  NAME_TOO_LONG: 'INVALID_PARAMETER_VALUE',
  IS_A_DIRECTORY: 'INVALID_PARAMETER_VALUE',
  NOT_A_DIRECTORY: 'INVALID_PARAMETER_VALUE',
  SYMLINK_LOOP: 'INVALID_PARAMETER_VALUE',
  FILE_ACCESS_DENIED: 'PERMISSION_DENIED',
  NO_SPACE: 'INTERNAL_ERROR',
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

/** File-system errors a user can cause (a long name, a folder where a file goes, a full disk), by errno. */
const SYSTEM_ERRORS: Record<string, { code: ErrorCode; what: string }> = {
  ENAMETOOLONG: { code: 'NAME_TOO_LONG', what: 'a file name is too long for the file system' },
  EISDIR: { code: 'IS_A_DIRECTORY', what: 'a directory is where a file was expected' },
  ENOTDIR: { code: 'NOT_A_DIRECTORY', what: 'a file is where a directory was expected' },
  ELOOP: { code: 'SYMLINK_LOOP', what: 'too many levels of symbolic links' },
  EACCES: { code: 'FILE_ACCESS_DENIED', what: 'permission denied' },
  EPERM: { code: 'FILE_ACCESS_DENIED', what: 'operation not permitted' },
  EROFS: { code: 'FILE_ACCESS_DENIED', what: 'read-only file system' },
  ENOSPC: { code: 'NO_SPACE', what: 'no space left on the device' },
  EDQUOT: { code: 'NO_SPACE', what: 'disk quota exceeded' },
};

/** A Node system error as one of ours (stable code, the path named), or null when it is not one a user causes. */
export function fromSystemError(err: unknown): MltrackError | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: string; path?: string; dest?: string; syscall?: string };
  const known = e.code ? SYSTEM_ERRORS[e.code] : undefined;
  if (!known) return null;
  const path = e.path ?? e.dest;
  return new MltrackError(known.code, `${e.syscall ? `${e.syscall} ` : ''}${path ? JSON.stringify(path) : ''}: ${known.what} (${e.code})`.trim(), { path: path ?? null, errno: e.code });
}

/** Terminal-safe text: control characters (newlines, ESC, ...) shown as escapes, so a value cannot forge lines or colours. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
