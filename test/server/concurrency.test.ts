/**
 * 8 concurrent clients, each sending log-batch calls to its own run and, now and then, to one run
 * they share: every point is present, the tree passes `mltrack verify`, and the tracking branch has
 * every run (auto-commit of runs ended through the server). MLTRACK_SERVER_STRESS_N sets the calls
 * per client (default 5000, as the issue asks; about 75 s on 2 loaded cores; a smaller N for a quick local run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

const CLIENTS = 8;
const CALLS = Number(process.env.MLTRACK_SERVER_STRESS_N ?? 5000);
const SHARED_EVERY = 50;

describe(`${CLIENTS} clients x ${CALLS} log-batch calls`, () => {
  it('loses no point, leaves a verified tree, commits every run', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    git(dir, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    writeFileSync(join(dir, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: true\n');
    const server = await startServerProcess([], { cwd: dir, env });
    const exp = (await call(server.url, 'POST', '/experiments/create', { name: 'stress' })).body.experiment_id;
    const shared = (await call(server.url, 'POST', '/runs/create', { experiment_id: exp, run_name: 'shared' })).body.run.info.run_id as string;

    const started = Date.now();
    const runIds = await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      const runId = (await call(server.url, 'POST', '/runs/create', { experiment_id: exp, run_name: `client-${c}` })).body.run.info.run_id as string;
      for (let i = 0; i < CALLS; i++) {
        const reply = await call(server.url, 'POST', '/runs/log-batch', {
          run_id: runId,
          metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i }, { key: 'client', value: c, timestamp: 1000 + i, step: i }],
          params: i === 0 ? [{ key: 'client', value: String(c) }] : [],
        });
        if (reply.status !== 200) throw new Error(`client ${c} call ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
        if (i % SHARED_EVERY === 0) {
          // Same param from every client: the per-run queue keeps MLflow's "param unchanged" check sound.
          const s = await call(server.url, 'POST', '/runs/log-batch', {
            run_id: shared,
            metrics: [{ key: `c${c}`, value: i, timestamp: i, step: i }],
            params: [{ key: 'shared', value: 'yes' }],
          });
          if (s.status !== 200) throw new Error(`shared ${c} ${i}: ${s.status} ${JSON.stringify(s.body)}`);
        }
      }
      expect((await call(server.url, 'POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() })).status).toBe(200);
      return runId;
    }));
    expect((await call(server.url, 'POST', '/runs/update', { run_id: shared, status: 'FINISHED', end_time: Date.now() })).status).toBe(200);
    const seconds = (Date.now() - started) / 1000;
    console.info(`${CLIENTS} x ${CALLS} log-batch calls in ${seconds.toFixed(1)} s (${Math.round((CLIENTS * CALLS) / seconds)} calls/s)`);
    await server.stop();

    for (const [c, runId] of runIds.entries()) {
      const lines = readFileSync(join(dir, 'mlruns', exp, runId, 'metrics', 'loss'), 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(CALLS);
      expect(new Set(lines.map((l) => l.split(' ')[2]))).toEqual(new Set(Array.from({ length: CALLS }, (_, i) => String(i))));
      expect(readFileSync(join(dir, 'mlruns', exp, runId, 'metrics', 'client'), 'utf8').trimEnd().split('\n')).toHaveLength(CALLS);
      expect(readFileSync(join(dir, 'mlruns', exp, runId, 'params', 'client'), 'utf8')).toBe(String(c));
      const sharedLines = readFileSync(join(dir, 'mlruns', exp, shared, 'metrics', `c${c}`), 'utf8').trimEnd().split('\n');
      expect(sharedLines).toHaveLength(Math.ceil(CALLS / SHARED_EVERY));
    }
    const verify = spawnCli(['verify', '--json'], { cwd: dir, env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const onBranch = git(dir, env, 'ls-tree', '-d', '--name-only', `mltrack:mlruns/${exp}`).split('\n');
    expect(onBranch).toEqual(expect.arrayContaining([...runIds, shared]));
    // The branch holds the finished runs, not a snapshot from mid-flight.
    for (const runId of runIds) {
      const loss = git(dir, env, 'cat-file', '-p', `mltrack:mlruns/${exp}/${runId}/metrics/loss`).split('\n');
      expect(loss).toHaveLength(CALLS);
      expect(git(dir, env, 'cat-file', '-p', `mltrack:mlruns/${exp}/${runId}/meta.yaml`)).toMatch(/status: 3/);
    }
  }, 600_000);
});
