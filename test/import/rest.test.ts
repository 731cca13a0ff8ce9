/**
 * `mltrack import http(s)://SERVER` through MLflow's REST API, against a real `mltrack server`
 * process standing in for an MLflow server: the server serves a tree made by importing MLflow's own
 * database (test/fixtures/mlflow-sqlite), and the tree imported through the server must read the
 * same as that tree read from disk.
 */
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { importRest } from '../../src/import/importRest.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { startServerProcess } from '../helpers/server.js';
import { verifyTree } from '../../src/verify/verifyTree.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { readWholeTree } from './readWholeTree.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/mlflow-sqlite/', import.meta.url));

beforeAll(() => {
  Object.assign(process.env, { GIT_AUTHOR_NAME: 'Test User', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test User', GIT_COMMITTER_EMAIL: 'test@example.com' });
});

/** A git project; `env` for in-process CLI runs in it. */
function project(): { dir: string; cwd: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir();
  const env = isolatedEnv(dir);
  git(dir, { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' }, 'init', '-q');
  return { dir, cwd: dir, env };
}

/** The served side: MLflow's fixture database imported into a tree. */
async function servedTree(version: 'v2' | 'v3'): Promise<{ dir: string; env: NodeJS.ProcessEnv; mlruns: string }> {
  const p = project();
  const data = join(p.dir, 'source');
  mkdirSync(data);
  cpSync(join(FIXTURES, version), join(data, version), { recursive: true });
  const r = await runCli(['import', `sqlite:///${join(data, version, 'mlflow.db')}`, '--rebase', `/data/mlflow-sqlite=${data}`], p);
  expect(r.stderr).not.toContain('error');
  expect(r.code).toBe(0);
  return { ...p, mlruns: join(p.dir, 'mlruns') };
}

/**
 * An HTTP proxy in front of `target` that fails the first `failures` requests, either with 503 (and
 * Retry-After: 0, so the client retries at once) or by dropping the connection.
 */
async function flakyProxy(target: string, failures: number, how: '503' | 'drop'): Promise<{ url: string; requests: () => number; paths: string[]; close: () => Promise<void> }> {
  const t = new URL(target);
  let seen = 0;
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    seen++;
    paths.push(req.url ?? '');
    if (seen <= failures) {
      if (how === 'drop') req.socket.destroy();
      else res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}');
      return;
    }
    const forward = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests: () => seen, paths, close: () => new Promise((done) => server.close(() => done())) };
}

for (const version of ['v2', 'v3'] as const) {
  describe(`import through the REST API of a server over MLflow's ${version} history`, () => {
    it('gives the same tree as reading it from disk; verify passes; a second import writes nothing', async () => {
      const served = await servedTree(version);
      const server = await startServerProcess([], { cwd: served.dir, env: served.env });
      const target = project();
      const first = await runCli(['--json', 'import', server.url], target);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      const summary = JSON.parse(first.stdout);
      expect(summary.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(summary.counts.runs).toBe(28);

      // Left out of the run info: deleted_time, which MLflow's REST API does not carry.
      const fromDisk = await readWholeTree(served.mlruns, { omitRunFields: ['deletedTime'] });
      const fromServer = await readWholeTree(join(target.dir, 'mlruns'), { omitRunFields: ['deletedTime'] });
      expect(fromServer.experiments).toEqual(fromDisk.experiments);
      expect(Object.keys(fromServer.runs as object).sort()).toEqual(Object.keys(fromDisk.runs as object).sort());
      for (const [id, run] of Object.entries(fromDisk.runs as Record<string, Record<string, unknown>>)) {
        const got = (fromServer.runs as Record<string, Record<string, unknown>>)[id]!;
        // Left out: [3.x] the run's model inputs and outputs. MLflow's GetRun sends them
        // (`inputs.model_inputs`, `outputs.model_outputs`) and the importer reads them, but mltrack
        // server's run JSON does not carry them yet, so through it they cannot arrive.
        const { modelInputs: _i, modelOutputs: _o, ...expected } = run;
        const { modelInputs: _gi, modelOutputs: _go, ...actual } = got;
        expect({ id, ...actual }).toEqual({ id, ...expected });
      }
      expect(fromServer.loggedModels).toEqual(fromDisk.loggedModels);
      expect(fromServer.registeredModels).toEqual(fromDisk.registeredModels);
      expect(fromServer.modelVersions).toEqual(fromDisk.modelVersions);
      expect((fromDisk.modelVersions as unknown[]).length).toBe(4); // not vacuous: the fixture's live versions

      const { problems } = await verifyTree(new FsTreeReader(join(target.dir, 'mlruns')));
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(checkMlruns(join(target.dir, 'mlruns')).problems).toEqual([]);

      const head = git(target.dir, process.env, 'rev-parse', 'mltrack');
      const again = JSON.parse((await runCli(['--json', 'import', server.url], target)).stdout);
      expect(again.files_written).toBe(0);
      expect(again.commit).toBeNull();
      expect(git(target.dir, process.env, 'rev-parse', 'mltrack')).toBe(head);
    });
  });
}

describe('a server that fails, pages, or wants credentials', () => {
  it('retries the first failed calls (503 with Retry-After, dropped connections) and imports the same tree', async () => {
    const served = await servedTree('v2');
    const server = await startServerProcess([], { cwd: served.dir, env: served.env });
    const reference = project();
    expect((await runCli(['import', server.url], reference)).code).toBe(0);
    for (const how of ['503', 'drop'] as const) {
      const proxy = await flakyProxy(server.url, 3, how);
      const target = project();
      const r = await runCli(['--json', 'import', proxy.url], target);
      await proxy.close();
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).retried).toBe(3);
      expect(await readWholeTree(join(target.dir, 'mlruns'))).toEqual(await readWholeTree(join(reference.dir, 'mlruns')));
    }
  });

  it('gives up with SOURCE_UNAVAILABLE when the server keeps failing, and writes nothing', async () => {
    const served = await servedTree('v2');
    const server = await startServerProcess([], { cwd: served.dir, env: served.env });
    const proxy = await flakyProxy(server.url, Infinity, '503');
    const target = project();
    const r = await runCli(['import', proxy.url], target);
    await proxy.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mltrack: error SOURCE_UNAVAILABLE: .*HTTP 503 after 6 attempts\n$/);
    expect(proxy.requests()).toBe(6);
    expect(readdirSync(target.dir)).not.toContain('mlruns');
    // Nothing listens: connection refused, retried with backoff (1 ms here), then the same code.
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    const options = { uri: `http://127.0.0.1:${port}`, mlruns: join(target.dir, 'mlruns'), commit: null, artifacts: 'copy' as const, rebases: [], dryRun: false, rest: { backoffMs: 1 } };
    await expect(importRest(options)).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE', message: expect.stringMatching(/ECONNREFUSED after 6 attempts/) });
    expect(readdirSync(target.dir)).not.toContain('mlruns');
  });

  it('pages through every list: small pages give the same tree as one page', async () => {
    const served = await servedTree('v3');
    const server = await startServerProcess([], { cwd: served.dir, env: served.env });
    const whole = project();
    const paged = project();
    const options = { uri: server.url, commit: null, artifacts: 'copy' as const, rebases: [], dryRun: false };
    const one = await importRest({ ...options, mlruns: join(whole.dir, 'mlruns') });
    const proxy = await flakyProxy(server.url, 0, '503');
    const small = await importRest({ ...options, uri: proxy.url, mlruns: join(paged.dir, 'mlruns'), rest: { pageSize: 2 } });
    await proxy.close();
    expect(small.counts).toEqual(one.counts);
    expect(await readWholeTree(join(paged.dir, 'mlruns'))).toEqual(await readWholeTree(join(whole.dir, 'mlruns')));
    // 28 runs in pages of 2 alone take 14 searches: paging really happened.
    expect(proxy.requests()).toBeGreaterThan(one.counts.runs / 2);
  });

  it('sends MLFLOW_TRACKING_USERNAME/PASSWORD and MLFLOW_TRACKING_TOKEN; without them, AUTH_REQUIRED', async () => {
    const served = await servedTree('v2');
    const env = { ...served.env, READER_PW: 'reader-secret' };
    expect(spawnCli(['server', 'add-user', 'reader', '--role', 'read', '--file', 'users.yml', '--password-env', 'READER_PW'], { cwd: served.dir, env }).code).toBe(0);
    const added = spawnCli(['server', 'add-user', 'bot', '--role', 'read', '--file', 'users.yml', '--token', '--json'], { cwd: served.dir, env });
    const token = JSON.parse(added.stdout).token as string;
    const server = await startServerProcess(['--users', 'users.yml'], { cwd: served.dir, env });
    const none = project();
    const refused = await runCli(['import', server.url], none);
    expect(refused.stderr).toMatch(/^mltrack: error AUTH_REQUIRED: .*MLFLOW_TRACKING_USERNAME/);
    expect(readdirSync(none.dir)).not.toContain('mlruns');
    const basic = project();
    expect((await runCli(['import', server.url], { ...basic, env: { ...basic.env, MLFLOW_TRACKING_USERNAME: 'reader', MLFLOW_TRACKING_PASSWORD: 'reader-secret' } })).code).toBe(0);
    const bearer = project();
    expect((await runCli(['import', server.url], { ...bearer, env: { ...bearer.env, MLFLOW_TRACKING_TOKEN: token } })).code).toBe(0);
    expect(await readWholeTree(join(bearer.dir, 'mlruns'))).toEqual(await readWholeTree(join(basic.dir, 'mlruns')));
    expect(statSync(join(basic.dir, 'mlruns', '1')).isDirectory()).toBe(true);
  });
});

describe('the summary, --dry-run and progress for a server', () => {
  it('--dry-run counts what it would write and writes nothing; a terminal gets a progress bar, then the table', async () => {
    const served = await servedTree('v2');
    const server = await startServerProcess([], { cwd: served.dir, env: served.env });
    const target = project();
    const proxy = await flakyProxy(server.url, 0, '503');
    const dry = JSON.parse((await runCli(['--json', 'import', proxy.url, '--dry-run'], target)).stdout);
    await proxy.close();
    // Artifacts are listed for the counts, never downloaded.
    expect(proxy.paths.filter((p) => p.startsWith('/api/2.0/mlflow-artifacts/'))).toEqual([]);
    expect(proxy.paths.filter((p) => p.startsWith('/api/2.0/mlflow/artifacts/list')).length).toBeGreaterThan(0);
    expect(dry).toMatchObject({ dry_run: true, commit: null, revision: null, counts: { experiments: 4, runs: 28, registered_models: 2, model_versions: 4 } });
    expect(dry.files_written).toBeGreaterThan(100);
    expect(dry.counts.artifact_bytes).toBeGreaterThan(0);
    expect(readdirSync(target.dir)).not.toContain('mlruns');
    let stdout = '';
    let tty = '';
    const code = await main(['import', server.url], { cwd: target.dir, streams: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (tty += t), isTTY: true }, env: target.env } });
    expect(code).toBe(0);
    expect(tty).toMatch(/\rimporting \[#+ *\] 28\/28/);
    expect(stdout).toMatch(/^imported http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/runs +28/);
    expect(stdout).toContain(`artifact files     ${dry.counts.artifact_files} (${dry.counts.artifact_bytes} bytes)`);
    const again = JSON.parse((await runCli(['--json', 'import', server.url, '--dry-run'], target)).stdout);
    expect(again.files_written).toBe(0); // a dry run over an up-to-date tree: nothing would be written
  });
});
