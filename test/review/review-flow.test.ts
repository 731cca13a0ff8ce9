/**
 * The pull-request flow of the model registry, end to end, with a bare remote (file:// URL) and two
 * clones: A registers and pushes, B proposes a promotion on a branch, the review Markdown is checked
 * against a snapshot, the proposal is merged in a third clone (as GitHub would), A pulls and the
 * tags follow; then a hand-edited stage that breaks a gate and tags that disagree with the files are
 * each reported with the model, the version and the rule.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitTreeReader } from '../../src/git/GitTreeReader.js';
import { ObjectReader } from '../../src/git/objectStore.js';
import { findRepo, resolveRef } from '../../src/git/repo.js';
import { checkGates } from '../../src/registry/gates.js';
import { checkTagsAgree } from '../../src/registry/tagState.js';
import { FileStore } from '../../src/store/FileStore.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import { runCli } from '../helpers/cli.js';
import { git } from '../helpers/env.js';
import { inProcessGitEnv, teamRemote } from '../helpers/remotes.js';
import { snapshotFiles } from '../helpers/snapshot.js';

const GATES = `gates:
  Production:
    - metrics.rmse < 7
    - tags.validated = 'true'
`;
const T0 = 1_767_000_000_000;

const useGitEnv = inProcessGitEnv();

/** The team's remote, cloned through its file:// URL; git run in-process sees the same isolated env. */
function team() {
  return teamRemote({ env: useGitEnv(), cloneFromUrl: true });
}

async function cli(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = await runCli(args, { cwd, env });
  if (result.code !== 0) throw new Error(`mltrack ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

/** A finished run with fixed times, a metric, params, tags, a dataset input and a small model. */
async function trainingRun(dir: string, env: NodeJS.ProcessEnv, name: string, opts: { rmse: number; lr: string; validated?: boolean; seconds: number; modelBytes: number; digest: string }): Promise<string> {
  const store = new FileStore(join(dir, 'mlruns'));
  const start = T0 + Math.round(opts.rmse * 1000);
  const run = await store.createRun({ experimentId: '0', userId: 'alice', startTime: start, runName: name });
  const id = run.info.runId;
  await store.logBatch(id, {
    metrics: [{ key: 'rmse', value: opts.rmse, timestamp: start + 1000, step: 0 }],
    params: [
      { key: 'lr', value: opts.lr },
      { key: 'trees', value: '200' },
    ],
    tags: [
      { key: 'mlflow.source.git.commit', value: git(dir, env, 'rev-parse', 'HEAD') },
      ...(opts.validated ? [{ key: 'validated', value: 'true' }] : []),
    ],
  });
  await store.logInputs(id, [{ dataset: { name: 'churn-data', digest: opts.digest, sourceType: 'local', source: '{"uri": "data/churn.csv"}', schema: null, profile: null }, tags: { 'mlflow.data.context': 'training' } }]);
  await store.logText(id, 'model/MLmodel', 'flavors: {}\n');
  await store.logText(id, 'model/model.bin', Buffer.alloc(opts.modelBytes - 'flavors: {}\n'.length, 7));
  await store.setTerminated(id, 'FINISHED', start + opts.seconds * 1000);
  return id;
}

/** Markdown with run ids, commit ids and tag timestamps replaced by stable placeholders. */
function normalise(markdown: string, names: Record<string, string>): string {
  let out = markdown;
  for (const [value, name] of Object.entries(names)) out = out.split(value).join(name);
  const seen = new Map<string, string>();
  return out.replace(/\b[0-9a-f]{12,40}\b/g, (id) => {
    if (!seen.has(id)) seen.set(id, `<commit-${seen.size + 1}>`);
    return seen.get(id)!;
  });
}

function treeOf(repoDir: string, rev: string) {
  const repo = findRepo(repoDir);
  return async () => {
    const objects = new ObjectReader(repo.gitdir);
    const commit = (await resolveRef(repo, rev))!;
    const mlruns = await objects.entry((await objects.commit(commit)).tree, 'mlruns');
    return new GitTreeReader(objects, mlruns!.oid, rev);
  };
}

describe('review flow: propose, review, merge, tags, verify', () => {
  it('goes from a proposal branch to a merged, tagged, gate-passing promotion, and reports what breaks it', async () => {
    const { env, remote, clone } = team();
    const a = clone('alice');
    const b = clone('bob');

    // --- A: gates, GitHub workflows on the tracking branch, two runs, v1 in Production, push.
    writeFileSync(join(a, '.mltrack.yml'), `mlruns: mlruns\nbranch: mltrack\n${GATES}`);
    const init = JSON.parse((await cli(a, env, 'init', '--github', '--commit', '--json')).stdout);
    expect(init.github.written).toEqual(['.github/workflows/mltrack-review.yml', '.github/workflows/mltrack-publish.yml', '.github/CODEOWNERS.example']);
    expect(init.github.committed).toMatch(/^[0-9a-f]{40}$/);
    const run1 = await trainingRun(a, env, 'gbm-1', { rmse: 6.9, lr: '0.1', validated: true, seconds: 65, modelBytes: 3000, digest: 'd41d8cd9' });
    const run2 = await trainingRun(a, env, 'gbm-2', { rmse: 6.4, lr: '0.05', validated: true, seconds: 92, modelBytes: 4200, digest: '9e107d9d' });
    const run3 = await trainingRun(a, env, 'gbm-3', { rmse: 8.1, lr: '0.3', seconds: 40, modelBytes: 2500, digest: '9e107d9d' });
    await cli(a, env, 'models', 'register', run1, 'churn');
    await cli(a, env, 'models', 'register', run2, 'churn');
    await cli(a, env, 'models', 'transition', 'churn', '1', 'Production', '--reason', 'first model');
    await cli(a, env, 'push');
    const onBranch = git(a, env, 'ls-tree', '-r', '--name-only', 'mltrack').split('\n');
    expect(onBranch).toEqual(expect.arrayContaining(['.github/workflows/mltrack-review.yml', '.github/workflows/mltrack-publish.yml', '.github/CODEOWNERS.example', '.mltrack.yml', 'mlruns/models/churn/version-2/meta.yaml']));
    expect(git(a, env, 'show', 'mltrack:.mltrack.yml')).toContain('metrics.rmse < 7');

    // --- B: pull, then propose v2 for Production; nothing B has checked out changes.
    await cli(b, env, 'pull');
    const before = {
      head: git(b, env, 'rev-parse', 'HEAD'),
      branch: git(b, env, 'symbolic-ref', 'HEAD'),
      index: createHash('sha1').update(readFileSync(join(b, '.git', 'index'))).digest('hex'),
      status: git(b, env, 'status', '--porcelain', '--untracked-files=all'),
      files: snapshotFiles(b, { skip: (rel) => rel === '.git' }),
      tracking: git(b, env, 'rev-parse', 'mltrack'),
    };
    const proposed = JSON.parse((await cli(b, env, 'models', 'transition', 'churn', '2', 'Production', '--archive-existing', '--reason', 'lower rmse on the holdout set', '--propose', '--json')).stdout);
    expect(proposed).toMatchObject({ branch: 'mltrack-propose/churn-v2-production', pushed: true, remote: 'origin', base: before.tracking });
    expect(proposed.changes).toEqual([
      { version: '2', from: 'None', to: 'Production' },
      { version: '1', from: 'Production', to: 'Archived' },
    ]);
    expect(proposed.pr_command).toBe(`gh pr create --base mltrack --head mltrack-propose/churn-v2-production --title 'Move churn v2 to Production' --body "$(mltrack review origin/mltrack..mltrack-propose/churn-v2-production)"`);
    expect(git(b, env, 'rev-parse', 'HEAD')).toBe(before.head);
    expect(git(b, env, 'symbolic-ref', 'HEAD')).toBe(before.branch);
    expect(createHash('sha1').update(readFileSync(join(b, '.git', 'index'))).digest('hex')).toBe(before.index);
    expect(git(b, env, 'status', '--porcelain', '--untracked-files=all')).toBe(before.status);
    expect(snapshotFiles(b, { skip: (rel) => rel === '.git' })).toEqual(before.files);
    expect(git(b, env, 'rev-parse', 'mltrack')).toBe(before.tracking);
    expect(git(b, env, 'rev-parse', 'mltrack-propose/churn-v2-production^')).toBe(before.tracking);
    expect(git(b, env, '--git-dir', remote, 'rev-parse', 'refs/heads/mltrack-propose/churn-v2-production')).toBe(proposed.commit);
    // Only the model's files changed, and no tags were made for an unmerged change.
    expect(git(b, env, 'diff', '--name-only', 'mltrack', 'mltrack-propose/churn-v2-production').split('\n').sort()).toEqual([
      'mlruns/models/churn/meta.yaml',
      'mlruns/models/churn/version-1/meta.yaml',
      'mlruns/models/churn/version-2/meta.yaml',
      'mlruns/models/churn/version-2/tags/mltrack.reason',
    ]);
    expect(git(b, env, 'tag', '--list', 'mltrack/churn#production#v2*')).toBe('');

    // --- The review comment.
    const review = await cli(b, env, 'review', 'origin/mltrack..mltrack-propose/churn-v2-production');
    expect(review.stderr).toBe('');
    await expect(normalise(review.stdout, { [run1]: '<run-1>', [run2]: '<run-2>' })).toMatchFileSnapshot('__snapshots__/review-promotion.md');
    const data = JSON.parse((await cli(b, env, 'review', 'origin/mltrack..mltrack-propose/churn-v2-production', '--json')).stdout);
    expect(data.gates).toEqual({ source: 'origin/mltrack:.mltrack.yml', config_changed: false, evaluated: 2, failed: 0, passed: true });
    expect(data.promotions[0]).toMatchObject({ model: 'churn', version: '2', from: 'None', to: 'Production', reason: 'lower rmse on the holdout set' });
    expect(data.promotions[0].candidate).toMatchObject({ run_id: run2, duration_ms: 92_000, model_size_bytes: 4200, metrics: { rmse: 6.4 }, params: { lr: '0.05', trees: '200' } });
    expect(data.promotions[0].replaces).toMatchObject({ version: '1', run_id: run1, duration_ms: 65_000, model_size_bytes: 3000 });
    expect(data.promotions[0].comparison.find((r: { label: string }) => r.label === 'rmse')).toEqual({ section: 'metric', label: 'rmse', candidate: '6.4', current: '6.9', differs: true, delta: -0.5 });
    expect(data.promotions[0].comparison.find((r: { label: string }) => r.label === 'trees')).toMatchObject({ differs: false });

    // --- The pull request is merged on the server (a merge commit, as GitHub makes), in a third clone.
    const c = clone('merger');
    git(c, env, 'checkout', '-q', '-b', 'mltrack', 'origin/mltrack');
    git(c, env, 'merge', '-q', '--no-ff', '-m', 'Merge pull request #1 from mltrack-propose/churn-v2-production', 'origin/mltrack-propose/churn-v2-production');
    git(c, env, 'push', '-q', 'origin', 'mltrack');

    // --- A pulls: the merged stage change gets its tags; verify-style checks find nothing.
    const pulled = JSON.parse((await cli(a, env, 'pull', '--json')).stdout);
    expect(pulled.kind).toBe('fast-forward');
    const tags = git(a, env, 'tag', '--list', 'mltrack/*').split('\n');
    expect(tags.filter((t) => /^mltrack\/churn#production#v2#\d+$/.test(t))).toHaveLength(1);
    expect(tags.filter((t) => /^mltrack\/churn#archived#v1#\d+$/.test(t))).toHaveLength(1);
    expect(JSON.parse((await cli(a, env, 'tags', 'sync', '--json')).stdout).created).toEqual([]);
    expect(readFileSync(join(a, 'mlruns', 'models', 'churn', 'version-2', 'meta.yaml'), 'utf8')).toContain('current_stage: Production');
    const repoA = findRepo(a);
    const gates = { gates: { Production: ['metrics.rmse < 7', "tags.validated = 'true'"] } };
    expect(await checkGates(await treeOf(a, 'mltrack')(), gates)).toEqual([]);
    expect(await checkGates(new FsTreeReader(join(a, 'mlruns')), gates)).toEqual([]);
    expect(await checkTagsAgree(repoA, 'mltrack')).toEqual([]);

    // --- A proposal that fails its gates still reviews (exit 0) and says so.
    await cli(a, env, 'models', 'register', run3, 'churn');
    await cli(a, env, 'commit');
    const failing = await runCli(['models', 'transition', 'churn', '3', 'Production', '--propose', 'try-v3', '--no-push', '--json'], { cwd: a, env });
    expect(failing.code).toBe(0);
    expect(JSON.parse(failing.stdout)).toMatchObject({ branch: 'try-v3', pushed: false });
    const failedReview = await runCli(['review', 'mltrack..try-v3'], { cwd: a, env });
    expect(failedReview.code).toBe(0);
    expect(failedReview.stderr).toMatch(/2 gates failed/);
    expect(failedReview.stdout).toContain("| ❌ | `metrics.rmse < 7` | metrics.rmse = 8.1 |");
    expect(failedReview.stdout).toContain("| ❌ | `tags.validated = 'true'` | tags.validated is not set |");
    expect(failedReview.stdout).toContain('Replaces **v2**, in Production at `mltrack`.');
    expect(failedReview.stdout).toMatch(/❌ \*\*2 of 2 gates failed\.\*\*/);

    // --- A hand-edited stage that breaks a gate: verify names the model, the version and the rule.
    const meta3 = join(a, 'mlruns', 'models', 'churn', 'version-3', 'meta.yaml');
    writeFileSync(meta3, readFileSync(meta3, 'utf8').replace('current_stage: None', 'current_stage: Production'));
    await cli(a, env, 'commit');
    const gateProblems = await checkGates(await treeOf(a, 'mltrack')(), gates);
    expect(gateProblems).toEqual([
      {
        path: 'models/churn/version-3/meta.yaml',
        rule: `model 'churn' version 3 is in Production but fails the gate "metrics.rmse < 7" (gates.Production in .mltrack.yml): metrics.rmse = 8.1`,
        code: 'GATE_FAILED',
        severity: 'error',
      },
      {
        path: 'models/churn/version-3/meta.yaml',
        rule: `model 'churn' version 3 is in Production but fails the gate "tags.validated = 'true'" (gates.Production in .mltrack.yml): tags.validated is not set`,
        code: 'GATE_FAILED',
        severity: 'error',
      },
    ]);
    expect(await checkTagsAgree(repoA, 'mltrack')).toEqual([]); // the commit tagged the hand edit

    // --- Tags that disagree with the files.
    const v2Production = tags.find((t) => /^mltrack\/churn#production#v2#\d+$/.test(t))!;
    const later = Number(v2Production.split('#').pop()) + 1;
    git(a, env, 'tag', '-a', '-m', 'hand-made', `mltrack/churn#staging#v2#${later}`, 'mltrack');
    git(a, env, 'tag', '-a', '-m', 'hand-made', 'mltrack/churn@v9', 'mltrack');
    git(a, env, 'tag', '-d', 'mltrack/churn@v1');
    const tagProblems = await checkTagsAgree(repoA, 'mltrack');
    // Hand-made tags no commit of the branch holds are untrusted: warnings, left out of the state;
    // the deleted registration tag is a real disagreement.
    expect(tagProblems.map((p) => [p.path, p.code, p.severity])).toEqual([
      ['models/churn', 'UNTRUSTED_TAG', 'warning'],
      ['models/churn', 'UNTRUSTED_TAG', 'warning'],
      ['models/churn/version-1', 'TAGS_DISAGREE', 'error'],
    ]);
    expect(tagProblems.slice(0, 2).map((p) => p.rule).sort()).toEqual([
      `tag 'mltrack/churn#staging#v2#${later}' is untrusted and left out of the history: no commit of mltrack holds this event`,
      "tag 'mltrack/churn@v9' is untrusted and left out of the history: no commit of mltrack holds this event",
    ]);
    expect(tagProblems[2]!.rule).toBe("model 'churn' version 1 has no registration tag 'mltrack/churn@v1' (run mltrack tags sync)");
  });
});
