import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

describe('short run ids', () => {
  it('a unique prefix names a run everywhere; an ambiguous one is AMBIGUOUS_ID with the candidates', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    git(cwd, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    const id = spawnCli(['start-run', '-n', 'short'], { cwd, env }).stdout.trim();
    const short = id.slice(0, 8);
    expect(spawnCli(['log-metric', 'loss', '0.5', '--run-id', short], { cwd, env }).code).toBe(0);
    expect(spawnCli(['end-run', '--run-id', short], { cwd, env }).code).toBe(0);
    const shown = spawnCli(['runs', 'show', short, '--json'], { cwd, env });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).run.info).toMatchObject({ run_id: id, status: 'FINISHED' });
    expect(spawnCli(['runs', 'history', short, 'loss'], { cwd, env }).stdout).toContain('0.5');
    expect(spawnCli(['commit'], { cwd, env }).code).toBe(0);
    expect(JSON.parse(spawnCli(['runs', 'show', short, '--rev', 'mltrack', '--json'], { cwd, env }).stdout).run.info.run_id).toBe(id);
    expect(JSON.parse(spawnCli(['log', '--run', short, '--json'], { cwd, env }).stdout).commits).toHaveLength(1);

    // Too short to be taken as a prefix: not found, as git refuses abbreviations under 4.
    expect(spawnCli(['runs', 'show', id.slice(0, 3)], { cwd, env }).stderr).toMatch(/^mltrack: error NOT_FOUND/);

    // A second run sharing the first 8 characters.
    const twin = short + (id[8] === 'f' ? 'e' : 'f').repeat(24);
    cpSync(join(cwd, 'mlruns', '0', id), join(cwd, 'mlruns', '0', twin), { recursive: true });
    const meta = join(cwd, 'mlruns', '0', twin, 'meta.yaml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replaceAll(id, twin));
    const ambiguous = spawnCli(['runs', 'show', short], { cwd, env });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr.trim()).toBe(`mltrack: error AMBIGUOUS_ID: Run id prefix '${short}' is ambiguous: ${[id, twin].sort().join(', ')}`);
    const asJson = JSON.parse(spawnCli(['set-tag', 'k', 'v', '--run-id', short, '--json'], { cwd, env }).stderr);
    expect(asJson.error).toMatchObject({ code: 'AMBIGUOUS_ID', mlflow_code: 'INVALID_PARAMETER_VALUE', data: { candidates: [id, twin].sort() } });
    // A longer prefix is unique again, for writes too.
    expect(spawnCli(['runs', 'delete', id.slice(0, 10)], { cwd, env }).code).toBe(0);
    expect(JSON.parse(spawnCli(['runs', 'show', id, '--json'], { cwd, env }).stdout).run.info.lifecycle_stage).toBe('deleted');
    expect(checkMlruns(join(cwd, 'mlruns')).output).toMatch(/^0 problems/m);
  });
});
