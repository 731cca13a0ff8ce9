/**
 * What `mltrack verify` reports: one problem per broken rule, naming the path (relative to the mlruns
 * root) and the rule, with a stable error code and a severity. `error` means MLflow (2.x or 3.x)
 * fails or misreads; `warning` means one MLflow version or a git round trip loses something;
 * `info` is about the tracking branch, not the tree.
 */
import type { ErrorCode } from '../format/errors.js';

export type Severity = 'error' | 'warning' | 'info';

/** A repair `verify --fix` may make: only these two, nothing that could lose data. */
export type Fix = { kind: 'mkdir'; path: string } | { kind: 'remove'; path: string };

export interface Problem {
  /** POSIX path relative to the mlruns root (`''` for the root itself). */
  path: string;
  rule: string;
  code: ErrorCode;
  severity: Severity;
  fix?: Fix;
}

/** Collects problems in the order they are found; never throws. */
export class ProblemList {
  readonly items: Problem[] = [];

  add(path: string, rule: string, code: ErrorCode, severity: Severity = 'error', fix?: Fix): void {
    this.items.push(fix ? { path, rule, code, severity, fix } : { path, rule, code, severity });
  }

  error(path: string, rule: string, code: ErrorCode): void {
    this.add(path, rule, code, 'error');
  }

  warning(path: string, rule: string, code: ErrorCode, fix?: Fix): void {
    this.add(path, rule, code, 'warning', fix);
  }
}

export function countBySeverity(problems: readonly Problem[]): Record<Severity, number> {
  const out: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const p of problems) out[p.severity]++;
  return out;
}
