/**
 * Users and roles: a non-loopback bind refuses to start without users and refuses unauthenticated
 * writes; a write user cannot move a version to Production; the registry change records who made it,
 * in the version's files and in the git tag. The server binds 0.0.0.0 but every request goes to 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/server/auth.js';
import { isProtected, readServerSettings } from '../../src/server/protection.js';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('bind policy', () => {
  it('only loopback addresses run without users', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('a non-loopback bind without a users file refuses to start, with AUTH_REQUIRED', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    const failure = await startServerProcess(['--host', '0.0.0.0'], { cwd: dir, env }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toMatch(/AUTH_REQUIRED/);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('protected stages: Production by default, per model from .mltrack.yml', () => {
    const dir = tempDir();
    const file = join(dir, '.mltrack.yml');
    writeFileSync(file, 'server:\n  protected: [Production, champion]\n  models:\n    churn: [Staging]\n');
    const s = readServerSettings(file);
    expect(isProtected(s, 'other', { stage: 'production' })).toBe(true);
    expect(isProtected(s, 'other', { alias: 'champion' })).toBe(true);
    expect(isProtected(s, 'other', { stage: 'Staging' })).toBe(false);
    expect(isProtected(s, 'churn', { stage: 'Staging' })).toBe(true);
    expect(isProtected(s, 'churn', { stage: 'Production' })).toBe(false);
    expect(isProtected(readServerSettings(null), 'x', { stage: 'Production' })).toBe(true);
  });
});

describe('users and roles on a 0.0.0.0 bind', () => {
  it('401 without credentials, 403 for the wrong role, promote for Production, the user recorded in files and tag', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir, { ALICE_PW: 'alice-secret', CAROL_PW: 'carol-secret' });
    git(dir, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    writeFileSync(join(dir, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: true\n');
    expect(spawnCli(['server', 'add-user', 'alice', '--role', 'promote', '--file', 'users.yml', '--password-env', 'ALICE_PW'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['server', 'add-user', 'carol', '--role', 'read', '--file', 'users.yml', '--password-env', 'CAROL_PW'], { cwd: dir, env }).code).toBe(0);
    const bobAdded = spawnCli(['server', 'add-user', 'bob', '--role', 'write', '--file', 'users.yml', '--token', '--json'], { cwd: dir, env });
    const bobToken = JSON.parse(bobAdded.stdout).token as string;
    expect(readFileSync(join(dir, 'users.yml'), 'utf8')).not.toContain('alice-secret');
    expect(readFileSync(join(dir, 'users.yml'), 'utf8')).not.toContain(bobToken);

    const server = await startServerProcess(['--host', '0.0.0.0', '--users', 'users.yml'], { cwd: dir, env });
    const base = `http://127.0.0.1:${server.port}`;
    const bob = { authorization: `Bearer ${bobToken}` };
    const alice = basic('alice', 'alice-secret');

    const anonymous = await call(base, 'POST', '/experiments/create', { name: 'x' });
    expect([anonymous.status, anonymous.body.error_code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await call(base, 'GET', '/experiments/search')).status).toBe(401);
    expect((await call(base, 'POST', '/experiments/create', { name: 'x' }, basic('alice', 'wrong'))).status).toBe(401);
    expect((await call(base, 'POST', '/experiments/create', { name: 'x' }, { authorization: 'Bearer nope' })).status).toBe(401);
    const upload = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/a.txt`, { method: 'PUT', body: 'x' });
    expect(upload.status).toBe(401);

    const carol = basic('carol', 'carol-secret');
    expect((await call(base, 'POST', '/experiments/search', {}, carol)).status).toBe(200);
    const readOnly = await call(base, 'POST', '/experiments/create', { name: 'x' }, carol);
    expect([readOnly.status, readOnly.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);

    const run = (await call(base, 'POST', '/runs/create', { experiment_id: '0', user_id: 'someone-else' }, bob)).body.run.info;
    expect(run.user_id).toBe('bob');
    expect((await call(base, 'POST', '/runs/update', { run_id: run.run_id, status: 'FINISHED', end_time: Date.now() }, bob)).status).toBe(200);

    expect((await call(base, 'POST', '/registered-models/create', { name: 'churn' }, bob)).status).toBe(200);
    const v1 = await call(base, 'POST', '/model-versions/create', { name: 'churn', source: `runs:/${run.run_id}/model`, run_id: run.run_id }, bob);
    expect(v1.body.model_version.user_id).toBe('bob');
    expect((await call(base, 'POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Staging' }, bob)).status).toBe(200);

    const denied = await call(base, 'POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production' }, bob);
    expect([denied.status, denied.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    expect((await call(base, 'GET', '/model-versions/get', { name: 'churn', version: '1' }, bob)).body.model_version.current_stage).toBe('Staging');

    const promoted = await call(base, 'POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production' }, alice);
    expect(promoted.status).toBe(200);
    expect(promoted.body.model_version.tags).toContainEqual({ key: 'mltrack.changed_by', value: 'alice' });
    expect(readFileSync(join(dir, 'mlruns', 'models', 'churn', 'version-1', 'tags', 'mltrack.changed_by'), 'utf8')).toBe('alice');

    await server.stop();
    const tags = git(dir, env, 'tag', '-l').split('\n');
    const production = tags.find((t) => /production/i.test(t));
    expect(production, tags.join(', ')).toBeDefined();
    expect(git(dir, env, 'cat-file', '-p', production!)).toContain('changed_by: "alice"');
    const staging = tags.find((t) => /staging/i.test(t));
    expect(git(dir, env, 'cat-file', '-p', staging!)).toContain('changed_by: "bob"');
    // The run ended through the server is on the tracking branch.
    expect(git(dir, env, 'ls-tree', '-d', '--name-only', `mltrack:mlruns/0`)).toContain(run.run_id);
  });
});
