/**
 * `mltrack ui` serves the site on 127.0.0.1 and rebuilds it when the runs change; `mltrack publish`
 * commits the site to gh-pages with git plumbing (HEAD, index and work tree untouched) and pushes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveStatic } from '../../src/site/serveSite.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { git } from '../helpers/env.js';
import { cli, makeFixture, type Fixture } from './fixture.js';

let fx: Fixture;

beforeAll(() => {
  fx = makeFixture({ extras: false });
}, 180_000);

afterAll(() => fx?.cleanup());

async function until<T>(what: string, f: () => Promise<T | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('mltrack ui', () => {
  it('serves the site on localhost and rebuilds it when a run is logged', async () => {
    const child = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--json'], { cwd: fx.proj, env: fx.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const started = await until('the server', async () => (stdout.includes('}') ? (JSON.parse(stdout) as { url: string; watching: string | null }) : null));
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(started.watching).toMatch(/watch|poll/);
      const html = await (await fetch(started.url)).text();
      expect(html).toContain('<mlt-app>');
      const manifest = await (await fetch(`${started.url}data/site.json`)).json();
      expect(manifest.live).toBe(true);
      const exp = manifest.experiments.find((e: { name: string }) => e.name === 'iris-softmax');
      expect(exp.runCount).toBe(9);
      expect((await fetch(`${started.url}../../etc/passwd`)).status).toBe(404);
      expect((await fetch(`${started.url}%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);

      cli(['start-run', '-n', 'late-run'], fx.proj, fx.env);
      const rebuilt = await until('the rebuild', async () => {
        const m = await (await fetch(`${started.url}data/site.json`)).json();
        const e = m.experiments.find((x: { name: string }) => x.name === 'iris-softmax');
        return e.runCount === 10 ? m : null;
      });
      expect(rebuilt.builtAt).toBeGreaterThan(manifest.builtAt);
      // Incremental: the nine demo runs are taken from the previous build, only the new one is read.
      await until('the rebuild message', async () => /rebuilt: 10 runs, 1 changed/.test(stderr));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/error/i);
  }, 90_000);

  it('says so when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = spawnCli(['ui', '--port', String(port)], { cwd: fx.proj, env: fx.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} is in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('serves only files inside its root', () => {
    const root = join(fx.proj, 'mlruns');
    expect(resolveStatic(root, '/../.mltrack.yml')).toBeNull();
    expect(resolveStatic(root, '/%2e%2e/.mltrack.yml')).toBeNull();
    expect(resolveStatic(root, '/nothing-here')).toBeNull();
  });
});

describe('mltrack publish', () => {
  it('commits the site of the tracking branch to gh-pages without touching HEAD, the index or the work tree', () => {
    const head = git(fx.proj, fx.env, 'rev-parse', 'HEAD');
    const status = git(fx.proj, fx.env, 'status', '--porcelain');
    const out = JSON.parse(cli(['publish', '--json'], fx.proj, fx.env));
    expect(out).toMatchObject({ branch: 'gh-pages', changed: true, pushed: false, remote: null, parent: null });
    expect(git(fx.proj, fx.env, 'rev-parse', 'gh-pages')).toBe(out.commit);
    expect(git(fx.proj, fx.env, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(fx.proj, fx.env, 'status', '--porcelain')).toBe(status);
    const files = git(fx.proj, fx.env, 'ls-tree', '-r', '--name-only', 'gh-pages').split('\n');
    expect(files).toContain('index.html');
    expect(files).toContain('.nojekyll');
    expect(files).toContain('data/site.json');
    const manifest = JSON.parse(git(fx.proj, fx.env, 'show', 'gh-pages:data/site.json'));
    expect(manifest.source).toMatchObject({ kind: 'revision', rev: 'mltrack', commit: git(fx.proj, fx.env, 'rev-parse', 'mltrack') });
    expect(git(fx.proj, fx.env, 'log', '-1', '--format=%s', 'gh-pages')).toMatch(/^mltrack publish: site of mltrack/);
    git(fx.proj, fx.env, 'fsck', '--no-progress');
    // The same runs again: nothing new to publish.
    const again = JSON.parse(cli(['publish', '--json'], fx.proj, fx.env));
    expect(again).toMatchObject({ changed: false, commit: out.commit });
  });

  it('publishes again on top of the previous site, and pushes to a remote', () => {
    const before = git(fx.proj, fx.env, 'rev-parse', 'gh-pages');
    cli(['start-run', '-n', 'another'], fx.proj, fx.env);
    cli(['commit'], fx.proj, fx.env);
    const bare = join(fx.home, 'remote.git');
    git(fx.home, fx.env, 'init', '-q', '--bare', bare);
    git(fx.proj, fx.env, 'remote', 'add', 'origin', bare);
    git(fx.proj, fx.env, 'push', '-q', 'origin', 'HEAD:refs/heads/main', 'mltrack');
    const out = JSON.parse(cli(['publish', '--json'], fx.proj, fx.env));
    expect(out).toMatchObject({ changed: true, pushed: true, remote: 'origin', parent: before });
    expect(git(fx.home, fx.env, '--git-dir', bare, 'rev-parse', 'gh-pages')).toBe(out.commit);
    expect(git(fx.home, fx.env, '--git-dir', bare, 'show', 'gh-pages:index.html')).toContain('<mlt-app>');

    // A second clone publishes too: its commit builds on the remote's, so the push is a fast-forward.
    const other = join(fx.home, 'other');
    git(fx.home, fx.env, 'clone', '-q', bare, other);
    git(other, fx.env, 'fetch', '-q', 'origin', 'mltrack:mltrack');
    const theirs = JSON.parse(cli(['publish', '--json', '--no-push'], other, fx.env));
    expect(theirs.changed).toBe(true);
    const again = JSON.parse(cli(['publish', '--json'], other, fx.env));
    expect(again.pushed).toBe(true);
    expect(git(fx.home, fx.env, '--git-dir', bare, 'merge-base', '--is-ancestor', out.commit, again.commit)).toBe('');
  });

  it('publishes the working tree on request, and refuses a remote that does not exist', () => {
    const entries = readdirSync(fx.proj).sort();
    const out = JSON.parse(cli(['publish', '--worktree', '--no-push', '--branch', 'pages-test', '--json'], fx.proj, fx.env));
    expect(JSON.parse(git(fx.proj, fx.env, 'show', `${out.commit}:data/site.json`)).source).toEqual({ kind: 'worktree' });
    const bad = spawnCli(['publish', '--remote', 'nowhere'], { cwd: fx.proj, env: fx.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/NOT_FOUND.*nowhere/);
    expect(readdirSync(fx.proj).sort()).toEqual(entries);
  });
});
