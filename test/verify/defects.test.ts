/**
 * Defects planted in copies of corpus trees are each reported with the file's path and the rule,
 * all of them in one pass (verify never stops at the first), through the API and the CLI.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadExpected } from '../fixtures/mlflowWritten.js';
import { bySeverity, cases, copyCase, problemAt, verifyDir } from './helpers.js';

function edit(root: string, rel: string, change: (text: string) => string): void {
  const file = join(root, rel);
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  expect(after, rel).not.toBe(before);
  writeFileSync(file, after);
}

function put(root: string, rel: string, content: string | Uint8Array): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), content);
}

describe.each(cases.filter((c) => c.name === 'basic'))('$id with one defect per file type', (c) => {
  const expected = loadExpected(c);
  const experiment = expected.experiments.find((e: any) => e.name === 'basic-exp');
  const runOf = (name: string) => `${experiment.experiment_id}/${experiment.runs.find((r: any) => r.info.run_name === name).info.run_id}`;
  const [a, b, failed] = [runOf('run-0'), runOf('run-1'), runOf('run-failed')];
  const otherId = 'f'.repeat(32);

  function plant(): string {
    const root = copyCase(c);
    edit(root, `${a}/meta.yaml`, (t) => t.replace(/^status: \d+$/m, 'status: FINISHED'));
    edit(root, `${b}/metrics/loss`, (t) => t.replace('\n', '\n\n'));
    put(root, `${failed}/metrics/.gitkeep`, '');
    edit(root, `${failed}/meta.yaml`, (t) => t.replace(/^run_id: .*$/m, `run_id: ${otherId}`));
    put(root, '.git/HEAD', 'ref: refs/heads/main\n');
    put(root, '.git/objects/info/packs', '');
    return root;
  }

  it('reports each one with its path and rule, and nothing else as an error', async () => {
    const { problems } = await verifyDir(plant());
    const errors = [
      problemAt(problems, `${a}/meta.yaml`, /^field 'status' must be an int 1\.\.5, found 'FINISHED' \(write 3 for FINISHED\): MLflow fails to read the run$/),
      problemAt(problems, `${b}/metrics/loss`, /^Metric 'loss' is malformed: line 2 has 1 fields, expected 2, 3 or 5$/),
      problemAt(problems, `${failed}/metrics/.gitkeep`, /^placeholder file under metrics\/: MLflow takes it for a metric named '\.gitkeep' and get_run fails/),
      problemAt(problems, `${failed}/meta.yaml`, new RegExp(`^run_id '${otherId}' differs from its directory name '${failed.split('/')[1]}'`)),
      problemAt(problems, '.git', /^'\.git' is not an experiment id, .*search_experiments fails with "Invalid experiment ID: '\.git'"/),
    ];
    expect(errors.map((p) => p.code)).toEqual(['MALFORMED_META', 'MALFORMED_METRIC', 'MALFORMED_METRIC', 'INVALID_STATE', 'INVALID_ID']);
    for (const p of errors) expect(p.severity).toBe('error');
    expect(bySeverity(problems, 'error')).toHaveLength(errors.length);
  });

  it('prints them as `path: rule`, exits 1 and ends with one VERIFY_FAILED line', async () => {
    const root = plant();
    const cwd = dirname(root);
    const result = await runCli(['--mlruns', root, 'verify'], { cwd });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(`mlruns/${a}/meta.yaml: field 'status' must be an int 1..5, found 'FINISHED' (write 3 for FINISHED): MLflow fails to read the run`);
    expect(lines).toContain(`mlruns/${b}/metrics/loss: Metric 'loss' is malformed: line 2 has 1 fields, expected 2, 3 or 5`);
    expect(lines.some((l) => l.startsWith(`mlruns/${failed}/metrics/.gitkeep: placeholder file under metrics/`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`mlruns/${failed}/meta.yaml: run_id '${otherId}' differs`))).toBe(true);
    expect(lines.some((l) => l.startsWith("mlruns/.git: '.git' is not an experiment id"))).toBe(true);
    // Warnings are listed too, marked, and do not count as problems.
    expect(lines.filter((l) => l.includes(': warning: missing directory: '))).toHaveLength(3);
    const stderr = result.stderr.trimEnd().split('\n');
    // 3 missing artifacts/ directories, and for 3.x one missing run_uuid per run.
    const warnings = 3 + (c.version.startsWith('v3') ? 3 : 0);
    expect(stderr[stderr.length - 1]).toBe(`mltrack: error VERIFY_FAILED: 5 problems in mlruns, and ${warnings} warnings`);

    const json = await runCli(['--mlruns', root, 'verify', '--json'], { cwd });
    expect(json.code).toBe(1);
    const list = JSON.parse(json.stdout) as { path: string; rule: string; code: string; severity: string }[];
    expect(list.filter((p) => p.severity === 'error').map((p) => [p.path, p.code]).sort()).toEqual([
      ['.git', 'INVALID_ID'],
      [`${a}/meta.yaml`, 'MALFORMED_META'],
      [`${b}/metrics/loss`, 'MALFORMED_METRIC'],
      [`${failed}/meta.yaml`, 'INVALID_STATE'],
      [`${failed}/metrics/.gitkeep`, 'MALFORMED_METRIC'],
    ].sort());
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'VERIFY_FAILED', mlflow_code: 'INVALID_STATE' });
  });
});

describe.each(cases.filter((c) => c.name === 'registry'))('$id registry defects', (c) => {
  const expected = loadExpected(c);

  it('an alias file with a trailing newline', async () => {
    const root = copyCase(c);
    const champion = expected.registry.registered_models.find((m: any) => m.name === 'churn-model').aliases.champion;
    edit(root, 'models/churn-model/aliases/champion', (t) => `${t}\n`);
    const { problems } = await verifyDir(root);
    const p = problemAt(problems, 'models/churn-model/aliases/champion', /^alias file ends with a newline: MLflow compares the content verbatim, so 'champion' matches no version/);
    expect(p.rule).toContain(`"${champion}\\n" is not "${champion}"`);
    expect(p).toMatchObject({ code: 'MALFORMED_FILE', severity: 'error' });
    expect(bySeverity(problems, 'error')).toHaveLength(1);
  });

  it('version meta: a quoted version, a version that is not its directory, a lower-case stage; aliases naming no version', async () => {
    const root = copyCase(c);
    edit(root, 'models/churn-model/version-1/meta.yaml', (t) => t.replace(/^version: 1$/m, "version: '1'"));
    edit(root, 'models/churn-model/version-2/meta.yaml', (t) => t.replace(/^version: 2$/m, 'version: 7'));
    edit(root, 'models/churn-model/version-3/meta.yaml', (t) => t.replace(/^current_stage: Staging$/m, 'current_stage: staging'));
    edit(root, 'models/renamed-model/aliases/only', () => '9');
    put(root, 'models/renamed-model/aliases/gone', '4');
    edit(root, 'models/renamed-model/meta.yaml', (t) => t.replace(/^name: renamed-model$/m, 'name: other-name'));
    const { problems } = await verifyDir(root);
    problemAt(problems, 'models/churn-model/version-1/meta.yaml', /^field 'version' is the string '1', not an int/);
    problemAt(problems, 'models/churn-model/version-2/meta.yaml', /^version 7 differs from its directory 'version-2'/);
    problemAt(problems, 'models/churn-model/version-3/meta.yaml', /^current_stage 'staging' is not a canonical stage/);
    problemAt(problems, 'models/renamed-model/aliases/only', /^alias 'only' names version '9', which does not exist/);
    problemAt(problems, 'models/renamed-model/aliases/gone', /^alias 'gone' names version '4', which does not exist/);
    problemAt(problems, 'models/renamed-model/meta.yaml', /^name 'other-name' differs from its directory 'renamed-model'/);
    expect(bySeverity(problems, 'error')).toHaveLength(6);
  });

  it('an alias naming a soft-deleted version', async () => {
    const root = copyCase(c);
    edit(root, 'models/churn-model/aliases/challenger', () => '4');
    const { problems } = await verifyDir(root);
    problemAt(problems, 'models/churn-model/aliases/challenger', /^alias 'challenger' names version 4, which is deleted \(Deleted_Internal\)/);
  });
});

describe.each(cases.filter((c) => c.name === 'artifacts-datasets' || c.name === 'lifecycle'))('$id: more rules', (c) => {
  const expected = loadExpected(c);
  const activeExperiment = expected.experiments.find((e: any) => e.experiment_id !== '0' && e.lifecycle_stage === 'active' && e.runs.length > 0);
  const run = `${activeExperiment.experiment_id}/${activeExperiment.runs[0].info.run_id}`;

  it('experiment meta and run meta contradicting the tree, key files MLflow refuses, invalid UTF-8, leftovers', async () => {
    const root = copyCase(c);
    const exp = activeExperiment.experiment_id;
    edit(root, `${exp}/meta.yaml`, (t) => t.replace(/^lifecycle_stage: active$/m, 'lifecycle_stage: deleted'));
    edit(root, `${run}/meta.yaml`, (t) => t.replace(/^experiment_id: .*$/m, "experiment_id: '42'").replace(/^run_uuid: .*\n/m, '').replace(/^user_id: .*\n/m, ''));
    put(root, `${run}/tags/bad*name`, 'x');
    put(root, `${run}/params/.gitkeep`, '');
    put(root, `${run}/params/latin1`, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    put(root, `${run}/tags/mlflow.runName`, 'not-the-meta-name');
    put(root, `${run}/.mltrack-tmp-123-abc`, 'half written');
    put(root, 'README.md', 'notes');
    const { problems } = await verifyDir(root);
    problemAt(problems, `${exp}/meta.yaml`, /^lifecycle_stage is 'deleted' but the experiment is in the root/);
    problemAt(problems, `${run}/meta.yaml`, new RegExp(`^experiment_id '42' differs from its experiment directory '${exp}': MLflow skips the run`));
    problemAt(problems, `${run}/meta.yaml`, /^field 'user_id' is missing: MLflow fails to read the run/);
    if (!c.version.startsWith('v3')) problemAt(problems, `${run}/meta.yaml`, /^no 'run_uuid'/);
    problemAt(problems, `${run}/tags/bad*name`, /^file name is not a valid tag key/);
    expect(problemAt(problems, `${run}/params/.gitkeep`, /^placeholder file: it becomes a param named '\.gitkeep'/).severity).toBe('warning');
    expect(problemAt(problems, `${run}/params/latin1`, /^file is not valid UTF-8/).code).toBe('INVALID_UTF8');
    problemAt(problems, `${run}/tags/mlflow.runName`, /^tag mlflow\.runName 'not-the-meta-name' differs from meta\.yaml run_name/);
    expect(problemAt(problems, `${run}/.mltrack-tmp-123-abc`, /^leftover temporary file/)).toMatchObject({ severity: 'warning', fix: { kind: 'remove' } });
    expect(problemAt(problems, 'README.md', /^a file in the mlruns root/).severity).toBe('warning');
  });

});

describe.each(cases.filter((c) => c.name === 'artifacts-datasets'))('$id: dataset inputs', (c) => {
  const expected = loadExpected(c);
  const activeExperiment = expected.experiments.find((e: any) => e.experiment_id !== '0');

  it('a dataset input pointing at a missing dataset is a warning', async () => {
    const root = copyCase(c);
    const datasets = join(root, activeExperiment.experiment_id, 'datasets');
    const gone = readdirSync(datasets)[0]!;
    rmSync(join(datasets, gone), { recursive: true });
    const { problems } = await verifyDir(root);
    const found = problems.filter((p) => /^dataset input points at a missing dataset/.test(p.rule));
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) {
      expect(p.severity).toBe('warning');
      expect(p.rule).toContain(`datasets/${gone}/meta.yaml`);
      expect(p.path).toMatch(/\/inputs\/[0-9a-f]{32}\/meta\.yaml$/);
    }
    expect(bySeverity(problems, 'error')).toEqual([]);
  });

});

describe.each(cases.filter((c) => c.name === 'lifecycle'))('$id: deleted experiments', (c) => {
  const expected = loadExpected(c);

  it('an active experiment in .trash is an error', async () => {
    const root = copyCase(c);
    const deleted = expected.experiments.find((e: any) => e.lifecycle_stage === 'deleted');
    edit(root, `.trash/${deleted.experiment_id}/meta.yaml`, (t) => t.replace(/^lifecycle_stage: deleted$/m, 'lifecycle_stage: active'));
    const { problems } = await verifyDir(root);
    problemAt(problems, `.trash/${deleted.experiment_id}/meta.yaml`, /^lifecycle_stage is 'active' but the experiment is in \.trash\//);
  });
});
