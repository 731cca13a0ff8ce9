/** A registry check's finding (gates, tags), in `mltrack verify`'s shape (src/verify/Problem.ts). */
import type { ErrorCode } from '../format/errors.js';

export interface GateProblem {
  /** POSIX path relative to the mlruns root. */
  path: string;
  rule: string;
  code: ErrorCode;
  severity: 'error' | 'warning' | 'info';
}
