/**
 * Artifacts: service.proto ListArtifacts, and the proxied artifact service of mlflow_artifacts.proto
 * (`/api/2.0/mlflow-artifacts/artifacts/<path>`: PUT uploads, GET downloads, DELETE removes, and
 * GET without a path lists), which clients use for `mlflow-artifacts:/` URIs.
 */
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { fail } from '../../format/errors.js';
import { fileInfoJson } from '../../format/restJson.js';
import { TEMP_PREFIX } from '../../format/layout.js';
import { validateNewArtifactPath } from '../../format/validation.js';
import { confinedArtifactPath, listArtifacts } from '../../store/artifacts.js';
import { presentArtifactUri, proxiedPath, servedArtifactDir, type ServerContext } from '../context.js';
import { addEndpoint, int, sendJson, str } from '../endpoint.js';
import { HttpError } from '../httpErrors.js';

export function artifactListRoutes(app: FastifyInstance, ctx: ServerContext): void {
  addEndpoint<{ run_id?: string; run_uuid?: string; path?: string; page_token?: string }>(app, {
    method: 'GET', path: '/artifacts/list', role: 'read', args: { run_id: str, run_uuid: str, path: str, page_token: str },
    async handle(a) {
      const runId = a.run_id || a.run_uuid;
      if (!runId) throw fail('INVALID_ARGUMENT', "Missing value for required parameter 'run_id'.");
      const run = await ctx.store.getRun(runId);
      const files = listArtifacts(await servedArtifactDir(ctx, runId, run.info.artifactUri), a.path ?? '');
      return { root_uri: presentArtifactUri(ctx, run.info.artifactUri), files: files.map(fileInfoJson) };
    },
  });
}

/**
 * MLflow's `GET /get-artifact?run_uuid=&path=` (its UI downloads through it): one file of a run's
 * artifacts, from the same confined folder `artifacts/list` reads.
 */
export function getArtifactRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/get-artifact', { config: { role: 'read' } }, async (req, reply) => {
    const q = req.query as { run_uuid?: string; run_id?: string; path?: string };
    const runId = q.run_id || q.run_uuid;
    if (!runId) throw fail('INVALID_ARGUMENT', "Missing value for required parameter 'run_id'.");
    if (!q.path) throw fail('INVALID_ARGUMENT', "Missing value for required parameter 'path'.");
    const run = await ctx.store.getRun(runId);
    const folder = await servedArtifactDir(ctx, runId, run.info.artifactUri);
    const target = confinedArtifactPath(folder, validateNewArtifactPath(q.path));
    const stat = statOrNull(target);
    if (!stat || !stat.isFile()) throw fail('NOT_FOUND', `No artifact at '${q.path}'`, { path: q.path });
    return reply.header('content-type', 'application/octet-stream').header('content-length', stat.size).send(createReadStream(target));
  });
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The message of MLflow's _UnsupportedMultipartUploadException, which its client recognises. */
const MULTIPART_UNSUPPORTED = 'Multipart upload is not supported for the current artifact repository';

/** The proxied artifact service, mounted at /api/2.0/mlflow-artifacts. Bodies are streamed, never parsed. */
export async function artifactProxyRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.put('/artifacts/*', { config: { role: 'write' } }, async (req, reply) => {
    const target = proxiedPath(ctx, (req.params as { '*': string })['*']).abs;
    if (statOrNull(target)?.isDirectory()) throw fail('INVALID_ARGUMENT', 'An artifact path cannot be both a file and a directory');
    mkdirSync(dirname(target), { recursive: true });
    // Written beside the target and renamed, so a reader never sees half a file.
    const temp = join(dirname(target), `${TEMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      await pipeline(req.body as Readable, createWriteStream(temp));
      renameSync(temp, target);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    return sendJson(reply, {});
  });

  app.get('/artifacts/*', { config: { role: 'read' } }, async (req, reply) => {
    const target = proxiedPath(ctx, (req.params as { '*': string })['*']).abs;
    const stat = statOrNull(target);
    if (!stat || !stat.isFile()) throw fail('NOT_FOUND', `No artifact at '${(req.params as { '*': string })['*']}'`);
    return reply.header('content-type', 'application/octet-stream').header('content-length', stat.size).send(createReadStream(target));
  });

  app.delete('/artifacts/*', { config: { role: 'write' } }, async (req, reply) => {
    const target = proxiedPath(ctx, (req.params as { '*': string })['*']).abs;
    if (!statOrNull(target)) throw fail('NOT_FOUND', `No artifact at '${(req.params as { '*': string })['*']}'`);
    rmSync(target, { recursive: true, force: true });
    return sendJson(reply, {});
  });

  // Multipart uploads (mlflow_artifacts.proto CreateMultipartUpload, CompleteMultipartUpload,
  // AbortMultipartUpload) need presigned part URLs a local tree has no use for. MLflow's client
  // (HttpArtifactRepository._try_multipart_upload) falls back to one PUT when the message starts so.
  for (const step of ['create', 'complete', 'abort']) {
    for (const url of [`/mpu/${step}`, `/mpu/${step}/*`]) {
      app.post(url, { config: { role: 'write' } }, async () => {
        throw new HttpError('NOT_IMPLEMENTED', `${MULTIPART_UNSUPPORTED}: mltrack server takes every artifact as one PUT`);
      });
    }
  }

  app.get('/artifacts', { config: { role: 'read' }, schema: { querystring: { type: 'object', properties: { path: str, max: int } } } }, async (req, reply) => {
    const { folder, rel } = proxiedPath(ctx, (req.query as { path?: string }).path ?? '');
    const files = listArtifacts(folder, rel).map((f) => fileInfoJson({ ...f, path: rel ? f.path.slice(rel.length + 1) : f.path }));
    return sendJson(reply, { files });
  });
}
