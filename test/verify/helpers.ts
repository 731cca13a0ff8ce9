/** Shared by the verify tests: corpus copies, running the checker, and finding one problem. */
import { join } from 'node:path';
import { expect } from 'vitest';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import type { Problem, Severity } from '../../src/verify/Problem.js';
import { verifyTree, type VerifyResult } from '../../src/verify/verifyTree.js';
import { tempDir } from '../helpers/env.js';
import { copyTree, listCases, type CorpusCase } from '../fixtures/mlflowWritten.js';

export const cases = listCases();

export function corpusCase(id: string): CorpusCase {
  const found = cases.find((c) => c.id === id);
  if (!found) throw new Error(`no corpus case ${id}`);
  return found;
}

export function isV3(c: CorpusCase): boolean {
  return c.version.startsWith('v3');
}

/** A writable copy of a case's tree at `<temp>/mlruns`; returns the mlruns path. */
export function copyCase(c: CorpusCase): string {
  return copyTree(c.mlruns, join(tempDir('mltrack-verify-'), 'mlruns'));
}

export function verifyDir(root: string): Promise<VerifyResult> {
  return verifyTree(new FsTreeReader(root));
}

export const bySeverity = (problems: Problem[], severity: Severity) => problems.filter((p) => p.severity === severity);

/** The one problem at `path` whose rule matches; fails the test (listing what was found) otherwise. */
export function problemAt(problems: Problem[], path: string, rule: RegExp): Problem {
  const found = problems.filter((p) => p.path === path && rule.test(p.rule));
  expect(found, `${path}: ${rule} among\n${problems.map((p) => `  ${p.path}: ${p.severity}: ${p.rule}`).join('\n')}`).toHaveLength(1);
  return found[0]!;
}
