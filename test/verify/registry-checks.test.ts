import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

/** A repository with a run that fails the Production gate, registered and committed with its tags. */
function project() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  git(dir, env, 'init', '-q');
  git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  writeFileSync(join(dir, '.mltrack.yml'), "mlruns: mlruns\ngates:\n  Production:\n    - metrics.rmse < 7\n");
  const runId = spawnCli(['start-run', '-n', 'train'], { cwd: dir, env }).stdout.trim();
  spawnCli(['log-metric', 'rmse', '9.5', '--run-id', runId], { cwd: dir, env });
  spawnCli(['end-run', '--run-id', runId], { cwd: dir, env });
  expect(spawnCli(['models', 'register', runId, 'churn'], { cwd: dir, env }).code).toBe(0);
  expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
  return { dir, env };
}

describe('mltrack verify and the registry', () => {
  it('fails when a version sits in a stage whose gate it does not pass, naming model, version and rule', () => {
    const { dir, env } = project();
    expect(spawnCli(['verify'], { cwd: dir, env }).code).toBe(0);
    // A hand edit of the stage, as a careless pull request would make.
    const meta = join(dir, 'mlruns', 'models', 'churn', 'version-1', 'meta.yaml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('current_stage: None', 'current_stage: Production'));
    const result = spawnCli(['verify', '--json'], { cwd: dir, env });
    expect(result.code).toBe(1);
    const problems = JSON.parse(result.stdout) as { path: string; rule: string; code: string }[];
    const gate = problems.find((p) => p.code === 'GATE_FAILED');
    expect(gate?.rule).toMatch(/churn/);
    expect(gate?.rule).toMatch(/version 1|v1/);
    expect(gate?.rule).toContain('metrics.rmse < 7');
    expect(JSON.parse(result.stderr).error.code).toBe('VERIFY_FAILED');
  });

  it('fails when the registry tags disagree with the files on the tracking branch', () => {
    const { dir, env } = project();
    const registration = git(dir, env, 'tag', '--list', 'mltrack/churn@v1');
    expect(registration).toBe('mltrack/churn@v1');
    git(dir, env, 'tag', '-d', registration);
    const result = spawnCli(['verify', '--json'], { cwd: dir, env });
    expect(result.code).toBe(1);
    const problems = JSON.parse(result.stdout) as { rule: string; code: string }[];
    const tags = problems.filter((p) => p.code === 'TAGS_DISAGREE');
    expect(tags).toHaveLength(1);
    expect(tags[0]!.rule).toMatch(/churn/);
    expect(tags[0]!.rule).toMatch(/version 1|v1/);
    // tags sync puts it back, and verify is clean again.
    expect(spawnCli(['tags', 'sync'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['verify'], { cwd: dir, env }).code).toBe(0);
  });
});
