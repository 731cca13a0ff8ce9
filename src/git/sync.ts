/**
 * `mltrack pull` and `mltrack push`: the tracking branch shared through the user's own git (via
 * simple-git), so their remotes, credentials and ssh work as for any push. Pull commits local runs
 * first, fetches, checks the incoming tree whole (safeTree.ts), merges with the rules of
 * mergeRules.ts, brings mlruns/ up to date and only then moves the branch: killed at any point, the
 * clone is as before or as after, and the next pull finishes the job (spec/git-layout.md, "Pull").
 * A rejected push pulls and tries again.
 */
import { simpleGit } from 'simple-git';
import { fail, isMltrackError } from '../format/errors.js';
import { faultPoint } from '../store/faultPoint.js';
import { commitMessage, summariseChanges } from './changeSummary.js';
import { materialize, ensureEmptyDirs, type MaterializeResult } from './materialize.js';
import { mergeTrees, type MergeConflict } from './mergeTrees.js';
import { lfsAvailable, lfsFetch, lfsPush, usesLfs } from './lfs.js';
import { ObjectReader } from './objectStore.js';
import { finishRegistryTags, listRegistryTagNames, markRegistryTagsPending } from './registryTags.js';
import { formatCommit, formatTree, writeObject } from './objects.js';
import { assertSafeTree } from './safeTree.js';
import { treeLimits } from './treeSafety.js';
import { committerIdentity, compareAndSwapRef, git, isAncestor, resolveRef, type GitRepo } from './repo.js';
import { commitTracking } from './trackingCommit.js';
import { branchRef, MLRUNS_PATH, remoteRef } from './trackingLayout.js';

export interface SyncOptions {
  repo: GitRepo;
  mlruns: string;
  branch: string;
  remote: string;
  /** Artifacts above this size go through Git LFS. */
  largeFileBytes?: number;
}

export type IntegrationKind = 'up-to-date' | 'fast-forward' | 'merge' | 'no-remote-branch';

export interface PullResult {
  kind: IntegrationKind;
  before: string | null;
  after: string | null;
  conflicts: MergeConflict[];
  materialized: MaterializeResult | null;
}

/**
 * Trees of `theirs` that sit at the same path in `ours`: ours was checked when it arrived (or was
 * built here), so the safety check of theirs skips them and costs what changed, not the tree size.
 */
async function treesSharedWith(objects: ObjectReader, ours: string | null, theirs: string): Promise<Set<string>> {
  const shared = new Set<string>();
  const walk = async (o: string, t: string): Promise<void> => {
    if (o === t) {
      shared.add(t);
      return;
    }
    const mine = new Map((await objects.tree(o)).map((e) => [e.name, e]));
    for (const entry of await objects.tree(t)) {
      const counterpart = mine.get(entry.name);
      if (entry.mode === '40000' && counterpart?.mode === '40000') await walk(counterpart.oid, entry.oid);
    }
  };
  if (ours) await walk(ours, theirs);
  return shared;
}

function client(repo: GitRepo) {
  return simpleGit({ baseDir: repo.workdir ?? repo.gitdir, config: [] });
}

async function mlrunsTreeOf(objects: ObjectReader, commit: string | null): Promise<string | null> {
  if (!commit) return null;
  const entry = await objects.entry((await objects.commit(commit)).tree, MLRUNS_PATH);
  return entry && entry.mode === '40000' ? entry.oid : null;
}

/** Fetch the remote's tracking branch; false when the remote has none yet. */
export async function fetchTracking(options: SyncOptions): Promise<boolean> {
  try {
    await client(options.repo).fetch(options.remote, `+${branchRef(options.branch)}:${remoteRef(options.remote, options.branch)}`);
    // Registry event tags are immutable: fetch new ones, never overwrite ours.
    await client(options.repo).fetch(options.remote, 'refs/tags/mltrack/*:refs/tags/mltrack/*').catch(() => undefined);
    if (lfsAvailable()) {
      const attributes = await git(options.repo, ['cat-file', '-p', `${remoteRef(options.remote, options.branch)}:.gitattributes`]).catch(() => '');
      if (attributes.includes('filter=lfs')) await lfsFetch(options.repo, options.remote, remoteRef(options.remote, options.branch));
    }
    return true;
  } catch (err) {
    const message = (err as Error).message;
    if (/couldn't find remote ref|could not find remote ref/i.test(message)) return false;
    throw fail('IO_ERROR', `git fetch ${options.remote} failed: ${message.trim().split('\n').pop()}`);
  }
}

/** Merge the fetched remote branch into the local one (fast-forward when possible) and update mlruns/. */
export async function integrate(options: SyncOptions): Promise<PullResult> {
  const { repo } = options;
  const objects = new ObjectReader(repo.gitdir);
  const local = branchRef(options.branch);
  await finishRegistryTags(repo, objects, local, true); // a pull killed after moving the branch
  for (let attempt = 0; attempt < 10; attempt++) {
    const ours = await resolveRef(repo, local);
    const theirs = await resolveRef(repo, remoteRef(options.remote, options.branch));
    if (!theirs) return { kind: 'no-remote-branch', before: ours, after: ours, conflicts: [], materialized: null };
    if (ours && (ours === theirs || (await isAncestor(repo, theirs, ours)))) {
      return { kind: 'up-to-date', before: ours, after: ours, conflicts: [], materialized: null };
    }
    // Nothing from the remote reaches a path before its whole tree passed the safety check.
    const oursRoot = ours ? (await objects.commit(ours)).tree : null;
    const theirsRoot = (await objects.commit(theirs)).tree;
    await assertSafeTree(objects, theirsRoot, { trusted: await treesSharedWith(objects, oursRoot, theirsRoot), limits: treeLimits() });
    faultPoint('pull:checked');
    let next: string;
    let kind: IntegrationKind;
    let conflicts: MergeConflict[] = [];
    if (!ours || (await isAncestor(repo, ours, theirs))) {
      next = theirs;
      kind = 'fast-forward';
    } else {
      // Two clones that each made the branch have no common ancestor: merge against an empty base.
      const base = (await git(repo, ['merge-base', ours, theirs]).catch(() => '')).trim() || null;
      const baseRoot = base ? (await objects.commit(base)).tree : null;
      const merged = await mergeTrees(objects, repo.gitdir, baseRoot, oursRoot, theirsRoot);
      conflicts = merged.conflicts;
      const summary = await summariseChanges(objects, await mlrunsTreeOf(objects, ours), merged.oid ? ((await objects.entry(merged.oid, MLRUNS_PATH))?.oid ?? null) : null);
      let message = commitMessage(summary, `mltrack: merge ${options.remote}/${options.branch}`);
      if (conflicts.length) message += `\nConflicts (kept ours; theirs is in the second parent):\n${conflicts.map((c) => `- ${c.path}: ${c.reason}`).join('\n')}\n`;
      const who = committerIdentity(repo.workdir ?? repo.gitdir);
      next = writeObject(repo.gitdir, 'commit', formatCommit({ tree: merged.oid ?? writeObject(repo.gitdir, 'tree', formatTree([])), parents: [ours, theirs], author: who, committer: who, message }));
      kind = 'merge';
    }
    faultPoint('pull:merged');
    // mlruns/ first, the branch second: a crash in between leaves the branch where it was, and what
    // was written so far is either committed as it is (blobs identical to the remote's) or redone.
    let materialized: MaterializeResult;
    try {
      materialized = await materialize(objects, options.mlruns, await mlrunsTreeOf(objects, ours), await mlrunsTreeOf(objects, next));
    } catch (err) {
      if (isMltrackError(err) && err.code === 'IO_ERROR') err.data.commit = next;
      throw err;
    }
    faultPoint('pull:materialized');
    markRegistryTagsPending(repo.gitdir);
    if (!(await compareAndSwapRef(repo, local, next, ours, `mltrack pull: ${kind}`))) continue;
    faultPoint('pull:ref-moved');
    // Registry changes that arrived without tags (a pull request merged on the server) get them now.
    await finishRegistryTags(repo, objects, local);
    faultPoint('pull:tagged');
    return { kind, before: ours, after: next, conflicts, materialized };
  }
  throw fail('INVALID_STATE', `Could not update ${local}: it kept changing during the pull`);
}

export async function pull(options: SyncOptions): Promise<PullResult> {
  faultPoint('pull:start');
  await commitTracking({ repo: options.repo, mlruns: options.mlruns, branch: options.branch, largeFileBytes: options.largeFileBytes });
  faultPoint('pull:committed');
  const fetched = await fetchTracking(options);
  faultPoint('pull:fetched');
  if (!fetched) {
    ensureEmptyDirs(options.mlruns);
    return { kind: 'no-remote-branch', before: null, after: await resolveRef(options.repo, branchRef(options.branch)), conflicts: [], materialized: null };
  }
  return integrate(options);
}

export interface PushResult {
  commit: string;
  attempts: number;
  pulled: PullResult[];
  /**
   * Set when the remote's runs could not be written into mlruns/ (the message says which entry):
   * the merge was pushed, the local branch stays where it was until a pull succeeds.
   */
  notMaterialized?: string;
}

/**
 * Push registry tags. The same event has the same tag name in every clone, so a tag the remote
 * already has (perhaps pointing at a teammate's commit of the same change) is fine.
 */
async function pushRegistryTags(options: SyncOptions): Promise<void> {
  if ((await listRegistryTagNames(options.repo)).length === 0) return;
  try {
    await client(options.repo).push(options.remote, 'refs/tags/mltrack/*:refs/tags/mltrack/*');
  } catch (err) {
    if (!/already exists|\[rejected\]/.test((err as Error).message)) throw fail('PUSH_REJECTED', `pushing registry tags to ${options.remote} failed: ${(err as Error).message.trim().split('\n').pop()}`);
  }
}

/** The remote's own words (`remote: error: object ...: badTimezone: ...`), when it gave any. */
function remoteReason(message: string): string | null {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => /^remote: (error|fatal):/i.test(l));
  return lines.length ? lines.map((l) => l.replace(/^remote:\s*/i, '')).join('; ') : null;
}

function rejected(message: string): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|failed to push some refs/i.test(message);
}

/** Push the tracking branch; when the remote moved, pull (merge) and push again. */
export async function push(options: SyncOptions & { maxAttempts?: number }): Promise<PushResult> {
  const { repo } = options;
  await commitTracking({ repo, mlruns: options.mlruns, branch: options.branch, largeFileBytes: options.largeFileBytes });
  const pulled: PullResult[] = [];
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const commit = await resolveRef(repo, branchRef(options.branch));
    if (!commit) throw fail('NOT_FOUND', `Nothing to push: ${options.branch} has no commits yet (log a run, then mltrack commit)`);
    try {
      // LFS objects first, so the remote never holds a pointer without its content.
      if (usesLfs(repo.gitdir) && lfsAvailable()) await lfsPush(repo, options.remote, branchRef(options.branch));
      await client(repo).push(options.remote, `${branchRef(options.branch)}:${branchRef(options.branch)}`);
      await git(repo, ['update-ref', remoteRef(options.remote, options.branch), commit]);
      await pushRegistryTags(options);
      return { commit, attempts: attempt, pulled };
    } catch (err) {
      const message = (err as Error).message;
      // The remote refused the objects themselves (receive.fsckObjects, a hook): retrying cannot help; say why.
      const refused = /\[remote rejected\][^\n]*|remote unpack failed[^\n]*|^remote: (?:error|fatal): [^\n]*/im.exec(message);
      if (refused) throw fail('PUSH_REJECTED', `git push ${options.remote} was refused by the remote: ${remoteReason(message) ?? refused[0].trim()}`, { remote: options.remote });
      if (!rejected(message)) throw fail('PUSH_REJECTED', `git push ${options.remote} failed: ${message.trim().split('\n').pop()}`);
      if (attempt === maxAttempts) break;
      await fetchTracking(options);
      try {
        pulled.push(await integrate(options));
      } catch (err) {
        // An entry of mlruns/ that cannot be written must not keep our runs from the team: push the
        // merge itself. Our branch does not move, so no commit here can record runs it never wrote.
        const merge = isMltrackError(err) && err.code === 'IO_ERROR' ? err.data.commit : undefined;
        if (typeof merge !== 'string') throw err;
        try {
          await client(repo).push(options.remote, `${merge}:${branchRef(options.branch)}`);
        } catch (pushErr) {
          if (rejected((pushErr as Error).message)) continue;
          throw fail('PUSH_REJECTED', `git push ${options.remote} failed: ${(pushErr as Error).message.trim().split('\n').pop()}`);
        }
        await git(repo, ['update-ref', remoteRef(options.remote, options.branch), merge]);
        await pushRegistryTags(options);
        return { commit: merge, attempts: attempt + 1, pulled, notMaterialized: (err as Error).message };
      }
    }
  }
  throw fail('PUSH_REJECTED', `The remote kept moving: ${maxAttempts} pushes of ${options.branch} were rejected; run mltrack pull, then push again`);
}
