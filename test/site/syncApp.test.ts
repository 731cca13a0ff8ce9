/**
 * The app's update in a site built on in place (`syncApp`), killed at each file (fault point
 * `site:app`): the page left references only assets that are there (old page and old assets, or
 * new page and new assets), and the next update leaves exactly the new app, no temporary file.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncApp } from '../../src/site/buildSite.js';
import { tempDir } from '../helpers/env.js';

const DIST_BUILD = fileURLToPath(new URL('../../dist/site/buildSite.js', import.meta.url));

function app(dir: string, version: number): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const name of ['a', 'b', 'c']) writeFileSync(join(dir, 'assets', `${name}-${version}.js`), `/* ${name} ${version} */`);
  writeFileSync(join(dir, 'favicon.ico'), `icon ${version}`);
  writeFileSync(join(dir, 'index.html'), ['a', 'b', 'c'].map((n) => `<script src="assets/${n}-${version}.js"></script>`).join('\n'));
  return dir;
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (rel === 'data' || rel.startsWith('data/')) continue;
    try {
      out[rel] = readFileSync(join(dir, rel), 'utf8');
    } catch {
      // a directory
    }
  }
  return out;
}

/** Every asset the page names is there. */
function expectConsistent(site: string): void {
  const html = readFileSync(join(site, 'index.html'), 'utf8');
  for (const [, src] of html.matchAll(/src="([^"]+)"/g)) expect(readdirSync(join(site, 'assets')), src).toContain(src!.slice('assets/'.length));
}

describe('syncApp', () => {
  it.each([1, 2, 3, 4, 5])('killed at file %i leaves a consistent page, and the next update the new app', (n) => {
    const root = tempDir('mltrack-sync-app-');
    const v1 = app(join(root, 'v1'), 1);
    const v2 = app(join(root, 'v2'), 2);
    const site = join(root, 'site');
    syncApp(v1, site);
    mkdirSync(join(site, 'data'));
    writeFileSync(join(site, 'data', 'site.json'), '{}');
    const script = `const { syncApp } = await import(${JSON.stringify(DIST_BUILD)}); syncApp(process.argv[1], process.argv[2]);`;
    const killed = spawnSync(process.execPath, ['--input-type=module', '-e', script, v2, site], { encoding: 'utf8', env: { ...process.env, MLTRACK_FAULT: `site:app:${n}` } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expectConsistent(site);
    syncApp(v2, site);
    expect(files(site)).toEqual(files(v2));
    // data/ is not the app's: left alone.
    expect(readFileSync(join(site, 'data', 'site.json'), 'utf8')).toBe('{}');
  });
});
