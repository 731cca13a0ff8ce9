/**
 * Reads tolerate damage through `mltrack ui` (spec/errors.md, "Skipped entries are warnings"): each
 * damage kind next to N healthy runs, a real `mltrack ui` process building the site and serving it
 * on a loopback port: the served data holds all N runs (and the damaged run's entry only when the
 * damage is in one of its entries), and the process's stderr names the damage once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { DAMAGES, healthyTree } from '../helpers/damageKinds.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';

/** `mltrack ui --json --port 0` over `root`: its URL once it serves, and a stop that returns its stderr. */
function startUi(root: string): Promise<{ url: string; stop(): Promise<string> }> {
  const child = spawn(process.execPath, [BIN, 'ui', '--json', '--port', '0', '--no-watch', '--mlruns', root], { cwd: join(root, '..'), env: isolatedEnv(tempDir()), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      try {
        const { url } = JSON.parse(out) as { url: string };
        resolve({ url, stop: async () => (child.kill('SIGTERM'), await exited, err) });
      } catch {
        // not the whole JSON yet
      }
    });
    void exited.then(() => reject(new Error(`mltrack ui exited: ${err}`)));
  });
}

describe('one damaged entry never hides the others from mltrack ui', () => {
  for (const damage of DAMAGES) {
    it(damage.name, async () => {
      const { root, runIds: healthy, experimentId } = await healthyTree();
      const where = await damage.apply(root, experimentId);
      const runIds = damage.runStays ? [...healthy, where.split('/').pop()!] : healthy;
      const ui = await startUi(root);
      const site = await (await fetch(`${ui.url}data/site.json`)).json();
      const experiment = site.experiments.find((x: { experimentId: string }) => x.experimentId === experimentId);
      expect(experiment.runCount).toBe(runIds.length);
      const listed: string[] = [];
      for (let k = 0; k < experiment.shards; k++) listed.push(...(await (await fetch(`${ui.url}data/experiments/${experimentId}/runs-${k}.json`)).json()).runId);
      expect(listed.sort()).toEqual([...runIds].sort());
      for (const id of runIds) expect((await fetch(`${ui.url}data/runs/${id}/run.json`)).status).toBe(200);
      const stderr = await ui.stop();
      expect(stderr.split('\n').filter((l) => l.includes(where)), stderr).toHaveLength(1);
    });
  }
});
