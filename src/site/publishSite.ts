/**
 * `mltrack publish`: a built site committed onto a `gh-pages` branch with git plumbing (blobs and
 * trees written directly, the branch moved by compare-and-swap), never touching the user's HEAD,
 * index or work tree; then, optionally, pushed with the user's own git (simple-git).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { fail } from '../format/errors.js';
import { ObjectReader } from '../git/objectStore.js';
import { formatCommit, formatTree, writeObject, type TreeEntry } from '../git/objects.js';
import { committerIdentity, compareAndSwapRef, git, isAncestor, resolveRef, type GitRepo } from '../git/repo.js';
import { branchRef, remoteRef } from '../git/trackingLayout.js';
import { sitePaths } from '../format/siteFormat.js';
import { BUILD_PENDING, BUILD_STATE } from './buildSiteData.js';

export interface PublishOptions {
  repo: GitRepo;
  /** A built site directory. */
  dir: string;
  branch: string;
  message: string;
  /** Push to this remote after committing; null: commit locally only. */
  remote: string | null;
}

export interface PublishResult {
  commit: string;
  parent: string | null;
  /** False when the branch already held exactly this site. */
  changed: boolean;
  pushed: boolean;
  files: number;
}

/** Writes every file under `dir` as blobs and trees; returns the root tree id. */
export function writeDirTree(gitdir: string, dir: string, counter: { files: number }): string {
  const entries: TreeEntry[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    // The incremental build's state is for the builder, not for the published site.
    if (e.name === '.git' || e.name === BUILD_STATE || e.name === BUILD_PENDING) continue;
    const abs = join(dir, e.name);
    if (e.isDirectory()) entries.push({ mode: '40000', name: e.name, oid: writeDirTree(gitdir, abs, counter) });
    else if (e.isFile()) {
      entries.push({ mode: '100644', name: e.name, oid: writeObject(gitdir, 'blob', readFileSync(abs)) });
      counter.files++;
    }
  }
  return writeObject(gitdir, 'tree', formatTree(entries));
}

function client(repo: GitRepo) {
  return simpleGit({ baseDir: repo.workdir ?? repo.gitdir, config: [] });
}

/** The remote's branch, fetched into its remote-tracking ref; null when the remote has none. */
async function fetchRemote(repo: GitRepo, remote: string, branch: string): Promise<string | null> {
  try {
    await client(repo).fetch(remote, `+${branchRef(branch)}:${remoteRef(remote, branch)}`);
  } catch (err) {
    const message = (err as Error).message;
    if (/couldn't find remote ref|could not find remote ref/i.test(message)) return null;
    throw fail('IO_ERROR', `git fetch ${remote} failed: ${message.trim().split('\n').pop()}`);
  }
  return resolveRef(repo, remoteRef(remote, branch));
}

/**
 * A rebuild of unchanged data differs only in the manifest's `builtAt`: keep the published one then,
 * so publishing the same runs twice makes no new commit.
 */
async function keepBuiltAt(repo: GitRepo, commit: string | null, dir: string): Promise<void> {
  if (!commit) return;
  let old: { builtAt?: number };
  try {
    old = JSON.parse(await git(repo, ['cat-file', 'blob', `${commit}:${sitePaths.manifest}`])) as { builtAt?: number };
  } catch {
    return;
  }
  const path = join(dir, sitePaths.manifest);
  const now = JSON.parse(readFileSync(path, 'utf8')) as { builtAt?: number };
  if (typeof old.builtAt !== 'number' || JSON.stringify({ ...old, builtAt: 0 }) !== JSON.stringify({ ...now, builtAt: 0 })) return;
  writeFileSync(path, JSON.stringify({ ...now, builtAt: old.builtAt }));
}

export async function publishSite(options: PublishOptions): Promise<PublishResult> {
  const { repo } = options;
  const ref = branchRef(options.branch);
  await keepBuiltAt(repo, options.remote ? ((await fetchRemote(repo, options.remote, options.branch)) ?? (await resolveRef(repo, ref))) : await resolveRef(repo, ref), options.dir);
  const counter = { files: 0 };
  const tree = writeDirTree(repo.gitdir, options.dir, counter);
  const objects = new ObjectReader(repo.gitdir);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const local = await resolveRef(repo, ref);
    const remoteTip = options.remote ? await fetchRemote(repo, options.remote, options.branch) : null;
    // Publish on top of whatever the remote has, so the push is a fast-forward: the site is
    // regenerated whole, so nothing of an older local publish needs keeping.
    let parent = local;
    if (remoteTip && (!local || !(await isAncestor(repo, remoteTip, local)))) parent = remoteTip;
    let commit = parent;
    let changed = false;
    if (!parent || (await objects.commit(parent)).tree !== tree) {
      const who = committerIdentity(repo.workdir ?? repo.gitdir);
      commit = writeObject(repo.gitdir, 'commit', formatCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message: options.message }));
      changed = true;
    }
    if (commit !== local && !(await compareAndSwapRef(repo, ref, commit!, local, `mltrack publish: ${options.message.split('\n')[0]}`))) continue;
    let pushed = false;
    if (options.remote && commit !== remoteTip) {
      try {
        await client(repo).push(options.remote, `${ref}:${ref}`);
        await git(repo, ['update-ref', remoteRef(options.remote, options.branch), commit!]);
        pushed = true;
      } catch (err) {
        const message = (err as Error).message;
        if (/\[rejected\]|non-fast-forward|fetch first/i.test(message) && attempt < 5) continue;
        throw fail('PUSH_REJECTED', `git push ${options.remote} ${options.branch} failed: ${message.trim().split('\n').pop()}`);
      }
    }
    return { commit: commit!, parent, changed, pushed, files: counter.files };
  }
  throw fail('PUSH_REJECTED', `${options.branch} kept moving while publishing; run mltrack publish again`);
}

/** Whether `remote` is configured in the repository. */
export async function hasRemote(repo: GitRepo, remote: string): Promise<boolean> {
  try {
    return (await git(repo, ['remote'])).split('\n').map((s) => s.trim()).includes(remote);
  } catch {
    return false;
  }
}
