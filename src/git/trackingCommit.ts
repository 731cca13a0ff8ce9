/**
 * `mltrack commit`: snapshot the mlruns tree onto the tracking branch with git plumbing. The user's
 * HEAD, index and work tree are never touched; the branch moves by an atomic compare-and-swap, and a
 * lost race (another commit landed first) is retried on top of the winner.
 */
import { fail } from '../format/errors.js';
import { MODELS_DIR, RESERVED_EXPERIMENT_SUBDIRS, TRASH_DIR } from '../format/layout.js';
import type { LoggedRegistryEvent } from '../store/registryEventLog.js';
import { summariseChanges, commitMessage, type ChangeSummary } from './changeSummary.js';
import { LFS_ATTRIBUTES, lfsAvailable, usesLfs } from './lfs.js';
import { keepNotMaterialized } from './notMaterialized.js';
import { ObjectReader } from './objectStore.js';
import { ObjectWriter } from './objectWriter.js';
import { commitRegistryEvents, createRegistryTags, eventTrailers, registryEventLogPath } from './registryTags.js';
import { takeRegistryEventLog } from '../store/registryEventLog.js';
import { formatCommit, formatTree, writeObject, type TreeEntry } from './objects.js';
import { committerIdentity, compareAndSwapRef, resolveRef, type GitRepo } from './repo.js';
import { SnapshotCache, snapshotDirectory, snapshotPath } from './snapshotTree.js';
import { spliceTree, type TreeChange } from './spliceTree.js';
import { clearPendingSnapshots, pendingSnapshots } from './sourceSnapshot.js';
import { branchRef, MLRUNS_PATH } from './trackingLayout.js';

export interface CommitOptions {
  repo: GitRepo;
  /** Absolute path of the mlruns directory. */
  mlruns: string;
  branch: string;
  /** Replaces the generated subject line. */
  message?: string;
  /** Extra parents (e.g. source snapshots) so the branch keeps them reachable. */
  extraParents?: string[];
  /** Called per file whose bytes were hashed. */
  onFile?: () => void;
  /** Artifacts above this size go through Git LFS (refused when it is not installed). */
  largeFileBytes?: number;
  /**
   * Only these paths (relative to mlruns, e.g. `<exp>/<run>`) changed: everything else is taken from
   * the branch as it is, so the cost is that of the paths alone. Default: scan the whole tree.
   */
  paths?: string[];
  /** For tests: called after the commit object is written, before the ref moves. */
  beforeRefUpdate?: () => Promise<void> | void;
}

export interface CommitResult {
  commit: string;
  parent: string | null;
  summary: ChangeSummary;
  message: string;
  /** Registry event tags created for this commit. */
  tags: string[];
}

/** Root tree of a tracking commit: the parent's root with its `mlruns` entry replaced. */
function replaceEntry(entries: TreeEntry[], name: string, oid: string | null): TreeEntry[] {
  const rest = entries.filter((e) => e.name !== name);
  return oid ? [...rest, { mode: '40000', name, oid }] : rest;
}

/** The message with more trailers appended to its trailer block (git interpret-trailers' shape). */
function withTrailers(message: string, trailers: string[]): string {
  if (!trailers.length) return message;
  const body = message.replace(/\n+$/, '');
  const lastBlock = body.split('\n\n').pop() ?? '';
  const inTrailerBlock = body.includes('\n\n') && lastBlock.split('\n').every((l) => /^[A-Za-z0-9-]+: /.test(l));
  return `${body}${inTrailerBlock ? '\n' : '\n\n'}${trailers.join('\n')}\n`;
}

/** Commits the mlruns tree; returns null when nothing changed since the branch's last commit. */
export async function commitTracking(options: CommitOptions): Promise<CommitResult | null> {
  const { repo } = options;
  const startedAt = Date.now();
  const objects = new ObjectReader(repo.gitdir);
  // The known paths are read whole (a run is a few dozen files): the stat cache of the whole tree
  // would cost more to load than it saves.
  const cache = options.paths ? SnapshotCache.inMemory() : SnapshotCache.forRepo(repo.gitdir, options.mlruns, options.largeFileBytes);
  let lfsFiles = 0;
  const writer = new ObjectWriter(repo.gitdir);
  const snapshot = {
    gitdir: repo.gitdir,
    root: options.mlruns,
    cache,
    onFile: options.onFile,
    largeFileBytes: options.largeFileBytes,
    lfs: () => options.largeFileBytes !== undefined && lfsAvailable(),
    onLfs: () => lfsFiles++,
    write: writer.write,
  };
  // The changed paths are hashed once; they are spliced onto whichever parent wins the race below.
  let changed: TreeChange[] | undefined;
  let fullTree: string | null = null;
  try {
    changed = options.paths?.map((path) => ({ path: path.split('/').filter(Boolean), entry: snapshotPath(snapshot, path) }));
    if (!changed) fullTree = snapshotDirectory(snapshot);
    writer.finish();
  } catch (err) {
    writer.abandon();
    throw err;
  }
  // Only now are the cached tree ids backed by objects in the repository.
  cache.save();
  const mlrunsTreeFor = async (oldMlruns: string | null): Promise<MlrunsTree> => {
    if (!changed) return { tree: fullTree, paths: undefined };
    const tree = await spliceTree(objects, repo.gitdir, oldMlruns, changed);
    // A run or experiment folder gone from disk may be one the not-materialised rule keeps: then judge the whole tree.
    const under = (c: TreeChange, dir: string) => c.path[0] === dir;
    const mayKeep = (c: TreeChange) => !c.entry && oldMlruns !== null && (under(c, MODELS_DIR) || under(c, TRASH_DIR) || (c.path.length <= 2 && !RESERVED_EXPERIMENT_SUBDIRS.has(c.path[1] ?? '')));
    const removed = await Promise.all(changed.map(async (c) => mayKeep(c) && (await objects.entry(oldMlruns!, c.path.join('/')))?.mode === '40000'));
    return { tree, paths: removed.includes(true) ? undefined : changed.map((c) => c.path) };
  };
  // Registry events logged as they happened; the ones this commit does not hold go back for the next.
  const logged = takeRegistryEventLog(registryEventLogPath(repo.gitdir));
  try {
    return await commitAttempts(options, objects, mlrunsTreeFor, () => lfsFiles, logged.events, startedAt, (used) => logged.finish(logged.events.filter((e) => !used.has(e))));
  } catch (err) {
    logged.finish(logged.events);
    throw err;
  }
}

/** The mlruns tree to commit, and when known, the only paths (components) where it differs from the parent's. */
interface MlrunsTree {
  tree: string | null;
  paths: string[][] | undefined;
}

async function commitAttempts(
  options: CommitOptions,
  objects: ObjectReader,
  mlrunsTreeFor: (oldMlruns: string | null) => Promise<MlrunsTree>,
  lfsFileCount: () => number,
  logged: LoggedRegistryEvent[],
  snapshotAt: number,
  done: (used: Set<LoggedRegistryEvent>) => void,
): Promise<CommitResult | null> {
  const { repo } = options;
  const ref = branchRef(options.branch);
  for (let attempt = 0; attempt < 20; attempt++) {
    const parent = await resolveRef(repo, ref);
    const parentRoot = parent ? (await objects.commit(parent)).tree : null;
    const parentEntries = parentRoot ? await objects.tree(parentRoot) : [];
    const oldMlruns = parentEntries.find((e) => e.name === MLRUNS_PATH)?.oid ?? null;
    const next = await mlrunsTreeFor(oldMlruns);
    // A folder missing from disk that no user command removed stays as the parent has it.
    const mlrunsTree = next.paths ? next.tree : await keepNotMaterialized(objects, repo.gitdir, oldMlruns, next.tree);
    const snapshots = await pendingSnapshots(repo, parent);
    const extraParents = [...new Set([...(options.extraParents ?? []), ...snapshots])];
    if (oldMlruns === mlrunsTree && !extraParents.length) {
      done(new Set());
      return null;
    }
    let rootEntries = replaceEntry(parentEntries, MLRUNS_PATH, mlrunsTree);
    if ((lfsFileCount() > 0 || usesLfs(repo.gitdir)) && !rootEntries.some((e) => e.name === '.gitattributes')) {
      rootEntries = [...rootEntries, { mode: '100644', name: '.gitattributes', oid: writeObject(repo.gitdir, 'blob', Buffer.from(LFS_ATTRIBUTES)) }];
    }
    const rootTree = writeObject(repo.gitdir, 'tree', formatTree(rootEntries));
    const summary = await summariseChanges(objects, oldMlruns, mlrunsTree, next.paths);
    const registry = summary.models.length ? await commitRegistryEvents(objects, oldMlruns, mlrunsTree, logged, snapshotAt) : { events: [], used: new Set<LoggedRegistryEvent>() };
    const message = withTrailers(commitMessage(summary, options.message), eventTrailers(registry.events));
    const who = committerIdentity(repo.workdir ?? repo.gitdir);
    const parents = [...(parent ? [parent] : []), ...extraParents];
    const commit = writeObject(repo.gitdir, 'commit', formatCommit({ tree: rootTree, parents, author: who, committer: who, message }));
    await options.beforeRefUpdate?.();
    if (await compareAndSwapRef(repo, ref, commit, parent, `mltrack commit: ${message.split('\n')[0]}`)) {
      clearPendingSnapshots(repo, snapshots);
      const tags = await createRegistryTags(repo, commit, registry.events);
      done(registry.used);
      return { commit, parent, summary, message, tags };
    }
  }
  throw fail('INVALID_STATE', `Could not move ${ref}: it kept changing under us (another mltrack commit running in a loop?)`);
}
