/**
 * Reads tolerate damage: each kind of damaged run or stray entry, next to N healthy runs, is
 * skipped with exactly one warning naming it, while runs list, runs search, experiments list,
 * site build and the TypeScript API still show all N runs, and verify fails naming it.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { FileStore } from '../../src/store/FileStore.js';
import { setReadWarningSink, type ReadWarning } from '../../src/store/readWarnings.js';
import { verifyTree } from '../../src/verify/verifyTree.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';

const N = 3;

async function healthyTree(): Promise<{ root: string; runIds: string[]; experimentId: string }> {
  const root = join(tempDir(), 'mlruns');
  const store = new FileStore(root);
  const experimentId = await store.createExperiment('exp');
  const runIds: string[] = [];
  for (let i = 0; i < N; i++) {
    const { info } = await store.createRun({ experimentId, userId: 'u', runName: `run-${i}` });
    await store.logBatch(info.runId, { metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i }], params: [{ key: 'lr', value: String(i) }], tags: [{ key: 'team', value: 'ml' }] });
    await store.setTerminated(info.runId, 'FINISHED');
    runIds.push(info.runId);
  }
  return { root, runIds, experimentId };
}

/** A fourth run, damaged by `damage(runDir)`. */
async function damagedRun(root: string, experimentId: string, damage: (runDir: string) => void): Promise<string> {
  const store = new FileStore(root);
  const { info } = await store.createRun({ experimentId, userId: 'u', runName: 'damaged' });
  await store.logBatch(info.runId, { metrics: [{ key: 'loss', value: 9, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: 'x' }], tags: [{ key: 'team', value: 'ml' }] });
  const dir = join(root, experimentId, info.runId);
  damage(dir);
  return dir;
}

interface Damage {
  name: string;
  /** Applies the damage; returns the path the warning must name. */
  apply: (root: string, experimentId: string) => Promise<string> | string;
  /** The damage is in one entry of a run, not the run: the run is listed without it. */
  runStays?: boolean;
  /** verify reports it as a warning (a stray folder MLflow skips), not an error. */
  verifyWarns?: boolean;
}

const DAMAGES: Damage[] = [
  { name: 'empty run meta.yaml', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'meta.yaml'), '')) },
  { name: 'truncated run meta.yaml', apply: (r, e) => damagedRun(r, e, (d) => { const t = readFileSync(join(d, 'meta.yaml'), 'utf8'); writeFileSync(join(d, 'meta.yaml'), t.slice(0, Math.floor(t.length / 3))); }) },
  { name: 'bad metric line', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'metrics', 'loss'), '1 0.5 0\nnot a metric line\n')) },
  { name: 'non-UTF-8 tag value', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'tags', 'team'), Buffer.from([0x6d, 0xff, 0xfe]))) },
  { name: 'non-UTF-8 param value', apply: (r, e) => damagedRun(r, e, (d) => writeFileSync(join(d, 'params', 'lr'), Buffer.from([0xc3, 0x28]))) },
  { name: '.ipynb_checkpoints in mlruns/', apply: (r) => { mkdirSync(join(r, '.ipynb_checkpoints')); return join(r, '.ipynb_checkpoints'); } },
  { name: '__pycache__ in mlruns/', apply: (r) => { mkdirSync(join(r, '__pycache__')); return join(r, '__pycache__'); } },
  { name: '.ipynb_checkpoints in an experiment', apply: (r, e) => { mkdirSync(join(r, e, '.ipynb_checkpoints')); return join(r, e, '.ipynb_checkpoints'); }, verifyWarns: true },
  { name: '__pycache__ in an experiment', apply: (r, e) => { mkdirSync(join(r, e, '__pycache__')); return join(r, e, '__pycache__'); }, verifyWarns: true },
  { name: 'dangling symlink in an experiment', apply: (r, e) => { symlinkSync(join(r, 'nowhere'), join(r, e, 'dangling')); return join(r, e, 'dangling'); } },
  { name: 'symlink loop in an experiment', apply: (r, e) => { symlinkSync('loop', join(r, e, 'loop')); return join(r, e, 'loop'); } },
  { name: 'dangling symlink in mlruns/', apply: (r) => { symlinkSync(join(r, 'nowhere'), join(r, 'dangling')); return join(r, 'dangling'); } },
  { name: 'symlink loop in mlruns/', apply: (r) => { symlinkSync('loop', join(r, 'loop')); return join(r, 'loop'); } },
  { name: 'dangling symlink as a run tag', apply: (r, e) => damagedRun(r, e, (d) => symlinkSync(join(d, 'missing'), join(d, 'tags', 'broken'))), runStays: true },
];

const warningsIn = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: skipped'));

describe('one damaged entry never hides the others', () => {
  for (const damage of DAMAGES) {
    it(damage.name, async () => {
      const { root, runIds: healthy, experimentId } = await healthyTree();
      const where = await damage.apply(root, experimentId);
      const runIds = damage.runStays ? [...healthy, where.split('/').pop()!] : healthy;
      const env = { NO_COLOR: '1' };
      const cwd = join(root, '..');
      const expectOneWarning = (stderr: string) => {
        const lines = warningsIn(stderr);
        expect(lines, stderr).toHaveLength(1);
        expect(lines[0]).toContain(where);
      };

      const list = await runCli(['--json', 'runs', 'list', '--mlruns', root, '-e', experimentId], { cwd, env });
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).runs.map((r: { info: { run_id: string } }) => r.info.run_id).sort()).toEqual([...runIds].sort());
      // --json: the warning is a JSON line on stderr.
      const jsonWarnings = list.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(jsonWarnings).toHaveLength(1);
      expect(jsonWarnings[0].warning.path).toContain(where);

      const search = await runCli(['runs', 'search', "params.lr != 'none'", '--mlruns', root, '-e', experimentId], { cwd, env });
      expect(search.code, search.stderr).toBe(0);
      for (const id of runIds) expect(search.stdout).toContain(id.slice(0, 8));
      expect(search.stdout.split('\n').filter((l) => runIds.some((id) => l.includes(id.slice(0, 8))))).toHaveLength(runIds.length);
      expectOneWarning(search.stderr);

      const experiments = await runCli(['--json', 'experiments', 'list', '--mlruns', root], { cwd, env });
      expect(experiments.code, experiments.stderr).toBe(0);
      expect(JSON.parse(experiments.stdout).experiments.map((x: { experiment_id: string }) => x.experiment_id)).toContain(experimentId);

      const site = join(root, '..', 'site');
      const built = await runCli(['site', 'build', '--out', site, '--mlruns', root], { cwd, env });
      expect(built.code, built.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(join(site, 'data', 'site.json'), 'utf8'));
      expect(manifest.experiments.find((x: { experimentId: string }) => x.experimentId === experimentId).runCount).toBe(runIds.length);
      expect(built.stderr.split('\n').filter((l) => l.includes(where)), built.stderr).toHaveLength(1);

      // The TypeScript API: a sink of its own collects the warning.
      const collected: ReadWarning[] = [];
      const previous = setReadWarningSink((w) => collected.push(w));
      try {
        const page = await new FileStore(root).searchRuns({ experimentIds: [experimentId] });
        expect(page.items.map((r) => r.info.runId).sort()).toEqual([...runIds].sort());
      } finally {
        setReadWarningSink(previous);
      }
      expect(collected).toHaveLength(1);
      expect(collected[0]!.path.startsWith(where)).toBe(true);

      // verify still fails (or, for a stray folder MLflow skips, warns), naming it.
      const verified = await verifyTree(new FsTreeReader(root));
      const named = verified.problems.filter((p) => p.severity === (damage.verifyWarns ? 'warning' : 'error') && (join(root, p.path).startsWith(where) || join(root, p.path) === join(where, '..') || where.startsWith(join(root, p.path))));
      expect(named.length, JSON.stringify(verified.problems)).toBeGreaterThan(0);
    });
  }

  it('a .DS_Store file in mlruns/ and in an experiment is not an entry: no warning, all runs listed', async () => {
    const { root, runIds, experimentId } = await healthyTree();
    writeFileSync(join(root, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0xff]));
    writeFileSync(join(root, experimentId, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0xff]));
    const list = await runCli(['--json', 'runs', 'list', '--mlruns', root, '-e', experimentId], { cwd: join(root, '..'), env: { NO_COLOR: '1' } });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).runs).toHaveLength(N);
    expect(list.stderr).toBe('');
    expect(readdirSync(root)).toContain('.DS_Store');
  });
});
