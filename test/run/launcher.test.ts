/**
 * `mltrack run -- COMMAND`: the child logs into the parent's run, exit status and signals decide
 * how the run ends, output is always saved, and an interrupted job leaves no process behind.
 * Real processes throughout (the compiled bin: `node scripts/build.mjs` first).
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { pathToFileUri } from '../../src/format/fileUri.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { alive, runIds, runLog, startCli, waitUntil } from './helpers.js';

function sandbox() {
  const cwd = tempDir();
  const env = isolatedEnv(tempDir());
  const mlruns = join(cwd, 'mlruns');
  return { cwd, env, mlruns, store: () => new FileStore(mlruns) };
}

const tagsOf = (run: { data: { tags: Record<string, string> } }) => run.data.tags;

function expectValidTree(mlruns: string) {
  expect(checkMlruns(mlruns).output).toMatch(/^0 problems/m);
}

describe('mltrack run: the child and the run', () => {
  it('gives the child the run through MLFLOW_* and MLTRACK_RUN_ID, and what it logs lands in the same run', async () => {
    const { cwd, env, mlruns, store } = sandbox();
    const script = [
      `import os, json`,
      `keys = ["MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLTRACK_RUN_ID", "PYTHONUNBUFFERED"]`,
      `print("ENV " + json.dumps({k: os.environ.get(k) for k in keys}))`,
    ].join('\n');
    writeFileSync(join(cwd, 'env.py'), script);
    // Our CLI inside the child: MLTRACK_RUN_ID for one command, MLFLOW_RUN_ID alone for another.
    const child = [
      'python3 env.py',
      `node ${BIN} log-metric loss 0.5 --step 1`,
      `node ${BIN} log-metric loss 0.25 --step 2`,
      `env -u MLTRACK_RUN_ID node ${BIN} set-tag via mlflow-run-id`,
      `node ${BIN} log-param inner yes`,
      'echo to-stderr >&2',
    ].join(' && ');
    const result = spawnCli(['run', '-e', 'wrapped', '-n', 'outer', '-P', 'lr=0.1', '--tag', 'team=ml', '--', 'sh', '-c', child], { cwd, env });
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);

    const experiment = await store().getExperimentByName('wrapped');
    expect(experiment).not.toBeNull();
    const [runId] = runIds(mlruns, experiment!.experimentId);
    const seen = JSON.parse(/^ENV (.*)$/m.exec(result.stdout)![1]!);
    expect(seen).toEqual({
      // An ephemeral mltrack server over the tree, as long as the child lives (--tracking file: the file: URI).
      MLFLOW_TRACKING_URI: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      MLFLOW_RUN_ID: runId,
      MLFLOW_EXPERIMENT_ID: experiment!.experimentId,
      MLTRACK_RUN_ID: runId,
      PYTHONUNBUFFERED: '1',
    });

    const run = await store().getRun(runId!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.runName).toBe('outer');
    expect(run.info.endTime).toBeGreaterThanOrEqual(run.info.startTime);
    expect(run.data.params).toEqual({ lr: '0.1', inner: 'yes' });
    expect(run.data.metrics.loss?.value).toBe(0.25);
    expect((await store().getMetricHistory(runId!, 'loss')).map((m) => [m.step, m.value])).toEqual([[1, 0.5], [2, 0.25]]);
    expect(tagsOf(run)).toMatchObject({
      team: 'ml',
      via: 'mlflow-run-id',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.name': 'sh', // the program only (MLflow records sys.argv[0]), never the arguments
      'mltrack.exit_code': '0',
    });
    expect(runLog(mlruns, runId!, 'stdout', experiment!.experimentId)).toMatch(/^ENV \{/);
    expect(runLog(mlruns, runId!, 'stderr', experiment!.experimentId)).toBe('to-stderr\n');
    // Output is echoed live; mltrack's own lines go to stderr.
    expect(result.stderr).toContain('to-stderr');
    expect(result.stderr).toMatch(new RegExp(`mltrack: run ${runId} FINISHED \\(exit 0\\)`));
    expectValidTree(mlruns);
  });

  it('records lineage when run inside a git repository', async () => {
    const { cwd, env, store } = sandbox();
    git(cwd, env, 'init', '-q');
    writeFileSync(join(cwd, '.gitignore'), 'mlruns/\n');
    writeFileSync(join(cwd, 'train.sh'), 'echo training\n');
    git(cwd, env, 'add', '.');
    git(cwd, env, 'commit', '-qm', 'code');
    const head = git(cwd, env, 'rev-parse', 'HEAD');
    const result = spawnCli(['--json', 'run', '--', 'sh', 'train.sh'], { cwd, env });
    expect(result.code).toBe(0);
    const { run_id } = JSON.parse(result.stdout);
    expect(tagsOf(await store().getRun(run_id))).toMatchObject({ 'mlflow.source.git.commit': head, 'mlflow.source.git.dirty': 'false', 'mlflow.source.name': 'train.sh' });
  });

  it('a failing child ends FAILED, mltrack exits with its code, and --json reports it on a clean stdout', async () => {
    const { cwd, env, mlruns, store } = sandbox();
    const result = spawnCli(['--json', 'run', '--', 'sh', '-c', 'echo partial; echo oops >&2; exit 3'], { cwd, env });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual({ run_id: expect.stringMatching(/^[0-9a-f]{32}$/), experiment_id: '0', status: 'FAILED', exit_code: 3, signal: null, commit: null });
    // With --json the child's stdout is echoed on stderr.
    expect(result.stderr).toContain('partial');
    const run = await store().getRun(report.run_id);
    expect(run.info.status).toBe('FAILED');
    expect(tagsOf(run)['mltrack.exit_code']).toBe('3');
    expect(runLog(mlruns, report.run_id, 'stdout')).toBe('partial\n');
    expect(runLog(mlruns, report.run_id, 'stderr')).toBe('oops\n');
    expectValidTree(mlruns);
  });

  it('a child that crashes (SIGSEGV) ends FAILED and one killed with SIGKILL ends KILLED, both with 128+n and their output saved', async () => {
    const { cwd, env, mlruns, store } = sandbox();
    const segv = spawnCli(['--json', 'run', '--', 'sh', '-c', 'echo before crash; kill -SEGV $$'], { cwd, env });
    expect(segv.code).toBe(139);
    const crashed = JSON.parse(segv.stdout);
    expect(crashed).toMatchObject({ status: 'FAILED', exit_code: 139, signal: 'SIGSEGV' });
    expect(runLog(mlruns, crashed.run_id, 'stdout')).toBe('before crash\n');
    expect(tagsOf(await store().getRun(crashed.run_id))).toMatchObject({ 'mltrack.exit_code': '139', 'mltrack.signal': 'SIGSEGV' });

    const nine = spawnCli(['--json', 'run', '--', 'sh', '-c', 'echo before kill; echo err-before-kill >&2; kill -9 $$'], { cwd, env });
    expect(nine.code).toBe(137);
    const killed = JSON.parse(nine.stdout);
    expect(killed).toMatchObject({ status: 'KILLED', exit_code: 137, signal: 'SIGKILL' });
    expect((await store().getRun(killed.run_id)).info.status).toBe('KILLED');
    expect(runLog(mlruns, killed.run_id, 'stdout')).toBe('before kill\n');
    expect(runLog(mlruns, killed.run_id, 'stderr')).toBe('err-before-kill\n');
    expectValidTree(mlruns);
  });

  it('a command that cannot start: run FAILED, one error line with a stable code, exit 127 (not found) or 126 (not executable)', async () => {
    const { cwd, env, mlruns, store } = sandbox();
    const missing = spawnCli(['run', '--', 'no-such-command-xyz', '--flag'], { cwd, env });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/^mltrack: error COMMAND_NOT_FOUND: Cannot run 'no-such-command-xyz': not found on PATH$/m);
    const [runId] = runIds(mlruns);
    const run = await store().getRun(runId!);
    expect(run.info.status).toBe('FAILED');
    expect(tagsOf(run)['mltrack.exit_code']).toBe('127');
    expect(runLog(mlruns, runId!, 'stderr')).toMatch(/COMMAND_NOT_FOUND/);

    writeFileSync(join(cwd, 'not-exec.sh'), 'echo hi\n');
    chmodSync(join(cwd, 'not-exec.sh'), 0o644);
    const denied = spawnCli(['--json', 'run', '--', './not-exec.sh'], { cwd, env });
    expect(denied.code).toBe(126);
    expect(JSON.parse(denied.stderr.trim().split('\n').pop()!).error.code).toBe('COMMAND_NOT_EXECUTABLE');
    expect(JSON.parse(denied.stdout)).toMatchObject({ status: 'FAILED', exit_code: 126 });
    expectValidTree(mlruns);
  });

  it('refuses a command that is not after --, and creates no run', () => {
    const { cwd, env, mlruns } = sandbox();
    const result = spawnCli(['run', 'echo', 'hi'], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mltrack: error INVALID_ARGUMENT: Put the command after '--'.*mltrack run \[options\] -- echo hi\n$/);
    expect(runIds(mlruns)).toEqual([]);
  });

  it('mltrack run inside mltrack run makes a nested run (mlflow.parentRunId)', async () => {
    const { cwd, env, store } = sandbox();
    const result = spawnCli(['--json', 'run', '-n', 'outer', '--', 'node', BIN, '--json', 'run', '-n', 'inner', '--', 'true'], { cwd, env });
    expect(result.code).toBe(0);
    const outer = JSON.parse(result.stdout).run_id;
    const inner = JSON.parse(/\{[^{}]*"run_id"[^{}]*\}/.exec(result.stderr)![0]).run_id;
    expect(inner).not.toBe(outer);
    expect(tagsOf(await store().getRun(inner))['mlflow.parentRunId']).toBe(outer);
    expect(tagsOf(await store().getRun(outer))['mlflow.parentRunId']).toBeUndefined();
  });

  it('does not hang on a background process that keeps the output pipe open', async () => {
    const { cwd, env, store } = sandbox();
    const started = Date.now();
    const result = spawnCli(['--json', 'run', '--', 'sh', '-c', 'sleep 30 & echo $! > bg.pid; echo done'], { cwd, env });
    const pid = Number(readFileSync(join(cwd, 'bg.pid'), 'utf8'));
    try {
      expect(result.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await store().getRun(JSON.parse(result.stdout).run_id)).info.status).toBe('FINISHED');
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('commits the run to the tracking branch at the end when auto_commit is on', async () => {
    const { cwd, env } = sandbox();
    git(cwd, env, 'init', '-q');
    writeFileSync(join(cwd, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: true\n');
    writeFileSync(join(cwd, '.gitignore'), 'mlruns/\n');
    git(cwd, env, 'add', '.');
    git(cwd, env, 'commit', '-qm', 'init');
    const result = spawnCli(['--json', 'run', '--', 'sh', '-c', 'echo hello'], { cwd, env });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(cwd, env, 'rev-parse', 'refs/heads/mltrack')).toBe(report.commit);
    const files = git(cwd, env, 'ls-tree', '-r', '--name-only', 'mltrack');
    expect(files).toContain(`${report.run_id}/artifacts/logs/stdout.txt`);
  });
});

describe('mltrack run: interrupts', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to mltrack is passed to the child's process group: run KILLED, output saved, no grandchild left behind`, async () => {
      const { cwd, env, mlruns, store } = sandbox();
      // Background jobs of a non-interactive sh ignore SIGINT: mltrack must still clean them up.
      const job = 'sleep 100 & echo $! > pids; sleep 100 & echo $! >> pids; echo ready; echo err-line >&2; wait';
      const cli = startCli(['--json', 'run', '--', 'sh', '-c', job], { cwd, env });
      await cli.waitFor('ready');
      await waitUntil(() => existsSync(join(cwd, 'pids')) && readFileSync(join(cwd, 'pids'), 'utf8').trim().split('\n').length === 2);
      const pids = readFileSync(join(cwd, 'pids'), 'utf8').trim().split('\n').map(Number);
      expect(pids.every(alive)).toBe(true);

      process.kill(cli.pid, signal);
      const { code } = await cli.done;
      const expected = signal === 'SIGTERM' ? 143 : 130;
      expect(code).toBe(expected);
      const report = JSON.parse(cli.stdout());
      expect(report).toMatchObject({ status: 'KILLED', exit_code: expected });
      expect(await waitUntil(() => !pids.some(alive), 3000)).toBe(true);

      const run = await store().getRun(report.run_id);
      expect(run.info.status).toBe('KILLED');
      expect(run.info.endTime).not.toBeNull();
      expect(runLog(mlruns, report.run_id, 'stdout')).toBe('ready\n');
      expect(runLog(mlruns, report.run_id, 'stderr')).toBe('err-line\n');
      expect(cli.stderr()).toContain(`${signal} passed to the command`);
      expectValidTree(mlruns);
    });
  }

  it('a child that ignores the first signal is killed by the second, with its whole group', async () => {
    const { cwd, env, store } = sandbox();
    const job = `trap '' TERM INT; sleep 100 & echo $! > pids; echo ready; while :; do sleep 0.1; done`;
    const cli = startCli(['--json', 'run', '--', 'sh', '-c', job], { cwd, env });
    await cli.waitFor('ready');
    await waitUntil(() => existsSync(join(cwd, 'pids')) && readFileSync(join(cwd, 'pids'), 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(join(cwd, 'pids'), 'utf8'));
    process.kill(cli.pid, 'SIGTERM');
    await cli.waitFor('passed to the command');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    process.kill(cli.pid, 'SIGTERM');
    const { code } = await cli.done;
    expect(code).toBe(137);
    const report = JSON.parse(cli.stdout());
    expect(report).toMatchObject({ status: 'KILLED', signal: 'SIGKILL' });
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
    expect((await store().getRun(report.run_id)).info.status).toBe('KILLED');
  });
});
