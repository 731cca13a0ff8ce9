/**
 * The exact code of a run started from a dirty work tree, kept as a commit made the way
 * `git stash create` does: through a temporary index, so the user's index, work tree and HEAD are
 * untouched. Untracked files go in only when the user asks (snapshotPolicy.ts), since a work tree
 * often holds `.env` files and keys that were never meant to leave the machine. The commit gets a ref of its own and is queued to become a parent of the next tracking
 * commit, so pushing the tracking branch carries the code with it.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fail } from '../format/errors.js';
import { ObjectReader } from './objectStore.js';
import type { TreeEntry } from './objects.js';
import { compareAndSwapRef, git, isAncestor, resolveRef, type GitRepo } from './repo.js';
import { blobSizes, unsafeNameReason } from './safeTree.js';
import { denyList, type SnapshotPolicy } from './snapshotPolicy.js';
import { treeLimits } from './treeSafety.js';
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
 * Snapshot the work tree as a commit whose parent is HEAD: the index and tracked files' changes
 * (what `git stash create` takes) and, only when `policy.untracked` is set, untracked files that
 * are neither ignored, too large nor denied. `exclude` (the mlruns tree) is always left out; every
 * untracked file taken or refused is reported through `report`. Returns the commit, or null when
 * the snapshot would hold nothing that HEAD does not.
 */
export async function snapshotWorkTree(repo: GitRepo, exclude: string[], policy: SnapshotPolicy, report: (line: string) => void = () => {}): Promise<string | null> {
  if (!repo.workdir) throw fail('NOT_A_REPO', 'A bare repository has no work tree to snapshot');
  const workdir = repo.workdir;
  const tmp = mkdtempSync(join(tmpdir(), 'mltrack-index-'));
  const env = { ...process.env, GIT_INDEX_FILE: join(tmp, 'index') };
  try {
    const opts = { cwd: workdir, env, maxBuffer: 64 * 1024 * 1024 };
    // Start from a copy of the user's index (staged changes count, as for `git stash create`).
    const index = resolve(workdir, (await run('git', ['rev-parse', '--git-path', 'index'], { cwd: workdir })).stdout.trim());
    if (existsSync(index)) copyFileSync(index, env.GIT_INDEX_FILE);
    else await run('git', ['read-tree', 'HEAD'], opts);
    await run('git', ['add', '-u', '--', '.'], opts);
    // Dropped afterwards rather than excluded by pathspec: git refuses to name an ignored path.
    if (exclude.length) await run('git', ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', ...exclude], opts);
    const untracked = (await run('git', ['ls-files', '-z', '--others', '--exclude-standard', '--', '.', ...exclude.map((e) => `:(exclude,literal)${e}`)], opts)).stdout.split('\0').filter(Boolean);
    if (!policy.untracked) {
      if (untracked.length) report(`source snapshot: ${untracked.length} untracked file(s) left out (set source_snapshot.untracked: true in .mltrack.yml to take them)`);
    } else {
      const taken = pickUntracked(workdir, untracked, policy, report);
      if (taken.length) await updateIndex(opts, taken);
    }
    const tree = (await run('git', ['write-tree'], opts)).stdout.trim();
    const headTree = (await run('git', ['rev-parse', 'HEAD^{tree}'], opts)).stdout.trim();
    if (tree === headTree) return null;
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

/** The untracked files the policy lets in, each decision reported. */
function pickUntracked(workdir: string, paths: string[], policy: SnapshotPolicy, report: (line: string) => void): string[] {
  const deny = denyList(policy.deny);
  const taken: string[] = [];
  for (const path of paths) {
    const rule = deny.match(path);
    if (rule) {
      report(`source snapshot: left out ${path} (deny list: ${rule})`);
      continue;
    }
    let size: number;
    try {
      size = lstatSync(join(workdir, path)).size;
    } catch {
      continue; // gone since git listed it
    }
    if (size > policy.largeFileBytes) {
      report(`source snapshot: left out ${path} (${size} bytes, above large_artifact_threshold)`);
      continue;
    }
    report(`source snapshot: took untracked file ${path}`);
    taken.push(path);
  }
  return taken;
}

/** Add exact paths to the temporary index (no pathspec magic, no shell). */
function updateIndex(opts: { cwd: string; env: NodeJS.ProcessEnv }, paths: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile('git', ['update-index', '--add', '-z', '--stdin'], opts, (err) => (err ? reject(err) : resolvePromise()));
    child.stdin!.end(paths.join('\0') + '\0');
  });
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

/**
 * Write the files of `commit` into `dir` (which must not exist or be empty), without any index.
 * A run's commit is anyone's code once pulled, so the tree is checked whole before anything is
 * written: a name that is not one plain component (`..`, `a/b`, `.git` in any case) or that repeats
 * in its folder is refused with UNSAFE_TREE. Symlinks are user code and are written as links, but
 * every file and folder is created exclusively, so nothing is ever written through a link.
 * Submodules (gitlinks) become empty folders, as `git archive` makes them.
 */
export async function exportCommit(repo: GitRepo, commit: string, dir: string): Promise<void> {
  const objects = new ObjectReader(repo.gitdir);
  const root = (await objects.commit(commit)).tree;
  const limits = treeLimits();
  const plan: { path: string[]; entry: TreeEntry }[] = [];
  const blobs = new Map<string, string>();
  const walk = async (oid: string, path: string[], depth: number): Promise<void> => {
    if (depth > limits.maxDepth) throw unsafeSource(path.join('/'), `nested deeper than ${limits.maxDepth} folders`);
    const names = new Set<string>();
    for (const entry of await objects.tree(oid)) {
      const child = [...path, entry.name];
      const reason = unsafeNameReason(entry.name) ?? (names.has(entry.name) ? 'a name that appears twice in its folder' : null);
      if (reason) throw unsafeSource(child.join('/'), reason);
      if (!['100644', '100755', '120000', '40000', '160000'].includes(entry.mode)) throw unsafeSource(child.join('/'), `mode ${entry.mode}`);
      names.add(entry.name);
      if (plan.push({ path: child, entry }) > limits.maxEntries) throw unsafeSource(child.join('/'), `past the limit of ${limits.maxEntries} entries`);
      if (entry.mode === '40000') await walk(entry.oid, child, depth + 1);
      else if (entry.mode !== '160000') blobs.set(entry.oid, child.join('/'));
    }
  };
  await walk(root, [], 0);
  for (const [oid, size] of blobSizes(repo.gitdir, [...blobs.keys()])) {
    if (size > limits.maxBlobBytes) throw unsafeSource(blobs.get(oid)!, `a blob of ${size} bytes, over the limit of ${limits.maxBlobBytes}`);
  }
  mkdirSync(dir, { recursive: true });
  for (const { path, entry } of plan) {
    const target = join(dir, ...path);
    if (entry.mode === '40000' || entry.mode === '160000') mkdirSync(target);
    else if (entry.mode === '120000') symlinkSync(Buffer.from(await objects.blob(entry.oid)).toString('utf8'), target);
    else writeFileSync(target, await objects.blob(entry.oid), { flag: 'wx', mode: entry.mode === '100755' ? 0o755 : 0o644 });
  }
}

function unsafeSource(path: string, reason: string) {
  return fail('UNSAFE_TREE', `Refused the source tree: ${JSON.stringify(path)} is ${reason}; nothing was written`, { path, reason });
}
