/**
 * Where the database says artifacts are, as a local path. MLflow stores absolute locations in two
 * spellings (`file:///abs` and a plain `/abs`); a database moved from another machine needs its
 * prefix rebased (`--rebase OLD=NEW`). Anything else (s3://, runs:/, models:/) is not local.
 */
import { fileUriToPath } from '../format/fileUri.js';

export interface Rebase {
  from: string;
  to: string;
}

export function localArtifactPath(uri: string, rebases: readonly Rebase[]): string | null {
  let path: string | null;
  if (uri.startsWith('file:')) path = fileUriToPath(uri);
  else if (uri.startsWith('/')) path = uri;
  else return null;
  if (!path) return null;
  for (const { from, to } of rebases) {
    const prefix = from.endsWith('/') ? from : `${from}/`;
    if (path === from || path.startsWith(prefix)) return to.replace(/\/+$/, '') + path.slice(from.replace(/\/+$/, '').length);
  }
  return path;
}

/** Replaces a recorded root (either spelling) at the start of `uri` by `to`; null when `uri` is not under it. */
export function moveUnder(uri: string, fromRoot: string, to: string): string | null {
  for (const spelling of [fromRoot, fromRoot.startsWith('file://') ? fromRoot.slice('file://'.length) : `file://${fromRoot}`]) {
    if (uri === spelling) return to;
    if (uri.startsWith(`${spelling}/`)) return to + uri.slice(spelling.length);
  }
  return null;
}
