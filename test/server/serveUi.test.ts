/**
 * `mltrack server --serve-ui`: the UI at `/`, rebuilt from the tree as it changes. A run logged
 * through the REST API after the server started shows in the served data and, in Chromium, on the
 * page; with users on, the UI needs the read role like the API.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';

interface Manifest {
  builtAt: number;
  live: boolean;
  experiments: { name: string; runCount: number }[];
}

/** Polls until `f` gives a value: the rebuild runs when the watcher sees the change. */
async function until<T>(what: string, f: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await f().catch(() => null);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function project(extraEnv: Record<string, string> = {}) {
  const dir = tempDir();
  const env = isolatedEnv(dir, extraEnv);
  git(dir, env, 'init', '-q');
  expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
  return { dir, env };
}

describe('mltrack server --serve-ui', () => {
  it('serves the UI and rebuilds its data when a run is logged through the REST API', async () => {
    const { dir, env } = project();
    const server = await startServerProcess(['--serve-ui'], { cwd: dir, env });
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<mlt-app>');
    const before = (await (await fetch(`${server.url}/data/site.json`)).json()) as Manifest;
    expect(before.live).toBe(true);
    expect(before.experiments.map((e) => e.name)).not.toContain('served');

    const experimentId = (await call(server.url, 'POST', '/experiments/create', { name: 'served' })).body.experiment_id as string;
    const run = (await call(server.url, 'POST', '/runs/create', { experiment_id: experimentId, run_name: 'over-rest' })).body.run.info;
    expect((await call(server.url, 'POST', '/runs/log-metric', { run_id: run.run_id, key: 'loss', value: 0.25, timestamp: Date.now(), step: 0 })).status).toBe(200);
    expect((await call(server.url, 'POST', '/runs/update', { run_id: run.run_id, status: 'FINISHED', end_time: Date.now() })).status).toBe(200);

    const after = await until('the rebuild', async () => {
      const m = (await (await fetch(`${server.url}/data/site.json`)).json()) as Manifest;
      return m.experiments.find((e) => e.name === 'served')?.runCount === 1 ? m : null;
    });
    expect(after.builtAt).toBeGreaterThan(before.builtAt);
    // The API and the UI share the port: the UI's catch-all does not swallow unknown API paths.
    expect((await call(server.url, 'GET', '/no-such-endpoint')).body.error_code).toBe('ENDPOINT_NOT_FOUND');

    if (!existsSync(CHROMIUM) && !process.env.CI) return;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/#/`);
      await expect.poll(() => page.locator('mlt-experiments-page a', { hasText: 'served' }).count(), { timeout: 30_000 }).toBe(1);
      await page.locator('mlt-experiments-page a', { hasText: 'served' }).click();
      await expect.poll(() => page.locator('mlt-runs-table .body .row .name a').allTextContents(), { timeout: 30_000 }).toEqual(['over-rest']);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('with users on, the UI needs the read role', async () => {
    const { dir, env } = project({ CAROL_PW: 'carol-secret' });
    expect(spawnCli(['server', 'add-user', 'carol', '--role', 'read', '--file', 'users.yml', '--password-env', 'CAROL_PW'], { cwd: dir, env }).code).toBe(0);
    const server = await startServerProcess(['--serve-ui', '--users', 'users.yml'], { cwd: dir, env });
    const anonymous = await fetch(`${server.url}/data/site.json`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    const carol = await fetch(`${server.url}/data/site.json`, { headers: { authorization: `Basic ${Buffer.from('carol:carol-secret').toString('base64')}` } });
    expect(carol.status).toBe(200);
    expect(((await carol.json()) as Manifest).live).toBe(true);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 60_000);
});
