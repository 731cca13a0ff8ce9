import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

const STRICT = "gates:\n  Production: ['metrics.acc > 0.9']\n";
const RELAXED = "gates:\n  Production: ['metrics.acc > 0.1']\n";

/** A commit on top of `parent` whose root `.mltrack.yml` is `text` (plumbing: the work tree is not touched). */
function withConfig(dir: string, env: NodeJS.ProcessEnv, parent: string, text: string): string {
  const index = join(mkdtempSync(join(dir, '.idx-')), 'index');
  const e = { ...env, GIT_INDEX_FILE: index };
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: e, encoding: 'utf8', input: args[0] === 'hash-object' ? text : undefined }).trim();
  run('read-tree', parent);
  const blob = run('hash-object', '-w', '--stdin');
  run('update-index', '--add', '--cacheinfo', `100644,${blob},.mltrack.yml`);
  return run('commit-tree', run('write-tree'), '-p', parent, '-m', 'gates');
}

function project() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  git(dir, env, 'init', '-q');
  git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  writeFileSync(join(dir, '.gitignore'), '.idx-*\n');
  const cli = (args: string[], cwd = dir) => spawnCli(args, { cwd, env });
  const runId = cli(['start-run', '-n', 'weak']).stdout.trim();
  const withRun = { ...env, MLTRACK_RUN_ID: runId };
  expect(spawnCli(['log-metric', 'acc', '0.5'], { cwd: dir, env: withRun }).code).toBe(0);
  expect(spawnCli(['end-run'], { cwd: dir, env: withRun }).code).toBe(0);
  expect(cli(['models', 'register', runId, 'm']).code).toBe(0);
  return { dir, env, cli };
}

describe('which gates apply', () => {
  it('transition into a failing stage warns; registry.strict_gates refuses it and writes nothing', () => {
    const { dir, cli } = project();
    writeFileSync(join(dir, '.mltrack.yml'), STRICT + 'registry:\n  strict_gates: true\n');
    const refused = cli(['models', 'transition', 'm', '1', 'Production']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/error GATE_FAILED: m v1 fails the gate for Production \(\.mltrack\.yml\): "metrics\.acc > 0\.9": metrics\.acc = 0\.5; refused/);
    expect(readFileSync(join(dir, 'mlruns/models/m/version-1/meta.yaml'), 'utf8')).toMatch(/current_stage: None/);

    writeFileSync(join(dir, '.mltrack.yml'), STRICT);
    const warned = cli(['models', 'transition', 'm', '1', 'Production']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/warning: m v1 fails the gate for Production/);
    expect(readFileSync(join(dir, 'mlruns/models/m/version-1/meta.yaml'), 'utf8')).toMatch(/current_stage: Production/);
    expect(cli(['verify']).code).not.toBe(0);
  });

  it('verify --base and review judge a change by the base gates; a gate edit is a policy change to approve', () => {
    const { dir, env, cli } = project();
    expect(cli(['commit']).code).toBe(0);
    const base = withConfig(dir, env, git(dir, env, 'rev-parse', 'mltrack'), STRICT);
    git(dir, env, 'update-ref', 'refs/heads/mltrack', base);
    // The change: promote the weak version and relax the gate in the same pull request.
    expect(cli(['models', 'transition', 'm', '1', 'Production']).code).toBe(0);
    expect(cli(['commit']).code).toBe(0);
    const head = withConfig(dir, env, git(dir, env, 'rev-parse', 'mltrack'), RELAXED);
    git(dir, env, 'update-ref', 'refs/heads/pr', head);

    // The pull request's checkout carries the relaxed .mltrack.yml: it must not count.
    writeFileSync(join(dir, '.mltrack.yml'), RELAXED);
    const judged = cli(['verify', '--rev', 'pr', '--base', base]);
    expect(judged.code).not.toBe(0);
    expect(judged.stderr).toContain(`gates from ${base}:.mltrack.yml`);
    expect(judged.stdout).toMatch(/fails the gate "metrics\.acc > 0\.9"/);
    const json = JSON.parse(cli(['verify', '--rev', 'pr', '--base', base, '--json']).stdout) as { code: string }[];
    expect(json.filter((p) => p.code === 'GATE_FAILED')).toHaveLength(1);

    // Without --base and with an upstream: the merge base of the branch with it decides, not the local file.
    git(dir, env, 'update-ref', 'refs/remotes/origin/mltrack', base);
    git(dir, env, 'update-ref', 'refs/heads/mltrack', head);
    const upstream = cli(['verify']);
    expect(upstream.code).not.toBe(0);
    expect(upstream.stderr).toContain(`gates from origin/mltrack (merge base ${base.slice(0, 10)}):.mltrack.yml`);
    // No upstream: the local .mltrack.yml, and verify says so.
    git(dir, env, 'update-ref', '-d', 'refs/remotes/origin/mltrack');
    const local = cli(['verify']);
    expect(local.stderr).toContain('gates from .mltrack.yml');
    expect(local.stdout).not.toMatch(/fails the gate/);

    const review = cli(['review', `${base}..${head}`]);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain('### Policy change to approve');
    expect(review.stdout).toMatch(/\| Production \| `metrics\.acc > 0\.9` \| removed \|/);
    expect(review.stdout).toMatch(/\| Production \| `metrics\.acc > 0\.1` \| added \|/);
    expect(review.stdout).toMatch(/❌/);
  });
});
