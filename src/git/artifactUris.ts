/**
 * MLflow writes absolute `file://` URIs into meta.yaml (artifact_uri, artifact_location, and the
 * registry's source and storage_location). One user's home directory must not travel to everyone
 * else, so on the tracking branch the local mlruns root is replaced by a fixed token, and the token
 * is replaced by the reader's own root when the tree is materialised. spec/git-layout.md states the rule.
 */
import { pathToFileUri } from '../format/fileUri.js';

/** What stands for "this tree's root" in committed meta.yaml files. */
export const ROOT_TOKEN = 'file:///.mltrack-root';

function localRootUri(mlrunsRoot: string): string {
  return pathToFileUri(mlrunsRoot).replace(/\/+$/, '');
}

function replaceRoot(text: string, from: string, to: string): string {
  // Only whole path prefixes: the root itself, or the root followed by '/'.
  return text.split(from + '/').join(to + '/').replace(new RegExp(`(: '?)${escapeRegExp(from)}('?)$`, 'gm'), `$1${to}$2`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** meta.yaml text as committed: the local root URI becomes ROOT_TOKEN. */
export function normaliseMeta(text: string, mlrunsRoot: string): string {
  return replaceRoot(text, localRootUri(mlrunsRoot), ROOT_TOKEN);
}

/** meta.yaml text as materialised: ROOT_TOKEN becomes the local root URI. */
export function localiseMeta(text: string, mlrunsRoot: string): string {
  return replaceRoot(text, ROOT_TOKEN, localRootUri(mlrunsRoot));
}

export function isMetaFile(relPath: string): boolean {
  return relPath === 'meta.yaml' || relPath.endsWith('/meta.yaml');
}
