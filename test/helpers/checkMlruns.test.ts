/** The test suite's own mlruns checker must pass what MLflow wrote and catch what MLflow cannot read. */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTree, listCases, restoreEmptyDirs } from '../fixtures/mlflowWritten.js';
import { checkMlruns } from './checkMlruns.js';
import { tempDir } from './env.js';

const basic = listCases().find((c) => c.id === 'v2.17.2/basic')!;

function basicCopy(): { root: string; experiment: string; run: string } {
  const root = copyTree(basic.mlruns, join(tempDir(), 'mlruns'));
  restoreEmptyDirs(root, { experimentModelsDir: false });
  const experiment = readdirSync(root).find((n) => /^\d{6,}$/.test(n))!;
  const run = readdirSync(join(root, experiment)).find((n) => /^[0-9a-f]{32}$/.test(n))!;
  return { root, experiment: join(root, experiment), run: join(root, experiment, run) };
}

describe('checkMlruns', () => {
  it('passes every tree MLflow 2.17.2 wrote, and fails 3.x trees only for run_uuid', () => {
    for (const c of listCases()) {
      const root = copyTree(c.mlruns, join(tempDir(), 'mlruns'));
      restoreEmptyDirs(root, { experimentModelsDir: c.version.startsWith('v3') });
      const { ok, problems, output } = checkMlruns(root);
      if (c.version === 'v2.17.2') expect(ok, `${c.id}\n${output}`).toBe(true);
      else expect(problems.every((p) => p.includes('run_uuid')), `${c.id}\n${output}`).toBe(true);
    }
  });

  it('fails a tree git cloned without its empty folders', () => {
    const root = copyTree(basic.mlruns, join(tempDir(), 'mlruns'));
    expect(checkMlruns(root).output).toMatch(/missing (metrics|params|artifacts)\//);
  });

  const defects: Array<[string, (t: ReturnType<typeof basicCopy>) => void, RegExp]> = [
    ['an experiment id typed as an int', (t) => rewrite(join(t.experiment, 'meta.yaml'), /experiment_id: '(\d+)'/, 'experiment_id: $1'), /experiment_id .* is not the string/],
    ['a run name PyYAML reads as a bool', (t) => rewrite(join(t.run, 'meta.yaml'), /run_name: .*/, 'run_name: yes'), /run_name reads back as boolean/],
    ['a status outside 1..5', (t) => rewrite(join(t.run, 'meta.yaml'), /status: \d/, 'status: 9'), /status 9 is not an int 1\.\.5/],
    ['a quoted start time', (t) => rewrite(join(t.run, 'meta.yaml'), /start_time: (\d+)/, "start_time: '$1'"), /start_time .* is not an int/],
    ['an empty meta.yaml', (t) => writeFileSync(join(t.run, 'meta.yaml'), ''), /not a mapping/],
    ['YAML that does not parse', (t) => writeFileSync(join(t.run, 'meta.yaml'), 'a: [\n'), /unreadable yaml/],
    ['a metric line with four fields', (t) => appendFileSync(firstMetric(t.run), '1 2 3 4\n'), /4 fields/],
    ['a metric value that is not a float', (t) => appendFileSync(firstMetric(t.run), '1 abc 3\n'), /value 'abc' is not a float/],
    ['a blank metric line', (t) => appendFileSync(firstMetric(t.run), '\n'), /1 fields/],
    ['a key MLflow refuses', (t) => writeFileSync(join(t.run, 'params', 'bad*key'), 'x'), /invalid param key 'bad\*key'/],
    ['a run name tag that disagrees', (t) => writeFileSync(join(t.run, 'tags', 'mlflow.runName'), 'other'), /differs from meta.yaml run_name/],
    ['a run folder named for another run', (t) => rewrite(join(t.run, 'meta.yaml'), /run_id: (\w+)/, 'run_id: x$1'), /run_id\/run_uuid/],
    ['a stray folder named like no experiment', (t) => mkdirSync(join(t.root, '.ipynb_checkpoints')), /not a valid experiment id/],
  ];
  for (const [what, damage, message] of defects) {
    it(`catches ${what}`, () => {
      const tree = basicCopy();
      expect(checkMlruns(tree.root).ok).toBe(true);
      damage(tree);
      const result = checkMlruns(tree.root);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(message);
    });
  }

  it('accepts what PyYAML reads as strings though other YAML readers would not', () => {
    const tree = basicCopy();
    rewrite(join(tree.run, 'meta.yaml'), /run_name: .*/, 'run_name: 1e3');
    writeFileSync(join(tree.run, 'tags', 'mlflow.runName'), '1e3');
    expect(checkMlruns(tree.root).output).toMatch(/^0 problems/m);
  });
});

function rewrite(path: string, pattern: RegExp, replacement: string): void {
  const before = readFileSync(path, 'utf8');
  const after = before.replace(pattern, replacement);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

function firstMetric(run: string): string {
  return join(run, 'metrics', readdirSync(join(run, 'metrics'))[0]!);
}
