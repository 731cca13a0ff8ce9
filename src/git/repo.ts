/** The user's repository as mltrack sees it: where its git dir is, who commits, and atomic ref updates through git itself. */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fail } from '../format/errors.js';
import type { Signature } from './objects.js';

const run = promisify(execFile);

export interface GitRepo {
  /** Absolute path of the git directory (`.git`). */
  gitdir: string;
  /** Absolute path of the work tree, or null for a bare repository. */
  workdir: string | null;
}

function gitSync(cwd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The repository containing `cwd`; NOT_A_REPO when there is none. */
export function findRepo(cwd: string): GitRepo {
  let out: string;
  try {
    out = gitSync(cwd, ['rev-parse', '--absolute-git-dir', '--is-bare-repository', '--show-toplevel']);
  } catch {
    throw fail('NOT_A_REPO', `${cwd} is not inside a git repository: run 'git init' first (mltrack keeps its history on a branch of your repository)`);
  }
  const [gitdir, bare, top] = out.split('\n');
  return { gitdir: gitdir!, workdir: bare === 'true' ? null : (top ?? null) };
}

/** Who commits, as git itself decides it (config, GIT_COMMITTER_* variables, and the clock). */
export function committerIdentity(cwd: string): Signature {
  let ident: string;
  try {
    ident = gitSync(cwd, ['var', 'GIT_COMMITTER_IDENT']);
  } catch {
    throw fail('CONFIG_ERROR', "git does not know who you are: set it with git config user.name 'Your Name' and git config user.email you@example.com");
  }
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(ident);
  if (!match) throw fail('CONFIG_ERROR', `Unexpected committer identity from git: ${ident}`);
  return { name: match[1]!, email: match[2]!, timestamp: Number(match[3]), timezone: match[4]! };
}

/** The commit a ref points at, or null when the ref does not exist. */
export async function resolveRef(repo: GitRepo, ref: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['--git-dir', repo.gitdir, 'rev-parse', '--verify', '-q', `${ref}^{commit}`]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/**
 * Move `ref` from `expected` (null: must not exist) to `next`, atomically: git takes the ref's lock
 * and refuses if someone else moved it first. Returns false on that race so the caller can retry.
 */
export async function compareAndSwapRef(repo: GitRepo, ref: string, next: string, expected: string | null, reason: string): Promise<boolean> {
  const old = expected ?? '0'.repeat(40);
  try {
    await run('git', ['--git-dir', repo.gitdir, 'update-ref', '-m', reason, ref, next, old]);
    return true;
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if (/cannot lock ref|is at .* but expected|reference already exists|unable to resolve/.test(stderr)) return false;
    throw fail('IO_ERROR', `git update-ref ${ref} failed: ${stderr.trim().split('\n')[0]}`);
  }
}

/** Whether commit `a` is reachable from commit `b` (an ancestor of it, or the same commit). */
export async function isAncestor(repo: GitRepo, a: string, b: string): Promise<boolean> {
  return git(repo, ['merge-base', '--is-ancestor', a, b]).then(
    () => true,
    () => false,
  );
}

export async function git(repo: GitRepo, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', repo.gitdir, ...args], { cwd: options.cwd ?? repo.workdir ?? repo.gitdir, env: options.env, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}
