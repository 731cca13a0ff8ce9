/**
 * Starts `mltrack server` over a config: stores, commit hooks (runs that end and registry changes
 * are committed to the tracking branch when auto_commit is on, one commit at a time), the auth
 * policy of the bind address, the UI. Used by the CLI command and by `mltrack run`'s ephemeral server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { commitIfAutomatic } from '../api/autoCommit.js';
import type { Config } from '../api/config.js';
import { openRegistry } from '../api/registryStore.js';
import { fail } from '../format/errors.js';
import { FileStore } from '../store/FileStore.js';
import { LoggedModelStore } from '../store/LoggedModelStore.js';
import { buildApp } from './app.js';
import { isLoopbackHost, Users } from './auth.js';
import type { ServerContext } from './context.js';
import { KeyedQueue } from './keyedQueue.js';
import { isProtected, readServerSettings } from './protection.js';

export interface StartServerOptions {
  config: Config;
  cwd: string;
  host?: string;
  /** 0: an ephemeral port. */
  port?: number;
  artifactsDestination?: string;
  usersFile?: string;
  serveUi?: boolean;
  /** No users even if the config names a users file (mltrack run's private loopback server). */
  noUsers?: boolean;
  /** Called when a commit hook fails (the request itself has succeeded). */
  onWarning?: (message: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  auth: boolean;
  app: FastifyInstance;
  ctx: ServerContext;
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, cwd } = options;
  const host = options.host ?? '127.0.0.1';
  const settings = readServerSettings(config.configFile);
  const usersFile = options.noUsers ? null : options.usersFile ?? (settings.usersFile ? resolve(config.configFile ? join(config.configFile, '..') : cwd, settings.usersFile) : null);
  let users: Users | null = null;
  if (!isLoopbackHost(host)) {
    // Anyone who can reach a non-loopback address could write: refuse to serve without users.
    if (!usersFile) throw fail('AUTH_REQUIRED', `Binding ${host} serves other machines: pass --users FILE (see mltrack server --help); only loopback binds run without users`, { host });
    users = Users.load(usersFile);
  } else if (usersFile) {
    users = Users.load(usersFile);
  }

  const store = new FileStore(config.mlruns);
  const registry = openRegistry(config.mlruns, cwd);
  const queue = new KeyedQueue();
  const warn = options.onWarning ?? (() => {});
  // git refs move one commit at a time: every commit goes through one queue key.
  const commit = (runId?: string) =>
    queue.run('git:commit', () => commitIfAutomatic(config, cwd, runId)).then(
      () => undefined,
      (err: Error) => warn(`auto-commit failed: ${err.message}`),
    );
  const artifactsRoot = resolve(options.artifactsDestination ?? config.mlruns);
  const ctx: ServerContext = {
    store,
    registry,
    loggedModels: new LoggedModelStore(store, { artifactRoot: artifactsRoot === store.root ? undefined : artifactsRoot }),
    artifactsRoot,
    queue,
    hooks: {
      runEnded: (runId) => commit(runId),
      registryChanged: () => commit(),
      isProtected: (model, target) => isProtected(settings, model, target),
    },
  };

  let uiRoot: string | null = null;
  let cleanupUi: (() => Promise<void>) | null = null;
  if (options.serveUi) {
    const { buildSite } = await import('../site/buildSite.js');
    const { Rebuilder, watchTree } = await import('../site/serveSite.js');
    const work = mkdtempSync(join(tmpdir(), 'mltrack-server-ui-'));
    const rebuilder = new Rebuilder(
      work,
      async (dir) => void (await buildSite({ out: dir, mlruns: config.mlruns, cwd, branch: config.branch, live: true })),
      (dir) => (uiRoot = dir),
      (err) => warn(`UI rebuild failed: ${(err as Error).message}`),
    );
    await rebuilder.request();
    const watcher = watchTree(config.mlruns, () => void rebuilder.request());
    cleanupUi = async () => {
      watcher.close();
      await rebuilder.request().catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    };
  }

  const app = await buildApp(ctx, { users, uiRoot: options.serveUi ? () => uiRoot : undefined });
  try {
    await app.listen({ host, port: options.port ?? 5000 });
  } catch (err) {
    await cleanupUi?.();
    const e = err as NodeJS.ErrnoException;
    throw fail('IO_ERROR', e.code === 'EADDRINUSE' ? `Port ${options.port} is in use: pass another with --port` : `Cannot listen on ${host}:${options.port}: ${e.message}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 5000;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    auth: users !== null,
    app,
    ctx,
    close: async () => {
      await app.close();
      await queue.idle();
      await cleanupUi?.();
    },
  };
}
