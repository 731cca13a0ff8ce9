/**
 * Input that would make a tree unpushable or leak files: names git refuses (GIT_UNSAFE_NAME) are
 * refused when logged, and `log-artifact DIR` checks the whole folder first (UNSAFE_ARTIFACT):
 * symlinks out of it, FIFOs and sockets are refused with nothing copied. The ui server answers only
 * to its own Host, and serves artifact copies sandboxed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMltrackError } from '../../src/format/errors.js';
import { gitUnsafeComponent } from '../../src/format/validation.js';
import { FileStore } from '../../src/store/FileStore.js';
import { RegistryStore } from '../../src/store/RegistryStore.js';
import { headersFor, startStaticServer } from '../../src/site/serveSite.js';
import { tempDir } from '../helpers/env.js';

async function codeOf(action: () => unknown): Promise<string | null> {
  try {
    await action();
    return null;
  } catch (err) {
    if (isMltrackError(err)) return err.code;
    throw err;
  }
}

async function setup() {
  const dir = tempDir();
  const root = join(dir, 'mlruns');
  const store = new FileStore(root);
  const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
  return { dir, root, store, runId: info.runId, artifacts: join(root, '0', info.runId, 'artifacts') };
}

describe('names git refuses', () => {
  it('finds a .git component in any case and spelling git drops', () => {
    for (const name of ['.git', '.GIT', 'a/.Git/b', '.git.', '.git ', 'x/git~1']) expect(gitUnsafeComponent(name), name).not.toBeNull();
    for (const name of ['git', '.github', 'a.git', '.gitignore', 'x/.gitkeep']) expect(gitUnsafeComponent(name), name).toBeNull();
  });

  it('refuses metric, param and tag keys, artifact paths, experiment and model names with a .git component, writing nothing', async () => {
    const { dir, root, store, runId, artifacts } = await setup();
    const before = readdirSync(join(root, '0', runId), { recursive: true }).length;
    expect(await codeOf(() => store.logMetric(runId, { key: '.git', value: 1, timestamp: 1, step: 0 }))).toBe('GIT_UNSAFE_NAME');
    expect(await codeOf(() => store.logParam(runId, 'a/.GIT/b', '1'))).toBe('GIT_UNSAFE_NAME');
    expect(await codeOf(() => store.setTag(runId, '.Git', 'x'))).toBe('GIT_UNSAFE_NAME');
    writeFileSync(join(dir, 'f.txt'), 'x');
    expect(await codeOf(() => store.logArtifact(runId, join(dir, 'f.txt'), 'out/.git'))).toBe('GIT_UNSAFE_NAME');
    mkdirSync(join(dir, 'clone', '.git'), { recursive: true });
    writeFileSync(join(dir, 'clone', '.git', 'config'), '[core]\n');
    writeFileSync(join(dir, 'clone', 'a.txt'), 'a');
    expect(await codeOf(() => store.logArtifact(runId, join(dir, 'clone')))).toBe('GIT_UNSAFE_NAME');
    expect(await codeOf(() => store.createExperiment('.git'))).toBe('GIT_UNSAFE_NAME');
    expect(await codeOf(() => new RegistryStore(root).createRegisteredModel('.GIT'))).toBe('GIT_UNSAFE_NAME');
    expect(readdirSync(join(root, '0', runId), { recursive: true }).length).toBe(before);
    expect(existsSync(join(artifacts, 'a.txt'))).toBe(false);
    // An honest name next to it still logs.
    await store.logParam(runId, '.github', '1');
  });
});

describe('log-artifact of a folder', () => {
  it('refuses a symlink that leaves the folder, naming it, and copies nothing', async () => {
    const { dir, store, runId, artifacts } = await setup();
    const local = join(dir, 'out');
    mkdirSync(local);
    writeFileSync(join(dir, 'secret'), 'SECRET');
    writeFileSync(join(local, 'a.txt'), 'a');
    symlinkSync(join(dir, 'secret'), join(local, 'z-link'));
    let message = '';
    try {
      await store.logArtifact(runId, local);
    } catch (err) {
      expect(isMltrackError(err) && err.code).toBe('UNSAFE_ARTIFACT');
      message = (err as Error).message;
    }
    expect(message).toContain('z-link');
    expect(existsSync(join(artifacts, 'a.txt'))).toBe(false);
  });

  it('follows a symlink that stays inside, and refuses a dangling one and a loop', async () => {
    const { dir, store, runId, artifacts } = await setup();
    const local = join(dir, 'in');
    mkdirSync(join(local, 'sub'), { recursive: true });
    writeFileSync(join(local, 'sub', 'w.bin'), 'w');
    symlinkSync(join(local, 'sub', 'w.bin'), join(local, 'alias.bin'));
    expect((await store.logArtifact(runId, local)).sort()).toEqual(['alias.bin', 'sub/w.bin']);
    symlinkSync('..', join(local, 'sub', 'up'));
    expect(await codeOf(() => store.logArtifact(runId, local, 'again'))).toBe('UNSAFE_ARTIFACT');
    expect(existsSync(join(artifacts, 'again'))).toBe(false);
  });

  it('refuses a FIFO and a socket without opening them', async () => {
    const { dir, store, runId } = await setup();
    const local = join(dir, 'special');
    mkdirSync(local);
    execFileSync('mkfifo', [join(local, 'pipe')]);
    expect(await codeOf(() => store.logArtifact(runId, local))).toBe('UNSAFE_ARTIFACT');
    expect(await codeOf(() => store.logArtifact(runId, join(local, 'pipe')))).toBe('UNSAFE_ARTIFACT');
    const sockDir = join(dir, 'sock');
    mkdirSync(sockDir);
    const server = createServer().listen(join(sockDir, 's.sock'));
    await new Promise((done) => server.once('listening', done));
    try {
      expect(await codeOf(() => store.logArtifact(runId, sockDir))).toBe('UNSAFE_ARTIFACT');
    } finally {
      server.close();
    }
  });
});

function get(port: number, host: string, path = '/'): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    }).on('error', reject).end();
  });
}

describe('the ui server', () => {
  it('answers only to its own address (DNS rebinding gets 421)', async () => {
    const site = tempDir();
    writeFileSync(join(site, 'index.html'), '<p>app</p>');
    const server = await startStaticServer(site, 0, '127.0.0.1');
    try {
      expect((await get(server.port, `127.0.0.1:${server.port}`)).status).toBe(200);
      expect((await get(server.port, `localhost:${server.port}`)).status).toBe(200);
      expect((await get(server.port, `evil.example:${server.port}`)).status).toBe(421);
      expect((await get(server.port, '127.0.0.1:1')).status).toBe(421);
    } finally {
      await server.close();
    }
  });

  it('serves artifact copies sandboxed, nosniff, and as downloads unless an image or text', () => {
    const root = '/site';
    const bin = headersFor('/site/data/runs/r1/artifacts/model.pkl.bin', root);
    expect(bin).toMatchObject({ 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment', 'X-Content-Type-Options': 'nosniff' });
    expect(bin['Content-Security-Policy']).toMatch(/^sandbox/);
    expect(headersFor('/site/data/runs/r1/artifacts/evil.svg.txt', root)['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(headersFor('/site/data/runs/r1/artifacts/plot.png', root)['Content-Disposition']).toBeUndefined();
    expect(headersFor('/site/index.html', root)['Content-Security-Policy']).toBeUndefined();
  });
});
