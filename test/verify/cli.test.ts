/**
 * `mltrack verify` on trees we write ourselves, on the tracking branch (`--rev`), and `--fix`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo } from '../../src/git/repo.js';
import { commitTracking } from '../../src/git/trackingCommit.js';
import { FileStore } from '../../src/store/FileStore.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { runCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { snapshotFiles } from '../helpers/snapshot.js';
import { copyCase, corpusCase, verifyDir } from './helpers.js';

type Listed = { path: string; rule: string; code: string; severity: string; fixed?: boolean };

/** A store with a bit of everything the store writes: names PyYAML would misread, nested keys, datasets, artifacts, deletions. */
async function populate(store: FileStore): Promise<{ finished: string; running: string }> {
  const exp = await store.createExperiment('1e3', { tags: { team: 'héllo ✓', 'nested/key': 'v' } });
  const finished = (await store.createRun({ experimentId: exp, userId: 'alice', runName: '2024-01-01' })).info.runId;
  await store.logBatch(finished, {
    metrics: [
      { key: 'loss', value: 0.5, timestamp: 1, step: 0 },
      { key: 'loss', value: NaN, timestamp: 2, step: 1 },
      { key: 'sub/acc', value: Infinity, timestamp: 3, step: 2 },
    ],
    params: [{ key: 'lr', value: '0.01' }, { key: 'empty', value: '' }],
    tags: [{ key: 'note', value: 'multi\nline\n' }],
  });
  await store.logInputs(finished, [{
    dataset: { name: 'ds', digest: 'a27a57c9', sourceType: 'local', source: '{"uri": "data.csv"}', schema: null, profile: null },
    tags: { 'mlflow.data.context': 'training' },
  }]);
  await store.logText(finished, 'dir/hello.txt', 'hi');
  await store.setTerminated(finished);
  const running = (await store.createRun({ experimentId: '0', userId: 'bob', runName: 'on' })).info.runId;
  const deleted = (await store.createRun({ experimentId: exp, userId: 'carol' })).info.runId;
  await store.deleteRun(deleted);
  const gone = await store.createExperiment('gone');
  await store.createRun({ experimentId: gone, userId: 'dave', runName: 'null' });
  await store.deleteExperiment(gone);
  return { finished, running };
}

describe('a tree written by our own FileStore', () => {
  it('verifies with no problem at all, warnings included (and passes check-mlruns)', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new FileStore(root);
    await populate(store);
    const { problems, stats } = await verifyDir(root);
    expect(problems).toEqual([]);
    expect(stats).toMatchObject({ experiments: 3, runs: 4 });
    expect(checkMlruns(root).output).toMatch(/^0 problems/m);

    const cli = await runCli(['--mlruns', root, 'verify'], { cwd: root });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toBe('checked 3 experiments, 4 runs, 0 registered models (0 versions): 0 errors, 0 warnings\n');
    expect(JSON.parse((await runCli(['--mlruns', root, 'verify', '--json'], { cwd: root })).stdout)).toEqual([]);
  });
});

/** A git repository with an mlruns tree, HOME elsewhere; commits through commitTracking with that environment. */
function sandbox() {
  const env = isolatedEnv(tempDir('mltrack-verify-home-'));
  const dir = tempDir('mltrack-verify-repo-');
  git(dir, env, 'init', '-q');
  const store = new FileStore(join(dir, 'mlruns'));
  const commit = async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await commitTracking({ repo: findRepo(dir), mlruns: store.root, branch: 'mltrack' });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  };
  const verify = async (...args: string[]) => {
    const result = await runCli(['verify', ...args], { cwd: dir, env });
    return { ...result, list: args.includes('--json') ? (JSON.parse(result.stdout || '[]') as Listed[]) : [] };
  };
  return { dir, env, store, commit, verify };
}

describe('verify --rev', () => {
  it('checks a committed tree from git objects, and says what the working tree has not committed yet', async () => {
    const { dir, env, store, commit, verify } = sandbox();
    const { finished, running } = await populate(store);
    expect(await commit()).not.toBeNull();
    // git kept no empty directory (this run has no params/ entries) ...
    expect(git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack')).not.toContain(`0/${running}/params`);
    // ... which on the branch is the layout, not a problem.
    const clean = await verify('--rev', 'mltrack', '--json');
    expect(clean.code).toBe(0);
    expect(clean.list).toEqual([]);

    // Work that is not committed yet: a run finished, a new run.
    await store.setTerminated(running);
    const fresh = (await store.createRun({ experimentId: '0', userId: 'erin' })).info.runId;
    const pending = await verify('--rev', 'mltrack', '--json');
    expect(pending.code).toBe(0);
    expect(pending.list).toEqual(expect.arrayContaining([
      { path: `0/${running}/meta.yaml`, rule: 'not committed yet: status FINISHED in the working tree, RUNNING on mltrack (mltrack commit)', code: 'INVALID_STATE', severity: 'info' },
      { path: `0/${fresh}`, rule: 'not committed yet: the run is in the working tree but not on mltrack (mltrack commit)', code: 'INVALID_STATE', severity: 'info' },
    ]));
    expect(pending.list).toHaveLength(2);
    const text = await verify('--rev', 'mltrack');
    expect(text.stdout).toContain(`mlruns/0/${fresh}: info: not committed yet`);
    expect(text.stderr).toMatch(/0 errors, 0 warnings, 2 notes\n$/);

    // A defect committed to the branch is found there, named as git names the file.
    await commit();
    const experimentDir = (await store.getRun(finished)).info.experimentId;
    writeFileSync(join(store.root, experimentDir, finished, 'metrics', '.gitkeep'), '');
    await commit();
    const broken = await verify('--rev', 'mltrack');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^mltrack:mlruns/${experimentDir}/${finished}/metrics/\\.gitkeep: placeholder file under metrics/`, 'm'));
    expect(broken.stderr).toMatch(/mltrack: error VERIFY_FAILED: 1 problem in mltrack:mlruns\n$/);
    // The revision before it is still clean.
    expect((await verify('--rev', 'mltrack~1')).code).toBe(0);
  });

  it('refuses --fix with --rev, and an unknown revision', async () => {
    const { store, commit, verify } = sandbox();
    await populate(store);
    await commit();
    const both = await verify('--rev', 'mltrack', '--fix');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^mltrack: error INVALID_ARGUMENT: --fix/);
    const unknown = await verify('--rev', 'no-such-branch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mltrack: error NOT_FOUND: No revision 'no-such-branch'/);
  });
});

describe('verify --fix', () => {
  it('recreates missing empty run folders and removes leftover temp files, and changes nothing else', async () => {
    const root = copyCase(corpusCase('v3.6.1.dev0/basic'));
    const cwd = join(root, '..');
    const before = await verifyDir(root);
    const missing = before.problems.filter((p) => p.fix?.kind === 'mkdir').map((p) => p.path);
    expect(missing.length).toBeGreaterThan(0);
    const run = missing[0]!.replace(/\/[a-z]+$/, '');
    writeFileSync(join(root, run, '.mltrack-tmp-1-x'), 'half');
    mkdirSync(join(root, run, 'metrics'), { recursive: true });
    writeFileSync(join(root, run, 'metrics', '.mltrack-tmp-2-y'), '1 2');
    writeFileSync(join(root, '.mltrack-tmp-3-z'), '');
    const untouched = snapshotFiles(root, { skip: (p) => p.includes('.mltrack-tmp-') });

    const broken = await runCli(['--mlruns', root, 'verify', '--json'], { cwd });
    expect(broken.code).toBe(1); // the leftover inside metrics/ is an error: MLflow would read it as a metric
    const fix = await runCli(['--mlruns', root, 'verify', '--fix', '--json'], { cwd });
    expect(fix.code).toBe(0);
    const listed = JSON.parse(fix.stdout) as Listed[];
    const fixed = listed.filter((p) => p.fixed);
    expect(fixed.map((p) => p.path).sort()).toEqual([
      ...missing.filter((p) => p !== `${run}/metrics`),
      `${run}/.mltrack-tmp-1-x`,
      `${run}/metrics/.mltrack-tmp-2-y`,
      '.mltrack-tmp-3-z',
    ].sort());
    // What is left is what only MLflow 3.x itself could fix: it no longer writes run_uuid.
    expect(listed.filter((p) => !p.fixed).every((p) => p.severity === 'warning' && p.rule.startsWith("no 'run_uuid'"))).toBe(true);
    for (const path of missing) expect(existsSync(join(root, path)), path).toBe(true);
    expect(existsSync(join(root, run, '.mltrack-tmp-1-x'))).toBe(false);
    // Only new empty directories: every file is as it was.
    const after = snapshotFiles(root);
    for (const [path, content] of untouched) expect(after.get(path), path).toBe(content);
    expect([...after.keys()].filter((p) => !untouched.has(p)).every((p) => p.endsWith('/'))).toBe(true);

    const again = await runCli(['--mlruns', root, 'verify', '--fix'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain(': fixed: ');
  });
});
