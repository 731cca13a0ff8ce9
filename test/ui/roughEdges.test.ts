/**
 * The UI's rough edges, in headless Debian Chromium against a real site served from 127.0.0.1:
 * nested runs and group headers in the runs table, sorting by several keys and by duration, runs of
 * two experiments together, the column picker on screen, compare with a missing run and with 5,000
 * selected runs (capped, fetched a few at a time), error toasts that leave, an invalid filter that
 * empties the table, artifact paths without the tree's placeholder, Markdown descriptions with XSS
 * payloads, chart ticks and colour scale, plural forms. Screenshots go to test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../../src/site/serveSite.js';
import { spawnCli } from '../helpers/cli.js';
import { cli, makeFixture, MODEL, type Fixture } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** A description with Markdown and the payloads a sanitiser must defuse. */
const NOTE = [
  '# Sweep notes',
  '',
  'Trained with **early stopping** and *warm restarts*; see `train.py`.',
  '',
  '- first point',
  '- second point',
  '',
  '[safe link](https://example.com/report) [bad link](javascript:window.__xss=1) [data](data:text/html,<script>window.__xss=1</script>)',
  '',
  '<img src=x onerror="window.__xss=1"> <script>window.__xss=1</script> <a href="javascript:window.__xss=1">raw</a>',
].join('\n');

let fx: Fixture;
let site: string;
let server: StaticServer;
let browser: Browser;
let page: Page;
let parentId = '';
let childIds: string[] = [];
let otherExperimentId = '';
let notedRunId = '';
const pageErrors: string[] = [];
const dialogs: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}${hash}`);
}

async function tableNames(): Promise<string[]> {
  return page.locator('mlt-runs-table .body .row .name a').allTextContents();
}

async function countText(): Promise<string> {
  return (await page.locator('mlt-runs-page .count').textContent()) ?? '';
}

function run(args: string[], env: NodeJS.ProcessEnv = fx.env): string {
  return cli(args, fx.proj, env);
}

interface CliRun { info: { run_id: string; run_name: string; start_time: number; end_time: number | null; artifact_uri: string }; data: { params?: { key: string; value: string }[] } }

function search(args: string[]): CliRun[] {
  return JSON.parse(run(['runs', 'search', ...args, '--json'])).runs as CliRun[];
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('the UI\'s rough edges, in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fx = makeFixture();
    // A parent run with two nested runs, one of them without the `epochs` param the others have.
    parentId = JSON.parse(run(['start-run', '-e', fx.experimentId, '-n', 'sweep-parent', '-P', 'epochs=30', '--json'])).info.run_id;
    run(['log-metric', 'val_loss', '0.5'], { ...fx.env, MLTRACK_RUN_ID: parentId });
    for (const [i, lr] of ['0.1', '0.01'].entries()) {
      const id = JSON.parse(run(['start-run', '-e', fx.experimentId, '-n', `sweep-child-${i + 1}`, '--parent', parentId, '-P', `learning_rate=${lr}`, '--json'])).info.run_id;
      run(['log-metric', 'val_loss', String(0.4 - i * 0.1)], { ...fx.env, MLTRACK_RUN_ID: id });
      run(['end-run'], { ...fx.env, MLTRACK_RUN_ID: id });
      childIds.push(id);
    }
    run(['end-run'], { ...fx.env, MLTRACK_RUN_ID: parentId });
    // A run with a Markdown description and a source snapshot tag (a dirty work tree's code).
    notedRunId = JSON.parse(run(['start-run', '-e', fx.experimentId, '-n', 'noted', '--description', NOTE, '--tag', 'mltrack.source.snapshot=0123456789abcdef0123456789abcdef01234567', '--json'])).info.run_id;
    run(['end-run'], { ...fx.env, MLTRACK_RUN_ID: notedRunId });
    // A second experiment, to see side by side.
    for (const name of ['other-a', 'other-b']) {
      const id = JSON.parse(run(['start-run', '-e', 'second-experiment', '-n', name, '-P', 'depth=3', '--json'])).info.run_id;
      run(['end-run'], { ...fx.env, MLTRACK_RUN_ID: id });
    }
    otherExperimentId = (JSON.parse(run(['experiments', 'list', '--json'])).experiments as { experiment_id: string; name: string }[]).find((e) => e.name === 'second-experiment')!.experiment_id;
    site = join(fx.home, 'site');
    run(['site', 'build', '--out', site]);
    server = await startStaticServer(site, 0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fx?.cleanup();
  });

  it('nests child runs under their parent, collapsible, with group headers over the columns', async () => {
    await open(`#/experiments/${fx.experimentId}`);
    await expect.poll(countText).toBe('14 of 14 runs');
    const names = await tableNames();
    // Collapsed at first (as MLflow): the children are not rows, the parent says how many it has.
    expect(names).toContain('sweep-parent');
    expect(names).not.toContain('sweep-child-1');
    const parentRow = page.locator('mlt-runs-table .body .row', { has: page.locator('a', { hasText: /^sweep-parent$/ }) });
    expect(await parentRow.locator('.child-count').textContent()).toBe('(2)');
    await parentRow.locator('button.toggle').click();
    await expect.poll(tableNames).toContain('sweep-child-1');
    const after = await tableNames();
    const at = after.indexOf('sweep-parent');
    expect(after.slice(at + 1, at + 3).sort()).toEqual(['sweep-child-1', 'sweep-child-2']);
    expect(await page.locator('mlt-runs-table .body .row .name[aria-level="2"]').count()).toBe(2);
    expect(await parentRow.locator('.name').getAttribute('aria-expanded')).toBe('true');

    const groups = (await page.locator('mlt-runs-table .groups .group-header').allTextContents()).map((t) => t.trim());
    expect(groups).toEqual(['Attributes', 'Metrics', 'Parameters']);
    // Each group header spans exactly its columns.
    const boxes = await page.locator('mlt-runs-table .groups .group-header').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    const metricHeaders = await page.locator('mlt-runs-table .cols [role="columnheader"]').evaluateAll((els) => els.filter((e) => (e.getAttribute('title') ?? '').startsWith('metrics.')).reduce((n, e) => n + e.getBoundingClientRect().width, 0));
    expect(Math.abs(boxes[1]! - metricHeaders)).toBeLessThan(2);
    await shot('runs-nested');

    await parentRow.locator('button.toggle').click();
    await expect.poll(tableNames).not.toContain('sweep-child-1');
  });

  it('links a run page to its child and parent runs from the families file, without loading a shard', async () => {
    const fetched: string[] = [];
    const onRequest = (r: { url(): string }) => fetched.push(new URL(r.url()).pathname);
    page.on('request', onRequest);
    try {
      await open(`#/runs/${parentId}`);
      const childRow = page.locator('mlt-run-page tr', { has: page.locator('th', { hasText: 'Child runs' }) });
      await expect.poll(() => childRow.locator('a').allTextContents().then((t) => t.sort())).toEqual(['sweep-child-1', 'sweep-child-2']);
      expect((await childRow.locator('a').evaluateAll((els) => els.map((e) => e.getAttribute('href')))).sort()).toEqual(childIds.map((id) => `#/runs/${id}`).sort());
      await open(`#/runs/${childIds[0]}`);
      const parentRow = page.locator('mlt-run-page tr', { has: page.locator('th', { hasText: 'Parent run' }) });
      await expect.poll(() => parentRow.locator('a').textContent()).toBe('sweep-parent');
      expect(await parentRow.locator('a').getAttribute('href')).toBe(`#/runs/${parentId}`);
      expect(fetched.some((p) => p.endsWith(`/experiments/${fx.experimentId}/families.json`))).toBe(true);
      expect(fetched.filter((p) => /\/runs-\d+\.json$/.test(p))).toEqual([]);
    } finally {
      page.off('request', onRequest);
    }
  });

  it('marks a missing param exactly as a missing metric', async () => {
    await open(`#/experiments/${fx.experimentId}?filter=${encodeURIComponent("attributes.run_name = 'noted'")}`);
    await expect.poll(countText).toBe('1 of 14 runs');
    const cells = page.locator('mlt-runs-table .body .row .cell.missing-value');
    const columns = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    // The noted run has neither metrics nor params: both kinds show the same mark.
    expect(columns.some((t) => t.includes('val_loss'))).toBe(true);
    expect(columns.some((t) => t.includes('learning_rate'))).toBe(true);
    expect(new Set(await cells.allTextContents())).toEqual(new Set(['–']));
  });

  it('sorts by several keys with shift-click, as `runs search` with two --order-by', async () => {
    await open(`#/experiments/${fx.experimentId}`);
    await expect.poll(countText).toBe('14 of 14 runs');
    await page.locator('mlt-runs-table .head button', { hasText: /^epochs/ }).click();
    await page.locator('mlt-runs-table .head button', { hasText: /^val_loss/ }).click({ modifiers: ['Shift'] });
    const hash = decodeURIComponent(new URL(page.url()).hash);
    expect(hash).toContain('order=params.epochs+ASC&order=metrics.val_loss+DESC');
    const expected = search(['--order-by', 'params.epochs ASC', '--order-by', 'metrics.val_loss DESC', '-e', fx.experimentId]).map((r) => r.info.run_name).filter((n) => !n.startsWith('sweep-child'));
    await expect.poll(tableNames).toEqual(expected);
    expect(await page.locator('mlt-runs-table .head button', { hasText: /^epochs/ }).locator('.priority').textContent()).toBe('1');
    expect(await page.locator('mlt-runs-table .head button', { hasText: /^val_loss/ }).locator('.priority').textContent()).toBe('2');
    // Shift-click on a key already there flips it in place.
    await page.locator('mlt-runs-table .head button', { hasText: /^val_loss/ }).click({ modifiers: ['Shift'] });
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain('order=params.epochs+ASC&order=metrics.val_loss+ASC');
    // A plain click sorts by that column alone.
    await page.locator('mlt-runs-table .head button', { hasText: /^val_loss/ }).click();
    expect(decodeURIComponent(new URL(page.url()).hash)).not.toContain('params.epochs');
  });

  it('sorts by duration', async () => {
    await open(`#/experiments/${fx.experimentId}`);
    await expect.poll(countText).toBe('14 of 14 runs');
    const runs = search(['-e', fx.experimentId]).filter((r) => !r.info.run_name.startsWith('sweep-child'));
    const duration = (r: CliRun) => (r.info.end_time === null ? Infinity : r.info.end_time - r.info.start_time);
    const byName = new Map(runs.map((r) => [r.info.run_name, duration(r)]));
    // The table re-renders after the hash changes: poll until the rows are in the clicked order.
    const shown = async () => (await tableNames()).map((n) => byName.get(n)!);
    const inOrder = (d: number[], dir: 1 | -1) => d.every((v, i) => i === 0 || (v - d[i - 1]!) * dir >= 0);
    await page.locator('mlt-runs-table .head button', { hasText: /^Duration/ }).click();
    await expect.poll(() => new URL(page.url()).hash).toContain('order=attributes.duration+ASC');
    await expect.poll(async () => inOrder(await shown(), 1)).toBe(true);
    await page.locator('mlt-runs-table .head button', { hasText: /^Duration/ }).click();
    await expect.poll(() => new URL(page.url()).hash).toContain('order=attributes.duration+DESC');
    await expect.poll(async () => inOrder((await shown()).filter((d) => d !== Infinity), -1)).toBe(true);
    expect(new Set(await shown()).size).toBeGreaterThan(2); // the order is not trivially true
  });

  it('shows the runs of two experiments side by side', async () => {
    await open('#/');
    await page.locator('mlt-experiments-page input[type="checkbox"][aria-label="Choose experiment second-experiment"]').check();
    await page.locator('mlt-experiments-page input[type="checkbox"][aria-label="Choose experiment iris-softmax"]').check();
    await page.locator('mlt-experiments-page button', { hasText: 'Show runs of 2 experiments together' }).click();
    await expect.poll(countText).toBe('16 of 16 runs');
    const names = await tableNames();
    expect(names).toContain('other-a');
    expect(names).toContain('sweep-parent');
    const headers = (await page.locator('mlt-runs-table .cols [role="columnheader"]').allTextContents()).map((t) => t.trim());
    expect(headers).toContain('Experiment');
    expect(headers).toContain('depth');
    const row = page.locator('mlt-runs-table .body .row', { has: page.locator('a', { hasText: /^other-a$/ }) });
    expect(await row.textContent()).toContain('second-experiment');
    expect(await page.locator('mlt-runs-page h1').textContent()).toContain('second-experiment');
    expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(new RegExp(`#/experiments/(${fx.experimentId},${otherExperimentId}|${otherExperimentId},${fx.experimentId})`));
  });

  it('keeps the column picker on screen', async () => {
    await page.setViewportSize({ width: 700, height: 500 });
    try {
      await open(`#/experiments/${fx.experimentId}`);
      await expect.poll(countText).toBe('14 of 14 runs');
      await page.locator('mlt-column-picker summary').click();
      const panel = page.locator('mlt-column-picker .panel');
      // The panel is placed on the details' toggle event, a task after the click: poll until it has been.
      const onScreen = async () => {
        const box = (await panel.boundingBox())!;
        return box.x >= 0 && box.x + box.width <= 700 && box.y + box.height <= 500;
      };
      await expect.poll(onScreen).toBe(true);
      // The last option can be reached by scrolling the panel itself.
      const last = panel.locator('label').last();
      await last.scrollIntoViewIfNeeded();
      const lastBox = (await last.boundingBox())!;
      expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(500);
      await page.locator('mlt-column-picker summary').click();
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('empties the table and the count when the filter does not parse', async () => {
    await open(`#/experiments/${fx.experimentId}`);
    await expect.poll(countText).toBe('14 of 14 runs');
    const input = page.locator('mlt-runs-page input#filter');
    await input.fill('metrics.val_loss <');
    await input.press('Enter');
    await expect.poll(() => page.locator('mlt-runs-page .filter-error').count()).toBe(1);
    expect(await countText()).toBe('no runs: the filter does not parse (14 runs in all)');
    expect(await tableNames()).toEqual([]);
    expect(await page.locator('mlt-runs-table .empty').textContent()).toBe('No runs: fix the filter above.');
    await input.fill('metrics.val_loss < 0.45');
    await input.press('Enter');
    await expect.poll(countText).toMatch(/^[1-9]\d* of 14 runs$/);
  });

  it('compares what it can and names the run that is missing', async () => {
    const ids = [fx.runs[0]!.run_id, fx.runs[1]!.run_id, 'deadbeefdeadbeefdeadbeefdeadbeef'];
    await open(`#/compare?runs=${ids.join(',')}`);
    await expect.poll(() => page.locator('mlt-compare-page .runs li').count()).toBe(2);
    const missing = await page.locator('mlt-compare-page .missing').textContent();
    expect(missing).toContain('1 run could not be shown');
    expect(missing).toContain('deadbeefdeadbeefdeadbeefdeadbeef');
    expect(missing).toContain('deadbeefdeadbeefdeadbeefdeadbeef: not in this site');
    expect(missing).not.toMatch(/data\/|\.json|as a file/);
    expect(await page.locator('mlt-parallel-coords polyline').count()).toBe(2);
    await shot('compare-missing');
    await page.locator('mlt-compare-page .missing button').click();
    await expect.poll(() => page.locator('mlt-compare-page .missing').count()).toBe(0);
    expect(new URL(page.url()).hash).not.toContain('deadbeef');
  });

  it('caps a selection of 5,000 runs at 100 and fetches them at most 8 at a time', async () => {
    const real = fx.runs.map((r) => r.run_id);
    const fake = Array.from({ length: 5000 - real.length }, (_, i) => i.toString(16).padStart(32, '0'));
    // Count the app's own fetches of run files, and how many are open at once, inside the page.
    await page.goto('about:blank');
    await open('#/');
    await page.evaluate(() => {
      const w = window as unknown as { __runFetches: { total: number; open: number; peak: number } };
      w.__runFetches = { total: 0, open: 0, peak: 0 };
      const original = window.fetch.bind(window);
      window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input instanceof Request ? input.url : input);
        if (!url.endsWith('/run.json')) return original(input, init);
        const c = w.__runFetches;
        c.total++;
        c.peak = Math.max(c.peak, ++c.open);
        try {
          const response = await original(input, init);
          // Held open until the body is read, as the app reads it.
          const body = await response.text();
          return new Response(body, { status: response.status, headers: response.headers });
        } finally {
          c.open--;
        }
      };
    });
    const counts = () => page.evaluate(() => (window as unknown as { __runFetches: { total: number; open: number; peak: number } }).__runFetches);
    await page.evaluate((hash) => {
      location.hash = hash;
    }, `#/compare?runs=${[...real, ...fake].join(',')}`);
    await expect.poll(() => page.locator('mlt-compare-page .capped').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('mlt-compare-page .capped').textContent()).toContain('Showing the first 100 of 5,000 selected runs');
    await expect.poll(() => page.locator('mlt-compare-page .runs li').count(), { timeout: 30_000 }).toBe(real.length);
    expect(await page.locator('mlt-compare-page .missing').textContent()).toContain(`${100 - real.length} runs could not be shown`);
    const c = await counts();
    expect(c.total).toBe(100);
    expect(c.peak).toBeLessThanOrEqual(8);
    expect(c.peak).toBeGreaterThan(1);
    expect(await page.locator('mlt-compare-page').textContent()).not.toContain('as a file');
  });

  it('says a network failure is one, not that the site was opened as a file', async () => {
    await open(`#/runs/${fx.runs[2]!.run_id}`);
    await expect.poll(() => page.locator('mlt-run-page h1').textContent()).toBe(fx.runs[2]!.name);
    await page.route('**/run.json', (route) => route.abort('connectionrefused'));
    try {
      // A fresh page, so nothing is cached.
      await page.goto('about:blank');
      await open(`#/runs/${fx.runs[3]!.run_id}`);
      await expect.poll(() => page.locator('mlt-run-page .error').count()).toBe(1);
      const text = await page.locator('mlt-run-page .error').textContent();
      expect(text).toContain(`Could not load run ${fx.runs[3]!.run_id}: the server did not answer`);
      expect(text).not.toContain('as a file');
    } finally {
      await page.unroute('**/run.json');
    }
    // An unknown run: a message in the user's terms, no internal path.
    await open('#/runs/0000ffff');
    await expect.poll(() => page.locator('mlt-run-page .error').textContent()).toBe('Run 0000ffff is not in this site.');
  });

  it('shows an error toast once, and it leaves: on navigation, its button, or after a while', async () => {
    // A live site (as `mltrack ui` serves it) whose server stops answering for the manifest.
    const live = join(fx.home, 'live-site');
    run(['site', 'build', '--out', live]);
    const manifestPath = join(live, 'data', 'site.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, live: true }));
    const liveServer = await startStaticServer(live, 0);
    const hide = () => renameSync(manifestPath, `${manifestPath}.away`);
    const restore = () => renameSync(`${manifestPath}.away`, manifestPath);
    const toasts = () => page.locator('mlt-error-notifier .error').count();
    try {
      await page.goto(`${liveServer.url}#/experiments/${fx.experimentId}`);
      await expect.poll(countText).toBe('14 of 14 runs');
      hide();
      await expect.poll(toasts, { timeout: 15_000 }).toBe(1);
      const text = (await page.locator('mlt-error-notifier .error').textContent())!;
      expect(text).toContain('Server not reachable');
      expect(text).toContain('Lost contact with the server');
      expect(text).not.toMatch(/data\/|\.json|\/tmp|Something went wrong/);
      // Failed polls go on, but the toast is not repeated or stacked.
      await page.waitForTimeout(4500);
      expect(await toasts()).toBe(1);
      // Navigating elsewhere clears it.
      await page.locator('mlt-runs-table .body .row a').first().click();
      await expect.poll(toasts).toBe(0);

      restore();
      await page.waitForTimeout(2500);
      hide();
      await expect.poll(toasts, { timeout: 15_000 }).toBe(1);
      await page.locator('mlt-error-notifier button[aria-label="Dismiss"]').click();
      expect(await toasts()).toBe(0);

      restore();
      await page.evaluate(() => {
        const n = document.querySelector('mlt-app')!.shadowRoot!.querySelector('mlt-error-notifier') as unknown as { dismissAfter: number };
        n.dismissAfter = 500;
      });
      await page.waitForTimeout(2500);
      hide();
      await expect.poll(toasts, { timeout: 15_000 }).toBe(1);
      await expect.poll(toasts, { timeout: 5_000 }).toBe(0);
    } finally {
      if (existsSync(`${manifestPath}.away`)) restore();
      await liveServer.close();
    }
  });

  it('shows the artifact path and the checkout command as the CLI has them', async () => {
    await open(`#/runs/${notedRunId}`);
    await expect.poll(() => page.locator('mlt-run-page h1').textContent()).toBe('noted');
    const shown = (await page.locator('mlt-run-page .artifact-uri').textContent())!;
    expect(shown).not.toContain('.mltrack-root');
    expect(shown).toBe(`mlruns/${fx.experimentId}/${notedRunId}/artifacts`);
    // The CLI's artifact URI ends with the same path below the project.
    const cliUri = JSON.parse(run(['runs', 'show', notedRunId, '--json'])).run.info.artifact_uri as string;
    expect(cliUri.endsWith(`/${shown}`)).toBe(true);
    expect(await page.locator('mlt-run-page').evaluate((el) => el.shadowRoot!.innerHTML.includes('.mltrack-root'))).toBe(false);

    const hint = (await page.locator('mlt-run-page .checkout-hint').textContent())!;
    expect(hint).toBe(`mltrack runs checkout-source ${notedRunId} DIR`);
    // The command it suggests exists.
    const help = spawnCli(['runs', 'checkout-source', '--help'], { cwd: fx.proj, env: fx.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('checkout-source [options] <run-id> <dir>');
  });

  it('renders a Markdown description, with raw HTML and javascript: links made harmless', async () => {
    await open(`#/runs/${notedRunId}`);
    const md = page.locator('mlt-run-page .description .markdown');
    await expect.poll(() => md.count()).toBe(1);
    expect(await md.locator('h3').textContent()).toBe('Sweep notes');
    expect(await md.locator('strong').textContent()).toBe('early stopping');
    expect(await md.locator('em').textContent()).toBe('warm restarts');
    expect(await md.locator('code').textContent()).toBe('train.py');
    expect(await md.locator('li').allTextContents()).toEqual(['first point', 'second point']);
    const hrefs = await md.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['https://example.com/report']);
    const text = (await md.textContent())!;
    expect(text).toContain('bad link (javascript:window.__xss=1)');
    expect(text).toContain('<img src=x onerror="window.__xss=1">');
    expect(text).toContain('<script>window.__xss=1</script>');
    expect(await md.locator('img, script, [onerror]').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('draws round scatter ticks, readable parallel-coordinate labels and a colour scale', async () => {
    const ids = fx.runs.slice(0, 5).map((r) => r.run_id);
    await open(`#/compare?runs=${ids.join(',')}`);
    await expect.poll(() => page.locator('mlt-parallel-coords polyline').count()).toBe(5);
    const ticks = await page.locator('mlt-scatter text.ytick, mlt-scatter text.xtick').allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    // Round: a few significant digits at most (0.92, 0.925, 1.5, 20), never 0.91837.
    for (const t of ticks) expect(t).toMatch(/^-?\d+(\.\d{1,3})?$|^-?\d(\.\d+)?e-?\d+$/);
    // No two axis labels overlap.
    const labels = await page.locator('mlt-parallel-coords text.label').evaluateAll((els) => els.map((e) => (e as SVGTextElement).getBBox()).map((b) => ({ x: b.x, y: b.y, w: b.width, h: b.height })));
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i]!;
        const b = labels[j]!;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `labels ${i} and ${j} overlap`).toBe(false);
      }
    }
    const before = new Set(await page.locator('mlt-parallel-coords polyline').evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke'))));
    await page.locator('mlt-compare-page select[aria-label="Colour lines by metric"]').selectOption('metrics.val_accuracy');
    await expect.poll(() => page.locator('mlt-parallel-coords .legend').count()).toBe(1);
    expect(new URL(page.url()).hash).toContain('pc=metrics.val_accuracy');
    const strokes = await page.locator('mlt-parallel-coords polyline').evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke')!));
    expect(strokes.every((s) => s.startsWith('rgb('))).toBe(true);
    expect(strokes.some((s) => before.has(s))).toBe(false);
    // The best run gets the top of the scale (yellow), the worst the bottom (dark violet).
    const acc = fx.runs.slice(0, 5).map((r) => r.val_accuracy);
    const best = acc.indexOf(Math.max(...acc));
    const worst = acc.indexOf(Math.min(...acc));
    expect(strokes[best]).toBe('rgb(253, 231, 37)');
    expect(strokes[worst]).toBe('rgb(68, 1, 84)');
    await page.locator('mlt-compare-page section[aria-labelledby="h-pc"]').screenshot({ path: join(SHOTS, 'compare-colour-scale.png') });
    await page.locator('mlt-compare-page section[aria-labelledby="h-scatter"]').screenshot({ path: join(SHOTS, 'compare-scatter.png') });
  });

  it('says "1 version" and "2 versions", and shows the model\'s history', async () => {
    await open('#/models');
    await expect.poll(() => page.locator('mlt-models-page a', { hasText: MODEL }).count()).toBe(1);
    const sub = (await page.locator('mlt-models-page .sub').textContent())!;
    expect(sub).toMatch(/^2 models, 3 versions$/);
    await open(`#/models/${encodeURIComponent(MODEL)}`);
    await expect.poll(() => page.locator('mlt-model-page .version-count').textContent()).toBe('2 versions');
    await expect.poll(() => page.locator('mlt-model-page ol.timeline li').count()).toBe(4);
    await page.locator('mlt-model-page h2', { hasText: 'Stage history' }).scrollIntoViewIfNeeded();
    await shot('model-history');
    await open('#/models');
    await expect.poll(() => page.locator('mlt-models-page tbody a').count()).toBe(2);
    const other = (await page.locator('mlt-models-page tbody a').allTextContents()).find((n) => n !== MODEL)!;
    await open(`#/models/${encodeURIComponent(other)}`);
    await expect.poll(() => page.locator('mlt-model-page .version-count').textContent()).toBe('1 version');
    expect(await page.locator('mlt-app').evaluate((el) => el.shadowRoot!.textContent)).not.toMatch(/\b1 (versions|runs|models|experiments)\b/);
    expect(pageErrors).toEqual([]);
  });
});
