/**
 * MLflow's error responses: `{error_code, message}` with the HTTP status MLflow's server gives each
 * code (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS), so a client raises the exception it knows.
 */
import { MltrackError } from '../format/errors.js';

const STATUS_BY_MLFLOW_CODE: Record<string, number> = {
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
};

export function httpStatusOf(mlflowCode: string): number {
  return STATUS_BY_MLFLOW_CODE[mlflowCode] ?? 500;
}

/** An error only the HTTP layer raises (unknown endpoint, bad credentials), with MLflow's code. */
export class HttpError extends Error {
  constructor(readonly errorCode: string, message: string) {
    super(message);
  }
}

export interface ErrorBody {
  error_code: string;
  message: string;
}

/** Any thrown value as MLflow's error body and status. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof MltrackError) {
    return { status: httpStatusOf(err.mlflowCode), body: { error_code: err.mlflowCode, message: err.message } };
  }
  if (err instanceof HttpError) return { status: httpStatusOf(err.errorCode), body: { error_code: err.errorCode, message: err.message } };
  const e = err as { validation?: unknown; statusCode?: number; message?: string; code?: string };
  // fastify: schema validation and unparsable bodies are the client's fault, as in MLflow.
  if (e && (e.validation || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500))) {
    const code = e.statusCode === 413 ? 'RESOURCE_EXHAUSTED' : e.statusCode === 415 ? 'BAD_REQUEST' : 'INVALID_PARAMETER_VALUE';
    return { status: e.statusCode === 413 ? 413 : httpStatusOf(code), body: { error_code: code, message: e.message ?? 'Bad request' } };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: e?.message ?? String(err) } };
}
