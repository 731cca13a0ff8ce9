/** What every route needs: the stores, the queues that serialise writers, and the hooks that commit. */
import { relative, resolve, sep } from 'node:path';
import { fileUriToPath } from '../format/fileUri.js';
import { fail } from '../format/errors.js';
import { validateNewArtifactPath } from '../format/validation.js';
import { confinedArtifactPath } from '../store/artifacts.js';
import { isInside } from '../store/ConfinedFsTreeReader.js';
import type { FileStore } from '../store/FileStore.js';
import type { LoggedModelStore } from '../store/LoggedModelStore.js';
import type { RegistryStore } from '../store/RegistryStore.js';
import { KeyedQueue } from './keyedQueue.js';
import type { Principal } from './auth.js';

export interface ServerHooks {
  /** A run reached a terminal status (auto-commit). */
  runEnded?(runId: string): Promise<void>;
  /** The registry changed (auto-commit with registry tags). */
  registryChanged?(): Promise<void>;
  /** May this principal put a version of `model` into `stage` / point `alias` at it? (protected stages) */
  isProtected?(model: string, target: { stage?: string; alias?: string }): boolean;
}

export interface ServerContext {
  store: FileStore;
  registry: RegistryStore;
  /** MLflow 3.x logged models, beside the runs of `store`. */
  loggedModels: LoggedModelStore;
  /** Absolute directory behind `mlflow-artifacts:/` (--artifacts-destination; default the mlruns tree). */
  artifactsRoot: string;
  /** Per run id, per model name: writers of one entity run one at a time. */
  queue: KeyedQueue;
  hooks: ServerHooks;
}

export const ARTIFACTS_SCHEME = 'mlflow-artifacts:';

/**
 * A stored `file:` URI as the client should see it: under the artifacts root it becomes
 * `mlflow-artifacts:/<rel>`, as MLflow's server with --serve-artifacts hands out, so remote clients
 * upload through the server instead of writing to a path on its disk.
 */
export function presentArtifactUri(ctx: ServerContext, uri: string): string {
  const path = fileUriToPath(uri);
  if (path === null || path === '') return uri;
  const rel = relative(ctx.artifactsRoot, resolve(path));
  if (rel === '' ) return `${ARTIFACTS_SCHEME}/`;
  if (rel.startsWith('..') || rel.startsWith(sep) || /^[a-zA-Z]:/.test(rel)) return uri;
  return `${ARTIFACTS_SCHEME}/${rel.split(sep).join('/')}`;
}

/** Only run and logged-model artifact folders are reachable through the proxy, never metas or metrics. */
const PROXY_PATH = /^[^/]+\/(?:[^/]+|models\/[^/]+)\/artifacts(?:\/|$)/;

/**
 * The file behind `mlflow-artifacts:/<path>`: `folder` is the run's (or logged model's) artifact
 * folder, `rel` the path inside it, `abs` both joined. Traversal (also percent-encoded), `.git`
 * components, paths outside artifact folders and symlinks leading out of the folder are refused.
 */
export function proxiedPath(ctx: ServerContext, path: string): { folder: string; rel: string; abs: string } {
  const rel = validateNewArtifactPath(decodeURIComponentSafe(path));
  const prefix = PROXY_PATH.exec(rel)?.[0];
  if (prefix === undefined) {
    throw fail('PATH_TRAVERSAL', `Invalid artifact path ${JSON.stringify(path)}: the artifact service serves only <experiment>/<run>/artifacts/...`, { path });
  }
  const folder = resolve(ctx.artifactsRoot, prefix);
  const inside = rel.slice(prefix.length);
  return { folder, rel: inside, abs: confinedArtifactPath(folder, inside) };
}

/** A run's artifact folder as the server may read it: inside the mlruns tree or the artifacts root, else UNSAFE_ARTIFACT. */
export async function servedArtifactDir(ctx: ServerContext, runId: string, artifactUri: string): Promise<string> {
  // What the client sees as mlflow-artifacts:/<rel> is <artifacts root>/<rel>, the proxy's folder.
  const presented = presentArtifactUri(ctx, artifactUri);
  if (presented.startsWith(ARTIFACTS_SCHEME)) return confinedArtifactPath(ctx.artifactsRoot, presented.slice(ARTIFACTS_SCHEME.length + 1));
  const dir = await ctx.store.artifactDir(runId);
  for (const root of [ctx.store.root, ctx.artifactsRoot]) {
    if (isInside(resolve(root), resolve(dir))) return confinedArtifactPath(root, relative(resolve(root), resolve(dir)));
  }
  throw fail('UNSAFE_ARTIFACT', `Run ${runId} stores artifacts at ${JSON.stringify(dir)}, outside the mlruns tree and the artifacts root: the server does not read there`, { runId, path: dir });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw fail('INVALID_ARGUMENT', `Invalid percent-encoding in artifact path ${JSON.stringify(text)}`);
  }
}

/** The user the request was made as, set by the auth hook (null: auth is off). */
export function principalOf(req: { principal?: Principal | null }): Principal | null {
  return req.principal ?? null;
}
