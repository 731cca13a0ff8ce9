/**
 * Fault injection for `mltrack pull` (spec/git-layout.md, "Pull"): real git, a bare remote and two
 * clones, real CLI processes that SIGKILL themselves at named points (MLTRACK_FAULT), and an entry
 * that cannot be written. After each fault the clone runs `commit` and `push`, the other clone
 * pulls, and both must hold every run and every metric line exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectReader } from '../../src/git/objectStore.js';
import { formatCommit, formatTree, writeObject, type TreeEntry } from '../../src/git/objects.js';
import { FileStore } from '../../src/store/FileStore.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv } from '../helpers/env.js';

const root = mkdtempSync(join(tmpdir(), 'mltrack-pullfaults-'));
/** Every case runs at the same path (meta.yaml files and remotes hold absolute paths). */
const caseDir = join(root, 'case');
const prepared = join(root, 'prepared');
const env = isolatedEnv(root);
const A = join(caseDir, 'alice');
const B = join(caseDir, 'bob');

afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(dir: string, args: string[], extra: Record<string, string> = {}) {
  return spawnCli(args, { cwd: dir, env: { ...env, ...extra } });
}

function ok(dir: string, args: string[]) {
  const r = cli(dir, args);
  expect(r.stderr, `${args.join(' ')} in ${dir}`).toBe('');
  expect(r.code).toBe(0);
  return r;
}

/** Every active run and, per metric file, its lines sorted: what "nothing lost" is checked against. */
function contents(dir: string): { runs: string[]; lines: Map<string, string[]> } {
  const mlruns = join(dir, 'mlruns');
  const runs: string[] = [];
  const lines = new Map<string, string[]>();
  for (const exp of readdirSync(mlruns)) {
    if (exp.startsWith('.') || exp === 'models' || !statSync(join(mlruns, exp)).isDirectory()) continue;
    for (const run of readdirSync(join(mlruns, exp))) {
      const meta = join(mlruns, exp, run, 'meta.yaml');
      if (!existsSync(meta)) continue;
      if (/lifecycle_stage: deleted/.test(readFileSync(meta, 'utf8'))) continue;
      runs.push(`${exp}/${run}`);
      const metrics = join(mlruns, exp, run, 'metrics');
      for (const key of existsSync(metrics) ? readdirSync(metrics) : []) {
        const text = readFileSync(join(metrics, key), 'utf8');
        expect(text.endsWith('\n'), `${run}/${key} ends with a newline`).toBe(true);
        lines.set(`${run}/${key}`, text.split('\n').filter(Boolean).sort());
      }
    }
  }
  return { runs: runs.sort(), lines };
}

let expected: { runs: string[]; lines: Map<string, string[]> };
let aliceNewRun = '';
let sharedRun = '';
let liveRun = '';

function lineCount(c: { lines: Map<string, string[]> }): number {
  return [...c.lines.values()].reduce((n, l) => n + l.length, 0);
}

async function logRuns(dir: string, who: string, n: number, t0: number): Promise<string[]> {
  const store = new FileStore(join(dir, 'mlruns'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const run = await store.createRun({ experimentId: '0', userId: who, runName: `${who}-${t0}-${i}` });
    await store.logBatch(run.info.runId, { metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step })), params: [{ key: 'who', value: who }] });
    await store.setTerminated(run.info.runId);
    ids.push(run.info.runId);
  }
  return ids;
}

beforeAll(async () => {
  mkdirSync(caseDir);
  const remote = join(caseDir, 'remote.git');
  git(caseDir, env, 'init', '-q', '--bare', remote);
  const seed = join(caseDir, 'seed');
  git(caseDir, env, 'init', '-q', seed);
  writeFileSync(join(seed, 'train.py'), 'print(1)\n');
  git(seed, env, 'add', '.');
  git(seed, env, 'commit', '-qm', 'code');
  git(seed, env, 'push', '-q', remote, 'HEAD:main');
  for (const dir of [A, B]) git(caseDir, env, 'clone', '-q', remote, dir);

  // Alice shares runs, a run both will log to (still running), and a run she will delete.
  await logRuns(A, 'alice', 3, 1000);
  const storeA = new FileStore(join(A, 'mlruns'));
  const shared = await storeA.createRun({ experimentId: '0', userId: 'alice', runName: 'shared' });
  sharedRun = shared.info.runId;
  for (let step = 0; step < 3; step++) await storeA.logMetric(sharedRun, { key: 'loss', value: step, timestamp: 2000 + step, step });
  const doomed = (await logRuns(A, 'alice', 1, 3000))[0]!;
  ok(A, ['push']);
  ok(B, ['pull']);

  // Alice: new runs, more lines on the shared run, a new metric, and a run deleted for good.
  aliceNewRun = (await logRuns(A, 'alice', 3, 4000))[0]!;
  for (let step = 3; step < 5; step++) await storeA.logMetric(sharedRun, { key: 'loss', value: step, timestamp: 2000 + step, step });
  await storeA.logMetric(sharedRun, { key: 'acc', value: 0.5, timestamp: 2100, step: 0 });
  await storeA.deleteRun(doomed);
  ok(A, ['commit']);
  ok(A, ['gc']);
  ok(A, ['push']);

  // Bob, not yet pulled: his own runs, and lines on the shared run.
  await logRuns(B, 'bob', 2, 5000);
  const storeB = new FileStore(join(B, 'mlruns'));
  for (let step = 5; step < 7; step++) await storeB.logMetric(sharedRun, { key: 'loss', value: step, timestamp: 2000 + step, step });
  liveRun = (await storeB.createRun({ experimentId: '0', userId: 'bob', runName: 'live' })).info.runId;
  await storeB.logMetric(liveRun, { key: 'loss', value: 1, timestamp: 6000, step: 0 });

  // What both clones must end with: the union of both sides, each line once, the deleted run gone.
  const [a, b] = [contents(A), contents(B)];
  const runs = [...new Set([...a.runs, ...b.runs])].filter((r) => !r.endsWith(doomed)).sort();
  const lines = new Map(a.lines);
  for (const [key, l] of b.lines) lines.set(key, [...new Set([...(lines.get(key) ?? []), ...l])].sort());
  for (const key of [...lines.keys()]) if (key.startsWith(doomed)) lines.delete(key);
  expected = { runs, lines };
  expect(runs).toHaveLength(3 + 1 + 3 + 2 + 1);
  expect(expected.lines.get(`${sharedRun}/loss`)).toHaveLength(7);
  cpSync(caseDir, prepared, { recursive: true });
}, 300_000);

function freshCase(): void {
  rmSync(caseDir, { recursive: true, force: true });
  cpSync(prepared, caseDir, { recursive: true });
}

/** commit and push in Bob's clone, pull in Alice's; then both hold everything, exactly once. */
function finishAndCheck(): void {
  ok(B, ['commit']);
  ok(B, ['push']);
  ok(A, ['pull']);
  for (const dir of [A, B]) {
    const got = contents(dir);
    expect(got.runs, dir).toEqual(expected.runs);
    expect(got.lines, dir).toEqual(expected.lines);
    expect(lineCount(got)).toBe(lineCount(expected));
  }
  expect(git(A, env, 'rev-parse', 'mltrack')).toBe(git(B, env, 'rev-parse', 'mltrack'));
}

const POINTS = [
  'pull:start',
  'pull:committed',
  'pull:fetched',
  'pull:checked',
  'pull:merged',
  'pull:file:1',
  'pull:file:4',
  'write:before-rename:2',
  'pull:remove:1',
  'pull:append:1',
  'pull:file:8',
  'pull:materialized',
  'pull:ref-moved',
  'pull:tagged',
];

describe('a pull killed at any point loses nothing', () => {
  it.each(POINTS)('killed at %s, then commit, push and the other clone pulls', (point) => {
    freshCase();
    const before = contents(B);
    const killed = spawnSync(process.execPath, [BIN, 'pull'], { cwd: B, env: { ...env, MLTRACK_FAULT: point }, encoding: 'utf8' });
    expect(killed.signal, `${point} was reached`).toBe('SIGKILL');
    // Right after the kill, nothing Bob had is gone from his disk.
    const after = contents(B);
    for (const run of before.runs.filter((r) => expected.runs.includes(r))) expect(after.runs).toContain(run);
    for (const [key, l] of before.lines) if (expected.lines.has(key)) expect(after.lines.get(key)).toEqual(expect.arrayContaining(l));
    finishAndCheck();
  }, 120_000);
});

describe('a pull that meets an entry it cannot write', () => {
  it('stops with IO_ERROR before the branch moves; commit and push still share everything', () => {
    freshCase();
    const branchBefore = git(B, env, 'rev-parse', 'mltrack');
    // A folder sits where one of Alice's new files must go.
    const obstacle = join(B, 'mlruns', '0', aliceNewRun, 'params', 'who');
    mkdirSync(join(obstacle, 'x'), { recursive: true });
    const pulled = cli(B, ['pull']);
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr.trim().split('\n')).toHaveLength(1);
    expect(pulled.stderr).toContain(`mlruns/0/${aliceNewRun}/params/who`);
    const pulledJson = cli(B, ['pull', '--json']);
    expect(JSON.parse(pulledJson.stderr).error).toMatchObject({ code: 'IO_ERROR', data: { path: `0/${aliceNewRun}/params/who` } });
    // The pulls committed Bob's runs (and what they had written); the merge never reached the branch.
    const branchAfter = git(B, env, 'rev-parse', 'mltrack');
    expect(git(B, env, 'rev-list', '--merges', `${branchBefore}..${branchAfter}`)).toBe('');
    expect(spawnSync('git', ['merge-base', '--is-ancestor', 'origin/mltrack', branchAfter], { cwd: B, env }).status).toBe(1);

    ok(B, ['commit']);
    const push = cli(B, ['push', '--json']);
    expect(push.code).toBe(0);
    expect(JSON.parse(push.stdout).not_materialized).toContain(`mlruns/0/${aliceNewRun}/params/who`);
    ok(A, ['pull']);
    const alice = contents(A);
    expect(alice.runs).toEqual(expected.runs);
    expect(alice.lines).toEqual(expected.lines);

    // Once the folder is moved away, Bob's next pull completes.
    rmSync(obstacle, { recursive: true });
    ok(B, ['pull']);
    const bob = contents(B);
    expect(bob.runs).toEqual(expected.runs);
    expect(bob.lines).toEqual(expected.lines);
    expect(lineCount(bob)).toBe(lineCount(expected));
  }, 120_000);
});

const LOGGER = `
import { existsSync, writeFileSync } from 'node:fs';
const [storeModule, mlruns, runId, started, stop, done] = process.argv.slice(2);
const { FileStore } = await import(storeModule);
const store = new FileStore(mlruns);
let i = 0;
// Log without pause until the test says the pull is over, and at least 20,000 points.
while (i < 20000 || !existsSync(stop)) {
  await store.logMetric(runId, { key: 'loss', value: i, timestamp: 100000 + i, step: 1000 + i });
  i++;
  if (i === 500) writeFileSync(started, '');
}
writeFileSync(done, String(i));
`;

describe('logging during a pull', () => {
  it('every point a separate process logs into a metric the pull merges into is there afterwards', async () => {
    freshCase();
    // Alice logs into Bob's live run too, so the pull brings new lines into the file being appended.
    ok(B, ['push']);
    ok(A, ['pull']);
    const storeA = new FileStore(join(A, 'mlruns'));
    for (let step = 1; step <= 50; step++) await storeA.logMetric(liveRun, { key: 'loss', value: step, timestamp: 6000 + step, step });
    ok(A, ['push']);

    const script = join(root, 'logger.mjs');
    writeFileSync(script, LOGGER);
    const [started, stop, done] = ['started', 'stop', 'done'].map((n) => join(root, n));
    for (const f of [started, stop, done]) rmSync(f, { force: true });
    const storeModule = fileURLToPath(new URL('../../dist/store/FileStore.js', import.meta.url));
    const logger = spawn(process.execPath, [script, storeModule, join(B, 'mlruns'), liveRun, started, stop, done], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => logger.on('exit', resolve));
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));

    const metric = join(B, 'mlruns', '0', liveRun, 'metrics', 'loss');
    const sizeAtStart = statSync(metric).size;
    const pulled = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'pull', '--json'], { cwd: B, env });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
    const sizeAtEnd = statSync(metric).size;
    writeFileSync(stop, '');
    expect(await exited).toBe(0);
    expect(pulled.code).toBe(0);
    expect(sizeAtEnd).toBeGreaterThan(sizeAtStart);
    expect(JSON.parse(pulled.out).files_written).toBeGreaterThan(0);

    const logged = Number(readFileSync(done, 'utf8'));
    expect(logged).toBeGreaterThanOrEqual(20000);
    const lines = readFileSync(metric, 'utf8').split('\n').filter(Boolean);
    const wanted = new Set<string>(["6000 1.0 0"]);
    for (let step = 1; step <= 50; step++) wanted.add(`${6000 + step} ${step}.0 ${step}`);
    for (let i = 0; i < logged; i++) wanted.add(`${100000 + i} ${i}.0 ${1000 + i}`);
    expect(new Set(lines)).toEqual(wanted);
    expect(lines).toHaveLength(wanted.size);

    // And the next commit, push and Alice's pull carry every one of them.
    ok(B, ['push']);
    ok(A, ['pull']);
    const alice = readFileSync(join(A, 'mlruns', '0', liveRun, 'metrics', 'loss'), 'utf8').split('\n').filter(Boolean);
    expect(alice).toHaveLength(wanted.size);
    expect(new Set(alice)).toEqual(wanted);
  }, 300_000);
});

/** Every file under `dir` but `.git/`, with its bytes: "nothing written" is checked against it. */
function filesOf(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${d.name}` : d.name;
    if (path === '.git') continue;
    if (d.isDirectory()) for (const [k, v] of filesOf(dir, path)) out.set(k, v);
    else out.set(path, readFileSync(join(dir, path)).toString('base64'));
  }
  if (rel === '') out.set('<dirs>', String(out.size));
  return out;
}

describe('a remote tree that is not safe', () => {
  // Trees git's own tools would not write: crafted with plumbing straight into the remote.
  const hostile: [string, (blob: string, tree: string) => TreeEntry][] = [
    ['an entry named ..', (_b, t) => ({ mode: '40000', name: '..', oid: t })],
    ['an entry named a/b', (b) => ({ mode: '100644', name: 'a/b', oid: b })],
    ['an entry named .git', (_b, t) => ({ mode: '40000', name: '.Git', oid: t })],
    ['a symlink', (b) => ({ mode: '120000', name: 'link', oid: b })],
    ['a gitlink', (b) => ({ mode: '160000', name: 'sub', oid: b })],
  ];
  it.each(hostile)('pull refuses %s with UNSAFE_TREE and changes nothing', async (_what, entry) => {
    freshCase();
    ok(B, ['commit']);
    const remote = join(caseDir, 'remote.git');
    const objects = new ObjectReader(remote);
    const tip = git(remote, env, 'rev-parse', 'mltrack');
    const rootTree = (await objects.commit(tip)).tree;
    const payload = writeObject(remote, 'blob', Buffer.from('[core]\n\tfsmonitor = touch pwned\n'));
    const inner = writeObject(remote, 'tree', formatTree([{ mode: '100644', name: 'config', oid: payload }]));
    const bad = entry(payload, inner);
    // The hostile entry goes into experiment 0, beside Alice's runs.
    const rootEntries = await objects.tree(rootTree);
    const mlruns = rootEntries.find((e) => e.name === 'mlruns')!;
    const mlrunsEntries = await objects.tree(mlruns.oid);
    const exp = mlrunsEntries.find((e) => e.name === '0')!;
    const expTree = writeObject(remote, 'tree', formatTree([...(await objects.tree(exp.oid)), bad]));
    const mlrunsTree = writeObject(remote, 'tree', formatTree([...mlrunsEntries.filter((e) => e !== exp), { ...exp, oid: expTree }]));
    const newRoot = writeObject(remote, 'tree', formatTree([...rootEntries.filter((e) => e !== mlruns), { ...mlruns, oid: mlrunsTree }]));
    const who = { name: 'Mallory', email: 'm@example.com', timestamp: 1_700_000_000, timezone: '+0000' };
    const commit = writeObject(remote, 'commit', formatCommit({ tree: newRoot, parents: [tip], author: who, committer: who, message: 'hostile\n' }));
    git(remote, env, 'update-ref', 'refs/heads/mltrack', commit);

    const branch = git(B, env, 'rev-parse', 'mltrack');
    const head = git(B, env, 'rev-parse', 'HEAD');
    const status = git(B, env, 'status', '--porcelain');
    const files = filesOf(B);
    const gitConfig = readFileSync(join(B, '.git', 'config'), 'utf8');
    const pulled = cli(B, ['pull', '--json']);
    expect(pulled.code).not.toBe(0);
    expect(JSON.parse(pulled.stderr).error.code).toBe('UNSAFE_TREE');
    expect(JSON.parse(pulled.stderr).error.data.path).toMatch(/^mlruns\/0\//);
    expect(git(B, env, 'rev-parse', 'mltrack')).toBe(branch);
    expect(git(B, env, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(B, env, 'status', '--porcelain')).toBe(status);
    expect(filesOf(B)).toEqual(files);
    expect(readFileSync(join(B, '.git', 'config'), 'utf8')).toBe(gitConfig);
    expect(existsSync(join(caseDir, 'pwned')) || existsSync(join(B, 'pwned'))).toBe(false);
  }, 120_000);
});
