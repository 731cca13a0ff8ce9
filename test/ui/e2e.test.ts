/**
 * The static UI end to end, in headless Debian Chromium (playwright-core), against a site built
 * from the demo project and served from 127.0.0.1: filter, sort, open a run and see its chart,
 * compare three runs, the registry with its stage history, deep links that survive a reload,
 * keyboard use, both themes, and HTML in run data shown as inert text. Screenshots of each page
 * go to test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../../src/site/serveSite.js';
import { cli, makeFixture, MODEL, XSS, XSS_SCRIPT, type Fixture } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

let fx: Fixture;
let server: StaticServer;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

/** Query through every open shadow root. */
const DEEP_QUERY = `(selector) => {
  const out = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(selector)) out.push(el);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return out;
}`;

async function deepCount(selector: string): Promise<number> {
  return page.evaluate(`(${DEEP_QUERY})(${JSON.stringify(selector)}).length`) as Promise<number>;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}${hash}`);
}

/** A regular expression matching exactly this text. */
function exact(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function runsHash(): string {
  return `#/experiments/${fx.experimentId}`;
}

/** Names in the runs table, top to bottom. */
async function tableNames(): Promise<string[]> {
  return page.locator('mlt-runs-table .body .row .name a').allTextContents();
}

async function countText(): Promise<string> {
  return (await page.locator('mlt-runs-page .count').textContent()) ?? '';
}

// CI installs chromium, so there the browser tests always run.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('the static UI in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fx = makeFixture();
    const site = join(fx.home, 'site');
    cli(['site', 'build', '--out', site], fx.proj, fx.env);
    server = await startStaticServer(site, 0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fx?.cleanup();
  });

  it('lists the experiments', async () => {
    await open('#/');
    await expect.poll(() => page.locator('mlt-experiments-page a', { hasText: 'iris-softmax' }).count()).toBe(1);
    expect(await page.locator('mlt-experiments-page table').textContent()).toContain('10');
    await shot('experiments');
  });

  it('filters the runs table with MLflow\'s grammar, as `runs search` does', async () => {
    await open(runsHash());
    await expect.poll(countText).toBe('10 of 10 runs');
    const expected = JSON.parse(cli(['runs', 'search', 'metrics.val_accuracy < 0.9', '--json'], fx.proj, fx.env)).runs.map((r: { info: { run_name: string } }) => r.info.run_name);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(9);
    const input = page.locator('mlt-runs-page input#filter');
    await input.fill('metrics.val_accuracy < 0.9');
    await input.press('Enter');
    await expect.poll(countText).toBe(`${expected.length} of 10 runs`);
    expect((await tableNames()).sort()).toEqual([...expected].sort());
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain('filter=metrics.val_accuracy < 0.9'.replace(/ /g, '+'));
    await shot('runs-filtered');

    // A filter that does not parse says why, in place.
    await input.fill('metrics.val_accuracy <');
    await input.press('Enter');
    await expect.poll(() => page.locator('mlt-runs-page .filter-error').count()).toBe(1);
    await input.fill('metrics.val_accuracy < 0.9');
    await input.press('Enter');
    await expect.poll(countText).toBe(`${expected.length} of 10 runs`);
  });

  it('sorts by a metric column, both ways', async () => {
    const filtered = fx.runs.filter((r) => r.val_accuracy < 0.9);
    const header = page.locator('mlt-runs-table .head button', { hasText: /^val_loss$/ });
    await header.click();
    const desc = [...filtered].sort((a, b) => b.val_loss - a.val_loss).map((r) => r.name);
    await expect.poll(tableNames).toEqual(desc);
    expect(await page.locator('mlt-runs-table .head [aria-sort="descending"]').count()).toBe(1);
    await header.click();
    await expect.poll(tableNames).toEqual([...desc].reverse());
    expect(new URL(page.url()).hash).toContain('order=metrics.val_loss+ASC');
    await shot('runs-sorted');
  });

  it('restores filter, order, columns and selection from a deep link after a reload', async () => {
    // Choose columns: hide `epochs`, show the tag `model_type`.
    await page.locator('mlt-column-picker summary').click();
    await page.locator('mlt-column-picker label', { hasText: /^epochs$/ }).locator('input').uncheck();
    await page.locator('mlt-column-picker label', { hasText: /^model_type$/ }).locator('input').check();
    await page.locator('mlt-column-picker summary').click();
    const boxes = page.locator('mlt-runs-table .body .row input[type="checkbox"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await expect.poll(() => page.locator('mlt-runs-page button.primary').textContent()).toContain('Compare (2)');
    const before = { url: page.url(), names: await tableNames(), headers: await page.locator('mlt-runs-table .head [role="columnheader"]').allTextContents() };
    expect(before.headers.map((h) => h.trim())).toContain('model_type');
    expect(before.headers.map((h) => h.trim())).not.toContain('epochs');

    await page.reload();
    await expect.poll(tableNames).toEqual(before.names);
    expect(page.url()).toBe(before.url);
    expect(await page.locator('mlt-runs-page input#filter').inputValue()).toBe('metrics.val_accuracy < 0.9');
    expect(await page.locator('mlt-runs-table .head [role="columnheader"]').allTextContents()).toEqual(before.headers);
    expect(await page.locator('mlt-runs-table .body .row[aria-selected="true"]').count()).toBe(2);
    expect(await page.locator('mlt-runs-table .head [aria-sort="ascending"]').textContent()).toContain('val_loss');
  });

  it('moves through the table with the keyboard and opens a run with Enter', async () => {
    const names = await tableNames();
    await page.locator('mlt-runs-table .scroller').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('mlt-run-page h1').textContent()).toBe(names[1]);
    await page.goBack();
    await expect.poll(tableNames).toEqual(names);
  });

  it('opens a run and draws its metric chart', async () => {
    const best = [...fx.runs].sort((a, b) => b.val_accuracy - a.val_accuracy)[0]!;
    await open(runsHash());
    await page.locator('mlt-runs-table a').filter({ hasText: exact(best.name) }).click();
    await expect.poll(() => page.locator('mlt-run-page h1').textContent()).toBe(best.name);
    expect(await page.locator('mlt-run-page table[aria-label="Parameters"]').textContent()).toContain('learning_rate');
    expect(await page.locator('mlt-run-page section[aria-labelledby="h-lineage"]').textContent()).toContain('training');
    await shot('run');

    await page.locator('mlt-run-page [role="tab"]', { hasText: 'Metric charts' }).click();
    await expect.poll(() => page.locator('mlt-metric-chart canvas').count()).toBe(4);
    // The val_loss series is drawn: pixels of the first palette colour (#1f77b4) on the canvas.
    const chart = page.locator('mlt-metric-chart', { hasText: 'val_loss' }).locator('canvas');
    await expect.poll(() => chart.evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x1f) < 40 && Math.abs(data[i + 1]! - 0x77) < 40 && Math.abs(data[i + 2]! - 0xb4) < 40 && data[i + 3]! > 100) n++;
      return n;
    }), { timeout: 10_000 }).toBeGreaterThan(100);
    await shot('run-charts');

    // Chart options are part of the link too.
    await page.locator('mlt-metrics-panel label', { hasText: 'Log scale' }).locator('input').check();
    await expect.poll(() => new URL(page.url()).hash).toContain('log=1');
    await page.reload();
    await expect.poll(() => page.locator('mlt-metric-chart canvas').count()).toBe(4);
    expect(await page.locator('mlt-metrics-panel label', { hasText: 'Log scale' }).locator('input').isChecked()).toBe(true);
  });

  it('compares three runs: overlaid histories, parallel coordinates, scatter and a diff table', async () => {
    await open(runsHash());
    await expect.poll(countText).toBe('10 of 10 runs');
    for (const run of fx.runs.slice(0, 3)) {
      await page.locator('mlt-runs-table .body .row').filter({ has: page.locator('a').filter({ hasText: exact(run.name) }) }).locator('input[type="checkbox"]').check();
    }
    await page.locator('mlt-runs-page button.primary', { hasText: 'Compare (3)' }).click();
    await expect.poll(() => page.locator('mlt-compare-page .runs li').count()).toBe(3);
    await expect.poll(() => page.locator('mlt-compare-page mlt-metric-chart canvas').count()).toBeGreaterThanOrEqual(4);
    // Three series in each chart's legend (plus the x entry).
    expect(await page.locator('mlt-compare-page mlt-metric-chart').first().locator('.u-legend .u-series').count()).toBe(4);
    expect(await page.locator('mlt-parallel-coords polyline').count()).toBe(3);
    expect(await page.locator('mlt-scatter circle').count()).toBe(3);
    const differs = await page.locator('mlt-compare-page tr.differs th').allTextContents();
    expect(differs.some((t) => t.includes('val_loss'))).toBe(true);
    expect(differs.some((t) => t.includes('epochs'))).toBe(false);
    await shot('compare');
    const url = page.url();
    await page.reload();
    await expect.poll(() => page.locator('mlt-parallel-coords polyline').count()).toBe(3);
    expect(page.url()).toBe(url);
  });

  it('shows the registry: versions, stages, aliases, and the stage history from git tags', async () => {
    await open('#/models');
    await expect.poll(() => page.locator('mlt-models-page a', { hasText: MODEL }).count()).toBe(1);
    const row = await page.locator('mlt-models-page tbody tr', { hasText: MODEL }).textContent();
    expect(row).toContain('v2 Production');
    expect(row).toContain('v1 Staging');
    expect(row).toContain('@champion');
    await shot('models');

    await page.locator('mlt-models-page a', { hasText: MODEL }).click();
    await expect.poll(() => page.locator('mlt-model-page h1').textContent()).toBe(MODEL);
    expect(await page.locator('mlt-model-page table[aria-label="Model versions"] tbody tr').count()).toBe(2);
    const history = await page.locator('mlt-model-page ol.timeline').textContent();
    expect(history).toContain('v2 → Production');
    expect(history).toContain('best validation accuracy');
    expect(history).toContain('Test User');
    // The version links back to its run.
    await expect.poll(() => page.locator('mlt-model-page table[aria-label="Model versions"] a').count()).toBe(2);
    await shot('model');
    await page.reload();
    await expect.poll(() => page.locator('mlt-model-page ol.timeline li').count()).toBe(4);
  });

  it('shows the tracking history with links to runs and models', async () => {
    await open('#/history');
    await expect.poll(() => page.locator('mlt-history-page tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('mlt-history-page a', { hasText: MODEL }).count()).toBeGreaterThan(0);
    await shot('history');
  });

  it('renders HTML and script in run data as inert text', async () => {
    await open(runsHash());
    await expect.poll(countText).toBe('10 of 10 runs');
    expect(await tableNames()).toContain(XSS);
    await open(`#/runs/${fx.xssRunId}`);
    await expect.poll(() => page.locator('mlt-run-page h1').textContent()).toBe(XSS);
    expect(await page.locator('mlt-run-page table[aria-label="Parameters"]').textContent()).toContain(XSS_SCRIPT);
    expect(await page.locator('mlt-run-page .description').textContent()).toBe(`${XSS_SCRIPT} described`);
    expect(await page.locator('mlt-run-page table[aria-label="Tags"]').textContent()).toContain(XSS);
    await shot('xss-run');
    for (const path of ['evil.html', 'evil.svg', 'table.csv', 'model/MLmodel']) {
      await open(`#/runs/${fx.xssRunId}?tab=artifacts&path=${encodeURIComponent(path)}`);
      await expect.poll(() => page.locator('mlt-artifact-browser .preview .path').textContent()).toContain(path);
      await expect.poll(() => page.locator('mlt-artifact-browser .loading').count()).toBe(0);
    }
    expect(await page.locator('mlt-artifact-browser .preview').textContent()).toContain('Flavors');
    await open(`#/runs/${fx.xssRunId}?tab=artifacts&path=evil.html`);
    await expect.poll(() => page.locator('mlt-artifact-browser pre').textContent()).toContain(XSS);
    await shot('xss-artifact');
    await open(`#/models/${encodeURIComponent(MODEL)}`);
    await expect.poll(() => page.locator('mlt-model-page table[aria-label="Model tags"]').textContent()).toContain(XSS);
    await page.waitForTimeout(300);

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await deepCount('img[src="x"], script:not([src])')).toBe(0);
  });

  it('switches to the dark theme and keeps it', async () => {
    await open(runsHash());
    await expect.poll(countText).toBe('10 of 10 runs');
    await page.locator('mlt-app header button', { hasText: 'Dark' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(20, 23, 28)');
    await shot('runs-dark');
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await open(`#/runs/${fx.runs[0]!.run_id}?tab=metrics`);
    await expect.poll(() => page.locator('mlt-metric-chart canvas').count()).toBe(4);
    await shot('run-charts-dark');
    await page.locator('mlt-app header button', { hasText: 'Light' }).click();
  });

  it('works from a sub-path, as on a GitHub Pages project site', async () => {
    const parent = await startStaticServer(fx.home, 0);
    try {
      await page.goto(`${parent.url}site/#/experiments/${fx.experimentId}?filter=${encodeURIComponent('metrics.val_accuracy < 0.9')}`);
      await expect.poll(countText).toMatch(/^\d+ of 10 runs$/);
      await page.locator('mlt-runs-table .body .row a').first().click();
      await page.locator('mlt-run-page [role="tab"]', { hasText: 'Metric charts' }).click();
      await expect.poll(() => page.locator('mlt-metric-chart canvas').count()).toBe(4);
      expect(new URL(page.url()).pathname).toBe('/site/');
    } finally {
      await parent.close();
    }
  });

  it('has labels for screen readers on its controls and no page errors', async () => {
    await open(runsHash());
    await expect.poll(countText).toBe('10 of 10 runs');
    const unlabelled = await page.evaluate(`(${DEEP_QUERY})('input, select, button').filter((el) => {
      const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.labels && el.labels.length) || (el.textContent || '').trim();
      return !labelled && el.type !== 'hidden';
    }).map((el) => el.outerHTML)`);
    expect(unlabelled).toEqual([]);
    expect(await page.locator('mlt-runs-table [role="grid"]').getAttribute('aria-rowcount')).toBe('12');
    expect(pageErrors).toEqual([]);
  });
});
