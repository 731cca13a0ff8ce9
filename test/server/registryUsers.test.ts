/**
 * The registry through the server records who changed what: two users (HTTP Basic and a bearer
 * token) change models and versions, the files name the last user of each, and two transitions made
 * between commits keep their own tag, time and user once committed (the event log the CLI uses).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { call, startServerProcess } from '../helpers/server.js';

const CHANGED_BY = 'mltrack.changed_by';

describe('registry changes through the server name their user', () => {
  it('model and version changes by a Basic and a bearer user; two transitions between commits keep their own event', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir, { ALICE_PW: 'alice-secret' });
    git(dir, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    writeFileSync(join(dir, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: false\n');
    expect(spawnCli(['server', 'add-user', 'alice', '--role', 'promote', '--file', 'users.yml', '--password-env', 'ALICE_PW'], { cwd: dir, env }).code).toBe(0);
    const bobToken = JSON.parse(spawnCli(['server', 'add-user', 'bob', '--role', 'write', '--file', 'users.yml', '--token', '--json'], { cwd: dir, env }).stdout).token as string;
    const alice = { authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}` };
    const bob = { authorization: `Bearer ${bobToken}` };
    const server = await startServerProcess(['--users', 'users.yml'], { cwd: dir, env });
    const ok = async (method: string, path: string, args: Record<string, unknown>, who: Record<string, string>) => {
      const reply = await call(server.url, method, path, args, who);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body;
    };
    const models = join(dir, 'mlruns', 'models');
    const modelUser = (name: string) => readFileSync(join(models, name, 'tags', CHANGED_BY), 'utf8');
    const versionUser = (name: string, v: number) => readFileSync(join(models, name, `version-${v}`, 'tags', CHANGED_BY), 'utf8');

    // Model-level changes, each by the user who made it.
    await ok('POST', '/registered-models/create', { name: 'draft' }, bob);
    expect(modelUser('draft')).toBe('bob');
    await ok('POST', '/registered-models/set-tag', { name: 'draft', key: 'team', value: 'growth' }, alice);
    expect(modelUser('draft')).toBe('alice');
    await ok('POST', '/registered-models/rename', { name: 'draft', new_name: 'churn' }, bob);
    expect(modelUser('churn')).toBe('bob');
    await ok('PATCH', '/registered-models/update', { name: 'churn', description: 'gbm' }, alice);
    expect(modelUser('churn')).toBe('alice');
    await ok('DELETE', '/registered-models/delete-tag', { name: 'churn', key: 'team' }, bob);
    expect(modelUser('churn')).toBe('bob');

    // Version changes: registered by bob, aliased by alice, Staging by bob, Production by alice.
    const run = (await ok('POST', '/runs/create', { experiment_id: '0' }, bob)).run.info;
    const created = (await ok('POST', '/model-versions/create', { name: 'churn', source: `runs:/${run.run_id}/model`, run_id: run.run_id }, bob)).model_version;
    expect([created.user_id, versionUser('churn', 1)]).toEqual(['bob', 'bob']);
    await ok('POST', '/registered-models/alias', { name: 'churn', alias: 'candidate', version: '1' }, alice);
    expect([modelUser('churn'), versionUser('churn', 1)]).toEqual(['alice', 'alice']);
    await ok('DELETE', '/registered-models/alias', { name: 'churn', alias: 'candidate' }, bob);
    expect(modelUser('churn')).toBe('bob');
    const staged = (await ok('POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Staging' }, bob)).model_version;
    expect(versionUser('churn', 1)).toBe('bob');
    const promoted = (await ok('POST', '/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production' }, alice)).model_version;
    expect(promoted.tags).toContainEqual({ key: CHANGED_BY, value: 'alice' });
    expect(modelUser('churn')).toBe('alice');

    // A model deleted through the server is gone from the files (nothing left to name a user in).
    await ok('POST', '/registered-models/create', { name: 'scratch' }, alice);
    await ok('DELETE', '/registered-models/delete', { name: 'scratch' }, bob);
    expect(existsSync(join(models, 'scratch'))).toBe(false);
    await server.stop();

    // Nothing was committed yet: one commit now holds both transitions, each its own tag.
    expect(git(dir, env, 'tag', '-l')).toBe('');
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    const history = spawnCli(['models', 'history', 'churn', '--json'], { cwd: dir, env });
    expect(history.code, history.stderr).toBe(0);
    const events = (JSON.parse(history.stdout).events as { event: string; stage: string | null; timestamp: number | null; time: number; changed_by: string | null }[])
      .map((e) => ({ event: e.event, stage: e.stage, changed_by: e.changed_by, timestamp: e.timestamp }));
    expect(events).toEqual([
      { event: 'registered', stage: null, changed_by: 'bob', timestamp: null },
      { event: 'stage', stage: 'Staging', changed_by: 'bob', timestamp: Number(staged.last_updated_timestamp) },
      { event: 'stage', stage: 'Production', changed_by: 'alice', timestamp: Number(promoted.last_updated_timestamp) },
    ]);
    const text = spawnCli(['models', 'history', 'churn'], { cwd: dir, env: { ...env, NO_COLOR: '1' } }).stdout.trim().split('\n');
    expect(text).toHaveLength(3);
    expect(text[1]).toMatch(/v1 → Staging\s+bob\b/);
    expect(text[2]).toMatch(/v1 → Production\s+alice\b/);
  });

  it('a change through the CLI after a server user removes the stale name', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir, { ALICE_PW: 'alice-secret' });
    git(dir, env, 'init', '-q');
    expect(spawnCli(['init'], { cwd: dir, env }).code).toBe(0);
    writeFileSync(join(dir, '.mltrack.yml'), 'mlruns: mlruns\nauto_commit: false\n');
    expect(spawnCli(['server', 'add-user', 'alice', '--role', 'promote', '--file', 'users.yml', '--password-env', 'ALICE_PW'], { cwd: dir, env }).code).toBe(0);
    const server = await startServerProcess(['--users', 'users.yml'], { cwd: dir, env });
    const alice = { authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}` };
    expect((await call(server.url, 'POST', '/registered-models/create', { name: 'churn' }, alice)).status).toBe(200);
    expect((await call(server.url, 'POST', '/model-versions/create', { name: 'churn', source: '/tmp/model' }, alice)).status).toBe(200);
    await server.stop();
    expect(spawnCli(['models', 'transition', 'churn', '1', 'Staging'], { cwd: dir, env }).code).toBe(0);
    expect(existsSync(join(dir, 'mlruns', 'models', 'churn', 'version-1', 'tags', CHANGED_BY))).toBe(false);
    expect(existsSync(join(dir, 'mlruns', 'models', 'churn', 'tags', CHANGED_BY))).toBe(false);
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    const events = JSON.parse(spawnCli(['models', 'history', 'churn', '--json'], { cwd: dir, env }).stdout).events as { stage: string | null; changed_by: string | null }[];
    expect(events.map((e) => [e.stage, e.changed_by])).toEqual([[null, 'alice'], ['Staging', null]]);
  });
});
