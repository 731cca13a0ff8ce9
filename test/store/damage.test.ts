/**
 * Reads tolerate damage: each kind of damaged run or stray entry, next to N healthy runs, is
 * skipped with exactly one warning naming it, while runs list, runs search, experiments list,
 * site build and the TypeScript API still show all N runs, and verify fails naming it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { DAMAGES, healthyTree, N } from '../helpers/damageKinds.js';
import { FileStore } from '../../src/store/FileStore.js';
import { setReadWarningSink, type ReadWarning } from '../../src/store/readWarnings.js';
import { verifyTree } from '../../src/verify/verifyTree.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';

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

describe('delete, restore and gc skip a damaged run as reads do', () => {
  const WRITER_DAMAGES = DAMAGES.filter((d) => ['empty run meta.yaml', 'truncated run meta.yaml', '__pycache__ in an experiment'].includes(d.name));
  for (const damage of WRITER_DAMAGES) {
    it(damage.name, async () => {
      const { root, runIds, experimentId } = await healthyTree();
      const where = await damage.apply(root, experimentId);
      const collected: ReadWarning[] = [];
      const previous = setReadWarningSink((w) => collected.push(w));
      try {
        const store = new FileStore(root, { index: false });
        await store.deleteExperiment(experimentId);
        await store.restoreExperiment(experimentId);
        await store.deleteRun(runIds[0]!);
        const active = await store.searchRuns({ experimentIds: [experimentId] });
        expect(active.items.map((r) => r.info.runId).sort()).toEqual(runIds.slice(1).sort());
        expect(await store.gc({ experimentIds: [experimentId] })).toEqual({ runs: [runIds[0]], experiments: [] });
      } finally {
        setReadWarningSink(previous);
      }
      expect(collected.length).toBeGreaterThan(0);
      for (const w of collected) expect(w.path.replace('/.trash/', '/')).toContain(where.split('/').pop());
    });
  }
});
