/**
 * `mltrack verify --fix`: the only repairs verify makes, both safe to repeat and unable to lose data:
 * recreate a run's missing empty `metrics/`, `params/` or `artifacts/` (what git drops), and remove
 * `.mltrack-tmp-*` files left by an interrupted write. Everything else is left for a person.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Fix, Problem } from './Problem.js';

/** Applies the fixes of `problems` under the mlruns directory `root`; returns the problems it fixed. */
export function fixTree(root: string, problems: readonly Problem[]): Problem[] {
  const fixed: Problem[] = [];
  for (const problem of problems) {
    if (!problem.fix) continue;
    apply(root, problem.fix);
    fixed.push(problem);
  }
  return fixed;
}

function apply(root: string, fix: Fix): void {
  const target = join(root, ...fix.path.split('/'));
  if (fix.kind === 'mkdir') mkdirSync(target, { recursive: true });
  else rmSync(target, { force: true });
}
