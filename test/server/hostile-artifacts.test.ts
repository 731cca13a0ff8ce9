/**
 * The server's artifact routes (the proxied `mlflow-artifacts` service, `artifacts/list` and
 * `get-artifact`) against hostile paths: traversal plain and percent-encoded, absolute paths, `.git`
 * components, symlinks in an artifact folder that lead out of it, and runs whose artifact_uri
 * points into $HOME or /proc.
 * Each is refused with a stable code and MLflow's HTTP status; a sentinel scan of the scratch HOME
 * shows nothing written there, and no reply carries the planted secret.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanTree } from '../helpers/snapshot.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

const SECRET = 'AKIA-SENTINEL-SECRET-4242';


describe('hostile artifact paths through the server', () => {
  it('are refused with a stable code and status; nothing outside the artifact folder is read or written', async () => {
    const home = tempDir();
    writeFileSync(join(home, 'secret.txt'), SECRET);
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'id_rsa'), SECRET);
    const dir = tempDir();
    const env = isolatedEnv(home);
    const server = await startServerProcess(['--mlruns', 'mlruns'], { cwd: dir, env });
    const api = (method: string, path: string, args?: Record<string, unknown>) => call(server.url, method, path, args);
    const run = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
    const artifacts = join(dir, 'mlruns', '0', run, 'artifacts');
    const proxy = `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
    const base = `${proxy}/0/${run}/artifacts`;
    expect((await fetch(`${base}/ok.txt`, { method: 'PUT', body: 'fine' })).status).toBe(200);
    // Links a teammate (or a compromised job) left in the artifact folder.
    symlinkSync(home, join(artifacts, 'home'));
    symlinkSync(join(home, 'secret.txt'), join(artifacts, 'secret'));
    symlinkSync('../meta.yaml', join(artifacts, 'meta'));
    symlinkSync(join(home, 'nowhere'), join(artifacts, 'dangling'));
    // Runs whose artifact_uri points into HOME and into /proc.
    const elsewhere: Record<string, string> = {};
    for (const [what, uri] of [['home', `file://${home}`], ['proc', 'file:///proc/self']] as const) {
      const id = (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
      const meta = join(dir, 'mlruns', '0', id, 'meta.yaml');
      writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^artifact_uri: .*$/m, `artifact_uri: ${uri}`));
      elsewhere[what] = id;
    }
    const before = scanTree(home);
    const replies: string[] = [];

    const cases: Array<[method: string, path: string, status: number, code: string]> = [
      ['GET', `0/${run}/artifacts/%2e%2e/meta.yaml`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `0/${run}/artifacts/..%2F..%2F..%2Fsecret.txt`, 400, 'INVALID_PARAMETER_VALUE'],
      ['PUT', `0/${run}/artifacts/%2E%2E%2F%2E%2E%2Fmeta.yaml`, 400, 'INVALID_PARAMETER_VALUE'],
      ['DELETE', `0/${run}/artifacts/%2e%2e`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `%2F${home.slice(1).replace(/\//g, '%2F')}%2Fsecret.txt`, 400, 'INVALID_PARAMETER_VALUE'],
      ['PUT', `%2Ftmp%2Fplanted.txt`, 400, 'INVALID_PARAMETER_VALUE'],
      ['PUT', `0/${run}/artifacts/.git/config`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `0/${run}/artifacts/x/.GIT/hooks/pre-commit`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `0/${run}/artifacts/secret`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `0/${run}/artifacts/home/.ssh/id_rsa`, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `0/${run}/artifacts/meta`, 400, 'INVALID_PARAMETER_VALUE'],
      ['PUT', `0/${run}/artifacts/home/planted.txt`, 400, 'INVALID_PARAMETER_VALUE'],
      ['PUT', `0/${run}/artifacts/dangling`, 400, 'INVALID_PARAMETER_VALUE'],
      ['DELETE', `0/${run}/artifacts/home/secret.txt`, 400, 'INVALID_PARAMETER_VALUE'],
      ['DELETE', `0/${run}/artifacts/home`, 400, 'INVALID_PARAMETER_VALUE'],
    ];
    for (const [method, path, status, code] of cases) {
      const reply = await fetch(`${proxy}/${path}`, { method, body: method === 'PUT' ? SECRET : undefined });
      const text = await reply.text();
      replies.push(text);
      expect({ method, path, status: reply.status, code: JSON.parse(text).error_code }).toEqual({ method, path, status, code });
    }
    const listings: Array<[args: Record<string, unknown>, path: string, status: number, code: string]> = [
      [{ path: `0/${run}/artifacts/home` }, '/api/2.0/mlflow-artifacts/artifacts', 400, 'INVALID_PARAMETER_VALUE'],
      [{ path: `0/${run}/artifacts/%2e%2e` }, '/api/2.0/mlflow-artifacts/artifacts', 400, 'INVALID_PARAMETER_VALUE'],
      [{ run_id: run, path: 'home' }, '/artifacts/list', 400, 'INVALID_PARAMETER_VALUE'],
      [{ run_id: run, path: '../..' }, '/artifacts/list', 400, 'INVALID_PARAMETER_VALUE'],
      [{ run_id: elsewhere.home }, '/artifacts/list', 400, 'INVALID_PARAMETER_VALUE'],
      [{ run_id: elsewhere.proc }, '/artifacts/list', 400, 'INVALID_PARAMETER_VALUE'],
    ];
    const downloads: Array<[runId: string, path: string]> = [
      [run, 'secret'],
      [run, 'home/.ssh/id_rsa'],
      [run, 'meta'],
      [run, '../../meta.yaml'],
      [run, `${home}/secret.txt`],
      [run, '.git/config'],
      [elsewhere.home!, 'secret.txt'],
      [elsewhere.proc!, 'environ'],
    ];
    for (const [runId, path] of downloads) {
      const reply = await fetch(`${server.url}/get-artifact?run_uuid=${runId}&path=${encodeURIComponent(path)}`);
      const text = await reply.text();
      replies.push(text);
      expect({ path, status: reply.status, code: JSON.parse(text).error_code }).toEqual({ path, status: 400, code: 'INVALID_PARAMETER_VALUE' });
    }
    for (const [args, path, status, code] of listings) {
      const reply = await api('GET', path, args);
      replies.push(JSON.stringify(reply.body));
      expect({ args, status: reply.status, code: reply.body.error_code }).toEqual({ args, status, code });
    }

    // The folder's own files are still served; the links that leave it are not listed.
    const listed = await api('GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `0/${run}/artifacts` });
    expect(listed.body.files).toEqual([{ path: 'ok.txt', is_dir: false, file_size: 4 }]);
    expect((await api('GET', '/artifacts/list', { run_id: run })).body.files).toEqual([{ path: 'ok.txt', is_dir: false, file_size: 4 }]);
    expect(await (await fetch(`${base}/ok.txt`)).text()).toBe('fine');
    expect(await (await fetch(`${server.url}/get-artifact?run_uuid=${run}&path=ok.txt`)).text()).toBe('fine');
    expect((await fetch(`${server.url}/get-artifact?run_uuid=${run}&path=missing.txt`)).status).toBe(404);
    // A query value is decoded once: a double-encoded `..` is a file name inside the folder, not there.
    expect((await fetch(`${server.url}/get-artifact?run_uuid=${run}&path=${encodeURIComponent('%2e%2e/%2e%2e/meta.yaml')}`)).status).toBe(404);

    for (const text of replies) expect(text).not.toContain(SECRET);
    expect(scanTree(home)).toEqual(before);
    expect(existsSync('/tmp/planted.txt')).toBe(false);
    expect(readFileSync(join(dir, 'mlruns', '0', run, 'meta.yaml'), 'utf8')).toContain(`run_id: ${run}`);
    // One line per refusal at most, and no internal errors.
    expect(server.stderr()).not.toMatch(/INTERNAL|Error:/);
  }, 120_000);
});
