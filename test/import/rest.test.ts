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
import { runCli } from '../helpers/cli.js';
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
async function flakyProxy(target: string, failures: number, how: '503' | 'drop'): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const t = new URL(target);
  let seen = 0;
  const server: Server = createServer((req, res) => {
    seen++;
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
  return { url: `http://127.0.0.1:${port}`, requests: () => seen, close: () => new Promise((done) => server.close(() => done())) };
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
