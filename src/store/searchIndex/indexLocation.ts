/**
 * Where a tree's search index lives, never inside the tree (MLflow must not see it): under the git
 * directory when the tree is in a git work tree, else in `.mltrack-cache/` beside the tree, else
 * in `$XDG_CACHE_HOME/mltrack` (or `~/.cache/mltrack`). `MLTRACK_INDEX_DIR` names the place,
 * `MLTRACK_INDEX=0` turns the index off. One directory per tree, named by a hash of its path.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const OFF = new Set(['0', 'false', 'no', 'off']);

/** The git directory of the work tree holding `path`, or null. */
function gitDirAbove(path: string): string | null {
  for (let dir = path; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    try {
      if (statSync(dotGit).isDirectory()) return dotGit;
      // A linked worktree or submodule: `.git` is a file naming the git directory.
      const named = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
      if (named) return resolve(dir, named[1]!);
    } catch {
      // no .git here
    }
    if (dirname(dir) === dir) return null;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function searchIndexDir(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (OFF.has((env.MLTRACK_INDEX ?? '').toLowerCase())) return null;
  const gitDir = gitDirAbove(root);
  const base =
    env.MLTRACK_INDEX_DIR ||
    (gitDir && join(gitDir, 'mltrack')) ||
    (writable(dirname(root)) ? join(dirname(root), '.mltrack-cache') : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mltrack'));
  return join(base, 'search-index', createHash('sha1').update(root).digest('hex').slice(0, 16));
}
