import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { runCli } from '../helpers/cli.js';
import { git } from '../helpers/env.js';
import { codeRepo, inProcessGitEnv } from '../helpers/remotes.js';

const useGitEnv = inProcessGitEnv();

function repo() {
  const env = useGitEnv();
  return { dir: codeRepo(env), env };
}

describe('models transition --propose', () => {
  it('handles odd model names: a legal branch, a review that escapes everything, the local tree untouched', async () => {
    const { dir, env } = repo();
    const store = new FileStore(join(dir, 'mlruns'));
    const run = await store.createRun({ experimentId: '0', userId: 'u', startTime: 1000 });
    await store.logBatch(run.info.runId, { metrics: [{ key: 'val loss', value: 1.5, timestamp: 1, step: 0 }], params: [{ key: 'cmd', value: 'x | `y` <script>' }] });
    await store.setTerminated(run.info.runId, 'FINISHED', 3000);
    const name = 'fraud model #2 @eu | `β`';
    expect((await runCli(['models', 'register', run.info.runId, name], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['commit'], { cwd: dir, env })).code).toBe(0);
    const metaBefore = readFileSync(join(dir, 'mlruns', 'models', name, 'version-1', 'meta.yaml'), 'utf8');

    const result = await runCli(['models', 'transition', name, '1', 'staging', '--propose', '--no-push'], { cwd: dir, env });
    expect(result.stderr).toBe('');
    const branch = 'mltrack-propose/fraud%20model%20%232%20%40eu%20%7C%20%60%CE%B2%60-v1-staging';
    expect(result.stdout).toContain(`on branch ${branch}`);
    expect(result.stdout).toContain('not pushed');
    expect(result.stdout).toContain(`gh pr create --base mltrack --head ${branch} --title 'Move ${name} v1 to Staging'`);
    expect(git(dir, env, 'show', `${branch}:mlruns/models/${name}/version-1/meta.yaml`)).toContain('current_stage: Staging');
    expect(readFileSync(join(dir, 'mlruns', 'models', name, 'version-1', 'meta.yaml'), 'utf8')).toBe(metaBefore);

    // The same branch again is refused; an unknown version names the tracking branch.
    expect((await runCli(['models', 'transition', name, '1', 'Staging', '--propose', '--no-push'], { cwd: dir, env })).stderr).toMatch(/ALREADY_EXISTS: Branch '.*' already exists/);
    expect((await runCli(['models', 'transition', name, '7', 'Staging', '--propose', 'p7', '--no-push'], { cwd: dir, env })).stderr).toMatch(/NOT_FOUND: Model Version \(name=.*, version=7\) not found on the tracking branch 'mltrack'/);
    expect((await runCli(['models', 'transition', name, '1', 'Staging', '--propose', 'bad..name', '--no-push'], { cwd: dir, env })).stderr).toMatch(/INVALID_ARGUMENT: 'bad\.\.name' is not a valid git branch name/);
    expect((await runCli(['models', 'transition', 'nope', '1', 'Staging', '--propose', '--no-push'], { cwd: dir, env })).stderr).toMatch(/NOT_FOUND: Registered Model with name=nope not found on the tracking branch/);
    // Without a remote, pushing fails with what to do, after the branch was made.
    const noRemote = await runCli(['models', 'transition', name, '1', 'Production', '--propose', 'to-prod'], { cwd: dir, env });
    expect(noRemote.stderr).toMatch(/PUSH_REJECTED: Made branch 'to-prod' .* but git push origin failed: .*push it yourself: git push origin to-prod/);

    const review = await runCli(['review', `mltrack..${branch}`], { cwd: dir, env });
    expect(review.code).toBe(0);
    const md = review.stdout;
    expect(md).toContain('| `` fraud model #2 @eu \\| `β` `` | v1 | stage None → **Staging** |');
    expect(md).toContain('| params.cmd | ``x \\| `y` <script>`` |');
    expect(md).toContain('| metrics.val loss | 1.5 |');
    expect(md).toContain('No version of');
    expect(md).toContain('No gates for Staging (declare them under `gates:` in .mltrack.yml).');
    const single = await runCli(['review', branch, '--json'], { cwd: dir, env });
    expect(JSON.parse(single.stdout).base.rev).toBe('mltrack');
    expect(JSON.parse((await runCli(['review', 'mltrack..mltrack', '--json'], { cwd: dir, env })).stdout).changes).toEqual([]);
    expect((await runCli(['review', 'mltrack..mltrack'], { cwd: dir, env })).stdout).toContain('no registry changes');
  });
});
