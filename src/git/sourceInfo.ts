/** What git says about the code a run comes from: HEAD commit, branch, remote URL, dirty flag. */
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { stripUrlUserinfo } from '../format/redact.js';

export interface SourceInfo {
  commit: string;
  branch: string | null;
  repoUrl: string | null;
  dirty: boolean;
  /** The repository's top-level directory. */
  root: string;
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Null when `cwd` is not inside a git work tree with at least one commit. Dirty means any change a
 * snapshot would capture: staged or modified tracked files and, with `untracked`, untracked files
 * that are not ignored, outside `excludeAbs` (the mlruns tree). The remote URL loses its userinfo
 * (`https://user:TOKEN@host/...`), since it is recorded in a tag that is pushed.
 */
export function readSourceInfo(cwd: string, excludeAbs: string[] = [], options: { untracked?: boolean } = {}): SourceInfo | null {
  const out = git(cwd, ['rev-parse', '--show-toplevel', 'HEAD']);
  if (!out) return null;
  const [root, commit] = out.split('\n');
  if (!root || !commit || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
  const branch = git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']) || null;
  const remote = git(cwd, ['config', '--get', 'remote.origin.url']);
  const repoUrl = remote ? stripUrlUserinfo(remote) : null;
  const excludes = excludeAbs.map((p) => relative(root, p)).filter((p) => p && !p.startsWith('..')).map((p) => `:(exclude)${p}`);
  const status = git(root, ['status', '--porcelain', options.untracked ? '--untracked-files=all' : '--untracked-files=no', '--', '.', ...excludes]);
  return { commit, branch, repoUrl, dirty: Boolean(status), root };
}
