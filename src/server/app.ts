/**
 * The fastify app of `mltrack server`: MLflow's REST API under /api/2.0/mlflow and
 * /ajax-api/2.0/mlflow, the proxied artifact service, optional users and roles, and optionally the
 * UI at `/`. spec/rest-api.md lists every endpoint.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONTENT_TYPES, resolveStatic } from '../site/serveSite.js';
import { roleAllows, type Users } from './auth.js';
import type { ServerContext } from './context.js';
import { sendJson } from './endpoint.js';
import { errorResponse, HttpError } from './httpErrors.js';
import { artifactListRoutes, artifactProxyRoutes, getArtifactRoute } from './routes/artifacts.js';
import { experimentRoutes } from './routes/experiments.js';
import { loggedModelRoutes } from './routes/loggedModels.js';
import { registryRoutes } from './routes/registry.js';
import { runRoutes } from './routes/runs.js';
import { lazyValidatorCompiler } from './validation.js';

export const API_PREFIX = '/api/2.0/mlflow';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts';

export interface AppOptions {
  /** Users and roles; null: no authentication (loopback binds). */
  users: Users | null;
  /** The directory the UI is served from now (it changes as the site is rebuilt); absent: no UI. */
  uiRoot?: () => string | null;
}

export async function buildApp(ctx: ServerContext, options: AppOptions): Promise<FastifyInstance> {
  // MLflow allows log-batch bodies of 1000 metrics with long values: 16 MiB leaves room.
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    // /ajax-api/ is the same API (MLflow's UI calls it): one set of routes serves both.
    rewriteUrl: (req) => (req.url?.startsWith('/ajax-api/') ? `/api/${req.url.slice('/ajax-api/'.length)}` : req.url ?? '/'),
  });
  app.setValidatorCompiler(lazyValidatorCompiler);

  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorResponse(err);
    if (status === 401) reply.header('www-authenticate', 'Basic realm="mltrack", Bearer');
    return sendJson(reply.code(status), body as never);
  });
  app.setNotFoundHandler((req, reply) => {
    return sendJson(reply.code(404), { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${req.method} ${req.url.split('?')[0]}` });
  });

  const users = options.users;
  if (users) {
    app.addHook('onRequest', async (req) => {
      const needed = req.routeOptions.config?.role;
      if (!needed) return; // /health, /version and unknown paths
      const principal = users.authenticate(req.headers.authorization);
      if (!roleAllows(principal.role, needed)) {
        throw new HttpError('PERMISSION_DENIED', `User '${principal.name}' has role ${principal.role}; this needs ${needed}`);
      }
      req.principal = principal;
    });
  }

  await app.register(async (api) => {
    experimentRoutes(api, ctx);
    runRoutes(api, ctx);
    artifactListRoutes(api, ctx);
    registryRoutes(api, ctx);
    loggedModelRoutes(api, ctx);
  }, { prefix: API_PREFIX });
  await app.register(async (proxy) => artifactProxyRoutes(proxy, ctx), { prefix: ARTIFACTS_PREFIX });
  getArtifactRoute(app, ctx);

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send('mltrack'));

  const uiRoot = options.uiRoot;
  if (uiRoot) {
    // The UI shows every run: with users on it needs the read role like the API (browsers ask for Basic).
    app.get('/*', { config: { role: 'read' } }, async (req, reply) => {
      const root = uiRoot();
      const file = root ? resolveStatic(root, req.url) : null;
      if (!file) return sendJson(reply.code(404), { error_code: 'ENDPOINT_NOT_FOUND', message: `No page ${req.url}` });
      return reply.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream').send(createReadStream(file));
    });
  }
  return app;
}
