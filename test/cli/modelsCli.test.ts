import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

describe('models on the command line', () => {
  it('register checks the run and the artifact; alias confirms; versions pages with --page-token', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    const runId = spawnCli(['start-run', '-n', 'm'], { cwd, env }).stdout.trim();
    writeFileSync(join(cwd, 'model.pkl'), 'weights');
    expect(spawnCli(['log-artifact', 'model.pkl', '--artifact-path', 'model', '--run-id', runId], { cwd, env }).code).toBe(0);

    const noRun = spawnCli(['models', 'register', 'runs://art', 'churn'], { cwd, env });
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/^mltrack: error INVALID_ARGUMENT: Source 'runs:\/\/art' names no run/);
    const other = spawnCli(['start-run', '-n', 'no-model'], { cwd, env }).stdout.trim();
    const noArtifact = spawnCli(['models', 'register', `runs:/${other}/model`, 'churn'], { cwd, env });
    expect(noArtifact.code).toBe(1);
    expect(noArtifact.stderr).toMatch(new RegExp(`^mltrack: error NOT_FOUND: Run ${other} has no artifact 'model'`));
    expect(spawnCli(['models', 'list', '--json'], { cwd, env }).stdout).toContain('"registered_models": []');

    // A short run id is stored in full.
    for (let i = 0; i < 3; i++) {
      const reg = spawnCli(['models', 'register', `runs:/${runId.slice(0, 8)}/model`, 'churn', '--json'], { cwd, env });
      expect(reg.stderr).toBe('');
      expect(JSON.parse(reg.stdout)).toMatchObject({ version: String(i + 1), source: `runs:/${runId}/model`, run_id: runId });
    }
    const alias = spawnCli(['models', 'alias', 'churn', 'champion', '2'], { cwd, env });
    expect(alias.stdout.trim()).toBe('churn@champion → v2');
    expect(JSON.parse(spawnCli(['models', 'alias', 'churn', 'champion', '3', '--json'], { cwd, env }).stdout)).toEqual({ name: 'churn', alias: 'champion', version: '3' });
    expect(spawnCli(['models', 'unalias', 'churn', 'champion'], { cwd, env }).stdout.trim()).toBe('removed alias churn@champion');

    const first = JSON.parse(spawnCli(['models', 'versions', 'churn', '--max-results', '2', '--json'], { cwd, env }).stdout);
    expect(first.model_versions).toHaveLength(2);
    expect(first.next_page_token).toBeTruthy();
    const rest = JSON.parse(spawnCli(['models', 'versions', 'churn', '--max-results', '2', '--page-token', first.next_page_token, '--json'], { cwd, env }).stdout);
    expect(rest.model_versions).toHaveLength(1);
    expect(rest.next_page_token).toBeNull();
    expect([...first.model_versions, ...rest.model_versions].map((v: { version: string }) => v.version).sort()).toEqual(['1', '2', '3']);
    for (const bad of ['0', '-1', '1.5', '200001']) {
      const r = spawnCli(['models', 'versions', '--max-results', bad], { cwd, env });
      expect(r.code, bad).toBe(1);
      expect(r.stderr, bad).toMatch(/^mltrack: error INVALID_ARGUMENT: Invalid value for max_results/);
    }
    expect(spawnCli(['models', 'versions', 'no-such'], { cwd, env }).stderr).toMatch(/^mltrack: error NOT_FOUND/);
  });

  it('history of an unknown model is NOT_FOUND; a bare run id registers before its model folder exists', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    execFileSync('git', ['init', '-q'], { cwd, env });
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    const unknown = spawnCli(['models', 'history', 'nope'], { cwd, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mltrack: error NOT_FOUND: .*nope/);
    const runId = spawnCli(['start-run', '-n', 'later'], { cwd, env }).stdout.trim();
    expect(spawnCli(['models', 'register', runId, 'churn'], { cwd, env }).code).toBe(0);
    const history = spawnCli(['models', 'history', 'churn'], { cwd, env });
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/no registry history for 'churn' yet/);
  });
});
