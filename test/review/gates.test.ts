import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/api/config.js';
import type { Run } from '../../src/format/entities.js';
import { MltrackError } from '../../src/format/errors.js';
import { checkGates, evaluateGates, parseGates } from '../../src/registry/gates.js';
import { RegistryStore } from '../../src/store/RegistryStore.js';
import { FileStore } from '../../src/store/FileStore.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import type { ModelVersion } from '../../src/store/RegistryReader.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';

function run(metrics: Record<string, number>, params: Record<string, string> = {}, tags: Record<string, string> = {}): Run {
  return {
    info: { runId: 'a'.repeat(32), runName: 'r', experimentId: '0', userId: 'u', status: 'FINISHED', startTime: 1000, endTime: 5000, artifactUri: 'file:///x', lifecycleStage: 'active' },
    data: { metrics: Object.fromEntries(Object.entries(metrics).map(([key, value]) => [key, { key, value, timestamp: 1, step: 0 }])), params, tags },
    inputs: [{ dataset: { name: 'churn', digest: 'abc', sourceType: 'local', source: '{}', schema: null, profile: null }, tags: { 'mlflow.data.context': 'training' } }],
  };
}

function version(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    name: 'churn', version: 4, creationTimestamp: 1, lastUpdatedTimestamp: 1, currentStage: 'Staging', description: null, userId: null,
    source: 'runs:/' + 'a'.repeat(32) + '/model', runId: 'a'.repeat(32), runLink: null, status: 'READY', statusMessage: null, storageLocation: null,
    tags: {}, aliases: [], ...overrides,
  };
}

function thrown(fn: () => unknown): MltrackError {
  try {
    fn();
  } catch (err) {
    return err as MltrackError;
  }
  throw new Error('did not throw');
}

describe('gates in .mltrack.yml', () => {
  it('parses stages case-insensitively, one rule or a list; a rule that does not parse is a CONFIG_ERROR naming it', () => {
    expect(parseGates({ production: ['metrics.rmse < 7'], Staging: "tags.validated = 'true'" }, 'f: gates')).toEqual({ Production: ['metrics.rmse < 7'], Staging: ["tags.validated = 'true'"] });
    expect(parseGates(null, 'f: gates')).toEqual({});
    const bad = thrown(() => parseGates({ Production: ['metrics.rmse < 7', 'metrics.rmse < seven'] }, 'f: gates'));
    expect(bad.code).toBe('CONFIG_ERROR');
    expect(bad.message).toMatch(/^f: gates\.Production: gate rule "metrics\.rmse < seven" does not parse: /);
    expect(thrown(() => parseGates({ Prod: ['metrics.rmse < 7'] }, 'f: gates')).message).toBe("f: gates: 'Prod' is not a stage (one of None, Staging, Production, Archived)");
    expect(thrown(() => parseGates({ Production: [7] }, 'f: gates')).code).toBe('CONFIG_ERROR');
    expect(thrown(() => parseGates({ Production: ['metrics.a < 1 OR metrics.b < 1'] }, 'f: gates')).message).toMatch(/gate rule "metrics\.a < 1 OR metrics\.b < 1" does not parse/);
    expect(thrown(() => parseGates(['x'], 'f: gates')).code).toBe('CONFIG_ERROR');
  });

  it('are loaded with the config, and a broken rule stops a command with one line naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.mltrack.yml'), "gates:\n  Production:\n    - metrics.rmse < 7\n  staging: [\"params.lr = '0.1'\"]\n");
    expect(loadConfig({ cwd: dir, env: {} }).gates).toEqual({ Production: ['metrics.rmse < 7'], Staging: ["params.lr = '0.1'"] });
    expect(loadConfig({ cwd: tempDir(), env: {} }).gates).toEqual({});
    writeFileSync(join(dir, '.mltrack.yml'), 'gates:\n  Production: ["metrics.rmse <> 7 AND"]\n');
    const result = await runCli(['runs', 'list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mltrack: error CONFIG_ERROR: .*\.mltrack\.yml: gates\.Production: gate rule "metrics\.rmse <> 7 AND" does not parse: /);
  });
});

describe('evaluateGates', () => {
  const config = { gates: parseGates({ Production: ['metrics.rmse < 7', "tags.validated = 'true'", "params.lr = '0.1' AND metrics.auc >= 0.8", "datasets.context = 'training'", "version.tags.approved = 'yes'"] }, 'gates') };

  it('says, rule by rule, what passed and the value seen', () => {
    const results = evaluateGates(config, 'production', run({ rmse: 6.5, auc: 0.75 }, { lr: '0.1' }, { validated: 'true' }), version({ tags: { approved: 'yes' } }));
    expect(results).toEqual([
      { rule: 'metrics.rmse < 7', passed: true, reason: 'metrics.rmse = 6.5' },
      { rule: "tags.validated = 'true'", passed: true, reason: "tags.validated = 'true'" },
      { rule: "params.lr = '0.1' AND metrics.auc >= 0.8", passed: false, reason: 'metrics.auc = 0.75' },
      { rule: "datasets.context = 'training'", passed: true, reason: "datasets.context in ('training')" },
      { rule: "version.tags.approved = 'yes'", passed: true, reason: "version.tags.approved = 'yes'" },
    ]);
    expect(evaluateGates(config, 'Production', run({}), version()).map((r) => r.reason)).toEqual([
      'metrics.rmse is not logged',
      'tags.validated is not set',
      "params.lr is not set, metrics.auc is not logged",
      "datasets.context in ('training')",
      'version.tags.approved is not set',
    ]);
    expect(evaluateGates(config, 'Staging', run({ rmse: 99 }))).toEqual([]);
  });

  it('fails every run rule of a version without a run, with the reason', () => {
    const pathVersion = version({ runId: null, source: '/models/churn', tags: { approved: 'yes' } });
    const results = evaluateGates(config, 'Production', null, pathVersion);
    expect(results.map((r) => r.passed)).toEqual([false, false, false, false, true]);
    expect(results[0]!.reason).toBe("version 4 was not registered from a run (source '/models/churn')");
    const missing = evaluateGates(config, 'Production', null, version())[0]!;
    expect(missing.reason).toBe(`run ${'a'.repeat(32)} of version 4 is not in the tree`);
  });
});

describe('checkGates', () => {
  it('reports each failed rule of each version in a gated stage, and only those', async () => {
    const root = join(tempDir(), 'mlruns');
    const files = new FileStore(root);
    const registry = new RegistryStore(root);
    const good = await files.createRun({ experimentId: '0', userId: 'u' });
    await files.logMetric(good.info.runId, { key: 'rmse', value: 5, timestamp: 1, step: 0 });
    const bad = await files.createRun({ experimentId: '0', userId: 'u' });
    await files.logMetric(bad.info.runId, { key: 'rmse', value: 9, timestamp: 1, step: 0 });
    await registry.createRegisteredModel('m');
    await registry.createModelVersion('m', { source: `runs:/${good.info.runId}/model` });
    await registry.createModelVersion('m', { source: `runs:/${bad.info.runId}/model` });
    await registry.createModelVersion('m', { source: '/somewhere/else' });
    const tree = new FsTreeReader(root);
    const gates = { gates: parseGates({ Production: ['metrics.rmse < 7'] }, 'gates') };
    expect(await checkGates(tree, gates)).toEqual([]); // nothing is in Production yet
    await registry.transitionModelVersionStage('m', 1, 'Production');
    await registry.transitionModelVersionStage('m', 2, 'Production');
    await registry.transitionModelVersionStage('m', 3, 'Production');
    await registry.transitionModelVersionStage('m', 3, 'Archived');
    expect(await checkGates(tree, gates)).toEqual([
      { path: 'models/m/version-2/meta.yaml', rule: `model 'm' version 2 is in Production but fails the gate "metrics.rmse < 7" (gates.Production in .mltrack.yml): metrics.rmse = 9`, code: 'GATE_FAILED', severity: 'error' },
    ]);
    await registry.transitionModelVersionStage('m', 3, 'Production');
    expect((await checkGates(tree, gates)).map((p) => p.rule)[1]).toBe(
      `model 'm' version 3 is in Production but fails the gate "metrics.rmse < 7" (gates.Production in .mltrack.yml): version 3 was not registered from a run (source '/somewhere/else')`,
    );
    expect(await checkGates(tree, { gates: {} })).toEqual([]);
  });
});
