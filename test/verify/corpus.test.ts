/**
 * Every tree real MLflow wrote (the mlflow-written corpus, 12 cases) verifies with zero errors.
 *
 * Warnings are allowed, and only two kinds, both justified:
 * - `missing directory` for a run's empty `metrics/`, `params/` or `artifacts/`: MLflow wrote them,
 *   but the corpus is stored in git, which keeps no empty directory (corpus README). MLflow 3.11+
 *   would not find such a run, so it is worth a warning; with the directories put back they go away.
 * - `no 'run_uuid'` on every run meta of the 3.x trees: MLflow 3.x no longer writes the key that
 *   MLflow 2.x requires (spec 4.1, 12; the corpus README shows 2.17.2 failing on those trees).
 */
import { describe, expect, it } from 'vitest';
import { loadExpected, restoreEmptyDirs } from '../fixtures/mlflowWritten.js';
import { bySeverity, cases, copyCase, isV3, verifyDir } from './helpers.js';

const MISSING_DIR = /^missing directory: MLflow 3\.11\+ cannot find the run; git does not keep empty directories/;
const NO_RUN_UUID = /^no 'run_uuid': MLflow 2\.x cannot read it/;

describe('the corpus', () => {
  it('has the twelve cases', () => expect(cases).toHaveLength(12));
});

describe.each(cases)('$id, as MLflow wrote it', (c) => {
  const expected = loadExpected(c);
  const runDirs = expected.experiments.reduce((n: number, e: any) => n + e.runs.length + e.unlisted_run_dirs.length, 0);
  const versionDirs = expected.registry.model_versions.length + expected.registry.unlisted_model_version_dirs.length;

  it('verifies with zero errors, and only the justified warnings', async () => {
    const { problems, stats } = await verifyDir(copyCase(c));
    expect(bySeverity(problems, 'error')).toEqual([]);
    expect(bySeverity(problems, 'info')).toEqual([]);
    for (const p of problems) {
      const justified =
        (MISSING_DIR.test(p.rule) && /\/(metrics|params|artifacts)$/.test(p.path) && p.fix?.kind === 'mkdir') ||
        (isV3(c) && NO_RUN_UUID.test(p.rule) && p.path.endsWith('/meta.yaml'));
      expect(justified, `${p.path}: ${p.rule}`).toBe(true);
    }
    // One run_uuid warning per run of a 3.x tree, none for 2.x.
    expect(problems.filter((p) => NO_RUN_UUID.test(p.rule))).toHaveLength(isV3(c) ? runDirs : 0);
    // Everything was looked at.
    expect(stats.runs).toBe(runDirs);
    expect(stats.experiments).toBe(expected.experiments.length);
    expect(stats.modelVersions).toBe(versionDirs);
  });

  it('has no missing-directory warning once the empty directories MLflow creates are put back', async () => {
    const root = copyCase(c);
    expect(restoreEmptyDirs(root, { experimentModelsDir: isV3(c) })).toBeGreaterThan(0);
    const { problems } = await verifyDir(root);
    expect(problems.filter((p) => !NO_RUN_UUID.test(p.rule))).toEqual([]);
  });
});
