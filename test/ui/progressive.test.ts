/**
 * The runs table of a sharded site paints from the newest shard while the others are still on
 * their way, says how many runs are in, and once every shard has arrived shows, filters and sorts
 * all of them. The test's HTTP server holds the older shards' responses until the test releases
 * them, so "before the last shard arrives" is a fact of the test, not a matter of timing.
 */
import { describe, expect, it } from 'vitest';
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildSite } from '../../src/site/buildSite.js';
import { headersFor, resolveStatic } from '../../src/site/serveSite.js';
import { EXP, makeTree } from './runsTree.js';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = 3000;

/** Serves `root`; a request for a held path waits until `release(path)`. */
async function holdingServer(root: string, held: string[]) {
  const releases = new Map(held.map((path) => {
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    return [path, { gate, release }] as const;
  }));
  const requested = new Set<string>();
  const send = (res: ServerResponse, path: string) => {
    const file = resolveStatic(root, path);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, headersFor(file, root));
    createReadStream(file).pipe(res);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requested.add(path);
    const hold = releases.get(path);
    if (hold) void hold.gate.then(() => send(res, path));
    else send(res, path);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requested,
    release: (path: string) => releases.get(path)!.release(),
    close: () => new Promise<void>((done) => { for (const r of releases.values()) r.release(); server.closeAllConnections(); server.close(() => done()); }),
  };
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('progressive runs table', () => {
  it(`shows the first rows of ${RUNS} runs before the older shards arrive, and all of them after`, async () => {
    const tree = makeTree(RUNS);
    const site = await buildSite({ out: join(tree.root, 'site'), mlruns: tree.mlruns, cwd: tree.root });
    expect(site.manifest.experiments.find((e) => e.experimentId === EXP)?.shards).toBe(3);
    const shard = (k: number) => `/data/experiments/${EXP}/runs-${k}.json`;
    const server = await holdingServer(site.out, [shard(0), shard(1)]);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}#/experiments/${EXP}`);
      const names = () => page.locator('mlt-runs-table .body .row .name a').allTextContents();
      const count = () => page.locator('mlt-runs-page .count').textContent();
      const loading = page.locator('mlt-runs-page .loading-runs');

      // The newest shard is in, both older ones were asked for and are held: rows are on screen.
      await expect.poll(names).toContain('run-2999');
      expect((await names())[0]).toBe('run-2999'); // newest first, MLflow's default order
      expect(server.requested.has(shard(0)) && server.requested.has(shard(1))).toBe(true);
      expect(await count()).toBe('1,000 of 1,000 runs');
      expect(await loading.textContent()).toBe(`loading 1,000 of 3,000 runs…`);

      server.release(shard(1));
      await expect.poll(count).toBe('2,000 of 2,000 runs');
      expect(await loading.textContent()).toBe(`loading 2,000 of 3,000 runs…`);

      server.release(shard(0));
      await expect.poll(count).toBe('3,000 of 3,000 runs');
      expect(await loading.count()).toBe(0);
      // Only the rows in view are in the DOM.
      expect((await names()).length).toBeLessThan(100);

      // Filter and sort across every shard: run-0…run-3 (loss 1/(i+1) > 0.2) are in the shard that came last.
      const input = page.locator('mlt-runs-page input#filter');
      await input.fill('metrics.loss > 0.2');
      await input.press('Enter');
      await expect.poll(count).toBe('4 of 3,000 runs');
      expect(await names()).toEqual(['run-3', 'run-2', 'run-1', 'run-0']);
      await page.goto(`${server.url}#/experiments/${EXP}?order=attributes.start_time%20ASC`);
      await expect.poll(async () => (await names())[0]).toBe('run-0');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 180_000);
});
