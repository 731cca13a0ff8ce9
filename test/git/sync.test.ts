import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { git } from '../helpers/env.js';
import { teamRemote } from '../helpers/remotes.js';
import { snapshotFiles } from '../helpers/snapshot.js';

/** A bare remote and two clones of it, each with the same code commit. */
function team() {
  const { env, remote, clone } = teamRemote();
  return { env, remote, a: clone('alice'), b: clone('bob') };
}

async function logRuns(dir: string, name: string, n: number): Promise<string[]> {
  const store = new FileStore(join(dir, 'mlruns'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const run = await store.createRun({ experimentId: '0', userId: name, runName: `${name}-${i}` });
    await store.logBatch(run.info.runId, { metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: 1000 + step, step })), params: [{ key: 'who', value: name }] });
    await store.setTerminated(run.info.runId);
    ids.push(run.info.runId);
  }
  return ids;
}

/** The mlruns tree with each clone's own root path taken out of meta.yaml URIs. */
function treeOf(dir: string): Map<string, string> {
  const files = snapshotFiles(join(dir, 'mlruns'));
  const root = encodeURI(join(dir, 'mlruns'));
  const out = new Map<string, string>();
  for (const [path, value] of files) {
    out.set(path, path.endsWith('meta.yaml') ? Buffer.from(value.split(':')[0]!, 'base64').toString('utf8').split(root).join('<root>') : value);
  }
  return out;
}

function runIds(dir: string): string[] {
  return [...treeOf(dir).keys()].filter((p) => /^0\/[0-9a-f]{32}\/meta\.yaml$/.test(p)).map((p) => p.split('/')[1]!).sort();
}

describe('push and pull between two clones', () => {
  it('runs logged on both sides end up in both clones, in either order', async () => {
    const { env, a, b } = team();
    const [fromA, fromB] = await Promise.all([logRuns(a, 'alice', 3), logRuns(b, 'bob', 4)]);
    const headA = git(a, env, 'rev-parse', 'HEAD');
    const statusA = git(a, env, 'status', '--porcelain', '--untracked-files=no');

    expect(spawnCli(['push'], { cwd: a, env }).code).toBe(0);
    // Bob's push is rejected (the remote moved): it pulls, merges and pushes again.
    const pushB = spawnCli(['push', '--json'], { cwd: b, env });
    expect(pushB.stderr).toBe('');
    const pushed = JSON.parse(pushB.stdout);
    expect(pushed.attempts).toBe(2);
    expect(pushed.merged[0].kind).toBe('merge');
    expect(pushed.merged[0].conflicts).toEqual([]);

    const pullA = JSON.parse(spawnCli(['pull', '--json'], { cwd: a, env }).stdout);
    expect(pullA.kind).toBe('fast-forward');
    const everyone = [...fromA, ...fromB].sort();
    expect(runIds(a)).toEqual(everyone);
    expect(runIds(b)).toEqual(everyone);
    expect(treeOf(a)).toEqual(treeOf(b));
    expect(git(a, env, 'rev-parse', 'mltrack')).toBe(git(b, env, 'rev-parse', 'mltrack'));
    for (const dir of [a, b]) expect(checkMlruns(join(dir, 'mlruns')).output).toMatch(/^0 problems/m);

    // The other order: Bob logs more and pulls before Alice pushes anything new.
    const more = await logRuns(b, 'bob', 1);
    expect(JSON.parse(spawnCli(['pull', '--json'], { cwd: b, env }).stdout).kind).toBe('up-to-date');
    expect(spawnCli(['push'], { cwd: b, env }).code).toBe(0);
    expect(spawnCli(['pull'], { cwd: a, env }).code).toBe(0);
    expect(runIds(a)).toEqual([...everyone, ...more].sort());
    expect(treeOf(a)).toEqual(treeOf(b));

    // The user's own branch and index were never touched.
    expect(git(a, env, 'rev-parse', 'HEAD')).toBe(headA);
    expect(git(a, env, 'status', '--porcelain', '--untracked-files=no')).toBe(statusA);
    // The artifacts of a pulled run resolve in this clone.
    const store = new FileStore(join(a, 'mlruns'));
    expect(await store.artifactDir(fromB[0]!)).toBe(join(a, 'mlruns', '0', fromB[0]!, 'artifacts'));
  });

  it('the same run changed on both sides follows the merge rules, and a real conflict is reported', async () => {
    const { env, a, b } = team();
    const storeA = new FileStore(join(a, 'mlruns'));
    const run = await storeA.createRun({ experimentId: '0', userId: 'alice', runName: 'shared' });
    const id = run.info.runId;
    await storeA.logMetric(id, { key: 'loss', value: 0.9, timestamp: 1, step: 0 });
    expect(spawnCli(['push'], { cwd: a, env }).code).toBe(0);
    expect(spawnCli(['pull'], { cwd: b, env }).code).toBe(0);
    const storeB = new FileStore(join(b, 'mlruns'));

    // Both log to the running run; Alice ends it; both set the same tag differently.
    await storeA.logMetric(id, { key: 'loss', value: 0.5, timestamp: 2, step: 1 });
    await storeB.logMetric(id, { key: 'loss', value: 0.6, timestamp: 3, step: 2 });
    await storeA.setTerminated(id, 'FINISHED', 5000);
    await storeA.setTag(id, 'note', 'from alice');
    await storeB.setTag(id, 'note', 'from bob');
    await storeB.setTag(id, 'reviewer', 'bob');

    expect(spawnCli(['push'], { cwd: a, env }).code).toBe(0);
    const pushB = spawnCli(['push', '--json'], { cwd: b, env });
    expect(pushB.code).toBe(0);
    const merged = JSON.parse(pushB.stdout).merged[0];
    expect(merged.conflicts).toEqual([{ path: `mlruns/0/${id}/tags/note`, reason: expect.stringContaining('kept ours'), ours: expect.any(String), theirs: expect.any(String) }]);
    expect(git(b, env, 'cat-file', '-p', merged.conflicts[0].theirs)).toBe('from alice');
    expect(spawnCli(['pull'], { cwd: a, env }).code).toBe(0);

    for (const dir of [a, b]) {
      const got = await new FileStore(join(dir, 'mlruns')).getRun(id);
      // Every metric line from both sides; the finished meta wins over the running one.
      expect(readFileSync(join(dir, 'mlruns', '0', id, 'metrics', 'loss'), 'utf8')).toBe('1 0.9 0\n2 0.5 1\n3 0.6 2\n');
      expect(got.info.status).toBe('FINISHED');
      expect(got.info.endTime).toBe(5000);
      expect(got.data.tags.reviewer).toBe('bob');
      expect(got.data.tags.note).toBe('from bob');
    }
    expect(treeOf(a)).toEqual(treeOf(b));
  });

  it('pull keeps runs that are still being written locally', async () => {
    const { env, a, b } = team();
    await logRuns(a, 'alice', 1);
    expect(spawnCli(['push'], { cwd: a, env }).code).toBe(0);
    const store = new FileStore(join(b, 'mlruns'));
    const live = await store.createRun({ experimentId: '0', userId: 'bob', runName: 'live' });
    await store.logMetric(live.info.runId, { key: 'acc', value: 0.1, timestamp: 1, step: 0 });
    const pulled = await runCli(['pull', '--json'], { cwd: b, env });
    expect(pulled.code).toBe(0);
    await store.logMetric(live.info.runId, { key: 'acc', value: 0.2, timestamp: 2, step: 1 });
    expect((await store.getMetricHistory(live.info.runId, 'acc')).map((m) => m.value)).toEqual([0.1, 0.2]);
    expect(runIds(b)).toHaveLength(2);
  });
});
