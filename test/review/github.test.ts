import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { codeownersPattern } from '../../src/registry/github.js';
import { RegistryStore } from '../../src/store/RegistryStore.js';
import { runCli } from '../helpers/cli.js';
import { git } from '../helpers/env.js';
import { codeRepo, inProcessGitEnv } from '../helpers/remotes.js';

const useGitEnv = inProcessGitEnv();

function repo() {
  const env = useGitEnv();
  return { dir: codeRepo(env), env };
}

describe('mltrack init --github', () => {
  it('writes the review and publish workflows and a CODEOWNERS example for the tracking branch', async () => {
    const { dir, env } = repo();
    writeFileSync(join(dir, '.mltrack.yml'), 'branch: models-log\n');
    const registry = new RegistryStore(join(dir, 'mlruns'));
    await registry.createRegisteredModel('churn model');
    await registry.createRegisteredModel('fraud');
    const result = await runCli(['init', '--github'], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote .github/workflows/mltrack-review.yml');
    expect(result.stdout).toContain("put these on 'models-log' with mltrack init --github --commit");
    expect(result.stdout).not.toContain('Next:'); // the first-run hints are not printed again

    const review = readFileSync(join(dir, '.github/workflows/mltrack-review.yml'), 'utf8');
    const reviewYaml = parse(review);
    expect(reviewYaml.on.pull_request.branches).toEqual(['models-log']);
    expect(reviewYaml.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const reviewSteps = reviewYaml.jobs.review.steps;
    expect(reviewSteps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(reviewSteps.map((s: { run?: string }) => s.run ?? '').join('\n')).toMatch(/npx --yes mltrack@\d+\.\d+\.\d+ review "origin\/\$\{\{ github\.base_ref \}\}\.\.HEAD"/);
    expect(reviewSteps.map((s: { run?: string }) => s.run ?? '').join('\n')).toContain('gh pr comment "$PR"');
    expect(reviewYaml.jobs.verify.name).toBe('mltrack verify');
    expect(reviewYaml.jobs.verify.steps.at(-1).run).toMatch(/npx --yes mltrack@\S+ verify/);

    const publish = parse(readFileSync(join(dir, '.github/workflows/mltrack-publish.yml'), 'utf8'));
    expect(publish.on.push.branches).toEqual(['models-log']);
    const runs = [...publish.jobs.tags.steps, ...publish.jobs.site.steps].map((s: { run?: string; uses?: string }) => s.run ?? s.uses).join('\n');
    expect(runs).toContain('tags sync');
    expect(runs).toContain("git push origin 'refs/tags/mltrack/*:refs/tags/mltrack/*'");
    expect(runs).toMatch(/site build --rev HEAD --out site/);
    expect(runs).toContain('actions/upload-pages-artifact@v3');
    expect(runs).toContain('actions/deploy-pages@v4');
    expect(publish.jobs.site.needs).toBe('tags');

    const owners = readFileSync(join(dir, '.github/CODEOWNERS.example'), 'utf8');
    expect(owners).toContain('/mlruns/models/churn\\ model/ @your-org/churn-model-owners');
    expect(owners).toContain('/mlruns/models/fraud/');
    expect(owners).toContain('/.mltrack.yml');
    expect(codeownersPattern('a#b*[c]')).toBe('/mlruns/models/a\\#b\\*\\[c\\]/');

    // Existing files are kept unless --force.
    writeFileSync(join(dir, '.github/workflows/mltrack-review.yml'), 'mine\n');
    expect((await runCli(['init', '--github'], { cwd: dir, env })).stdout).toContain('kept existing .github/workflows/mltrack-review.yml');
    expect(readFileSync(join(dir, '.github/workflows/mltrack-review.yml'), 'utf8')).toBe('mine\n');
    expect((await runCli(['init', '--commit'], { cwd: dir, env })).stderr).toMatch(/INVALID_ARGUMENT: --commit goes with --github/);
  });

  it('--commit puts them, with the gates, on the tracking branch root; tracking commits keep them', async () => {
    const { dir, env } = repo();
    writeFileSync(join(dir, '.mltrack.yml'), "mlruns: data/runs\ngates:\n  production: ['metrics.rmse < 7']\n");
    const head = git(dir, env, 'rev-parse', 'HEAD');
    const first = JSON.parse((await runCli(['init', '--github', '--commit', '--json'], { cwd: dir, env })).stdout);
    expect(first.github.committed).toMatch(/^[0-9a-f]{40}$/);
    expect(git(dir, env, 'rev-list', '--count', 'mltrack')).toBe('1'); // an orphan branch
    expect(git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack').split('\n').sort()).toEqual(['.github/CODEOWNERS.example', '.github/workflows/mltrack-publish.yml', '.github/workflows/mltrack-review.yml', '.mltrack.yml']);
    const onBranch = parse(git(dir, env, 'show', 'mltrack:.mltrack.yml'));
    expect(onBranch).toEqual({ mlruns: 'mlruns', branch: 'mltrack', gates: { Production: ['metrics.rmse < 7'] } });
    // Nothing new: no commit.
    expect(JSON.parse((await runCli(['init', '--github', '--commit', '--json'], { cwd: dir, env })).stdout).github.committed).toBeNull();
    // A tracking commit adds mlruns/ next to them.
    await runCli(['start-run', '-n', 'x'], { cwd: dir, env });
    expect((await runCli(['commit'], { cwd: dir, env })).code).toBe(0);
    const names = git(dir, env, 'ls-tree', '--name-only', 'mltrack').split('\n');
    expect(names).toEqual(expect.arrayContaining(['.github', '.mltrack.yml', 'mlruns']));
    expect(git(dir, env, 'rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(join(dir, '.github/workflows/mltrack-review.yml'))).toBe(true);
  });
});
