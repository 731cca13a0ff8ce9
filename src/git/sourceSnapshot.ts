/**
 * The exact code of a run started from a dirty work tree, kept as a commit made the way
 * `git stash create` does: through a temporary index, so the user's index, work tree and HEAD are
 * untouched. The commit gets a ref of its own and is queued to become a parent of the next tracking
 * commit, so pushing the tracking branch carries the code with it.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fail } from '../format/errors.js';
import { compareAndSwapRef, git, isAncestor, resolveRef, type GitRepo } from './repo.js';
import { snapshotRef } from './trackingLayout.js';

const run = promisify(execFile);

/** The subject of every snapshot commit; the tracking log stops at it (src/git/trackingLog.ts). */
export const SNAPSHOT_SUBJECT = 'mltrack: source snapshot of a dirty work tree';

/** An earlier snapshot of this very tree on this very HEAD, so identical dirty runs share one commit. */
async function existingSnapshot(repo: GitRepo, tree: string, head: string): Promise<string | null> {
  const out = await git(repo, ['for-each-ref', '--format=%(objectname) %(tree) %(parent)', 'refs/mltrack/snapshots/']);
  for (const line of out.split('\n')) {
    const [commit, commitTree, parent] = line.trim().split(' ');
    if (commit && commitTree === tree && parent === head) return commit;
  }
  return null;
}

function pendingFile(repo: GitRepo): string {
  return join(repo.gitdir, 'mltrack', 'pending-snapshots');
}

/**
 * Snapshot the work tree (tracked and untracked files, minus ignored ones and the mlruns tree) as a
 * commit whose parent is HEAD. Returns its id.
 */
export async function snapshotWorkTree(repo: GitRepo, exclude: string[]): Promise<string> {
  if (!repo.workdir) throw fail('NOT_A_REPO', 'A bare repository has no work tree to snapshot');
  const tmp = mkdtempSync(join(tmpdir(), 'mltrack-index-'));
  const env = { ...process.env, GIT_INDEX_FILE: join(tmp, 'index') };
  try {
    const opts = { cwd: repo.workdir, env, maxBuffer: 64 * 1024 * 1024 };
    await run('git', ['read-tree', 'HEAD'], opts);
    await run('git', ['add', '-A', '--', '.'], opts);
    // Dropped afterwards rather than excluded by pathspec: git refuses to name an ignored path.
    if (exclude.length) await run('git', ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', ...exclude], opts);
    const tree = (await run('git', ['write-tree'], opts)).stdout.trim();
    const head = (await run('git', ['rev-parse', 'HEAD'], opts)).stdout.trim();
    const commit = (await existingSnapshot(repo, tree, head)) ?? (await run('git', ['commit-tree', tree, '-p', head, '-m', SNAPSHOT_SUBJECT], opts)).stdout.trim();
    const ref = snapshotRef(commit);
    if (!(await resolveRef(repo, ref))) await compareAndSwapRef(repo, ref, commit, null, 'mltrack: source snapshot');
    mkdirSync(join(repo.gitdir, 'mltrack'), { recursive: true });
    const pending = existsSync(pendingFile(repo)) ? readFileSync(pendingFile(repo), 'utf8').split('\n') : [];
    if (!pending.includes(commit)) appendFileSync(pendingFile(repo), commit + '\n');
    return commit;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Paths to leave out of a snapshot: the mlruns tree when it sits inside the work tree. */
export function snapshotExcludes(repo: GitRepo, mlruns: string): string[] {
  if (!repo.workdir) return [];
  const rel = relative(repo.workdir, mlruns);
  return rel && !rel.startsWith('..') ? [rel] : [];
}

/** Snapshots queued for the next tracking commit that the branch does not reach yet. */
export async function pendingSnapshots(repo: GitRepo, branchTip: string | null): Promise<string[]> {
  const path = pendingFile(repo);
  if (!existsSync(path)) return [];
  const out: string[] = [];
  for (const oid of new Set(readFileSync(path, 'utf8').split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)))) {
    if (!(await resolveRef(repo, oid))) continue;
    if (branchTip && (await isAncestor(repo, oid, branchTip))) continue;
    out.push(oid);
  }
  return out;
}

/** Forget queued snapshots that a tracking commit now reaches. */
export function clearPendingSnapshots(repo: GitRepo, done: string[]): void {
  const path = pendingFile(repo);
  if (!existsSync(path) || done.length === 0) return;
  const gone = new Set(done);
  const left = readFileSync(path, 'utf8').split('\n').filter((l) => l && !gone.has(l));
  writeFileSync(path, left.length ? left.join('\n') + '\n' : '');
}

/** Write the files of `commit` into `dir` (which must not exist or be empty), without any index. */
export async function exportCommit(repo: GitRepo, commit: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const archive = join(mkdtempSync(join(tmpdir(), 'mltrack-archive-')), 'src.tar');
  try {
    await git(repo, ['archive', '--format=tar', '-o', archive, commit]);
    await run('tar', ['-xf', archive, '-C', dir]);
  } finally {
    rmSync(join(archive, '..'), { recursive: true, force: true });
  }
}
