/**
 * Reads tolerate damage through `mltrack server` (spec/errors.md, "Skipped entries are warnings"):
 * each damage kind next to N healthy runs, a real server process over the tree, the `mlflow`
 * REST paths a client uses: runs/search and experiments/search show all N runs, a healthy run's
 * runs/get works, the damaged run's own get is MALFORMED_FILE naming the file (MLflow's code for it,
 * INTERNAL_ERROR, as MLflow answers for such a run), and the server's stderr names the damage once.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DAMAGES, healthyTree } from '../helpers/damageKinds.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

describe('one damaged entry never hides the others from the server', () => {
  for (const damage of DAMAGES) {
    it(damage.name, async () => {
      const { root, runIds: healthy, experimentId } = await healthyTree();
      const where = await damage.apply(root, experimentId);
      const runIds = damage.runStays ? [...healthy, where.split('/').pop()!] : healthy;
      const server = await startServerProcess(['--mlruns', root], { cwd: join(root, '..'), env: isolatedEnv(tempDir()) });
      const api = (method: string, path: string, args?: Record<string, unknown>) => call(server.url, method, path, args);

      for (let i = 0; i < 2; i++) {
        const search = await api('POST', '/runs/search', { experiment_ids: [experimentId], max_results: 100 });
        expect(search.status, JSON.stringify(search.body)).toBe(200);
        expect(search.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id).sort()).toEqual([...runIds].sort());
      }
      const filtered = await api('POST', '/runs/search', { experiment_ids: [experimentId], filter: "params.lr != 'none'" });
      expect(filtered.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id).sort()).toEqual([...runIds].sort());
      const experiments = await api('POST', '/experiments/search', { max_results: 100 });
      expect(experiments.status).toBe(200);
      expect(experiments.body.experiments.map((e: { experiment_id: string }) => e.experiment_id)).toContain(experimentId);
      const got = await api('GET', '/runs/get', { run_id: healthy[0] });
      expect(got.status).toBe(200);
      expect(got.body.run.info.run_id).toBe(healthy[0]);

      const damagedRun = /^[0-9a-f]{32}$/.test(where.split('/').pop()!) ? where.split('/').pop()! : null;
      if (damagedRun && !damage.runStays) {
        const own = await api('GET', '/runs/get', { run_id: damagedRun });
        expect({ status: own.status, code: own.body.error_code }).toEqual({ status: 500, code: 'INTERNAL_ERROR' });
        expect(own.body.message).toContain(where);
      }
      await server.stop();
      const warnings = server.stderr().split('\n').filter((l) => l.includes(where));
      expect(warnings, server.stderr()).toHaveLength(1);
    });
  }
});
