/** Reading the mlruns tree of any revision straight from git objects: `--rev mltrack~3`, a tag, a commit id. */
import { fail } from '../format/errors.js';
import { MlrunsReader } from '../store/MlrunsReader.js';
import { TrackingView } from '../store/TrackingView.js';
import { GitTreeReader } from './GitTreeReader.js';
import { ObjectReader } from './objectStore.js';
import { assertSafeTree } from './safeTree.js';
import { treeLimits } from './treeSafety.js';
import { resolveRef, type GitRepo } from './repo.js';
import { MLRUNS_PATH } from './trackingLayout.js';

export interface RevisionView {
  commit: string;
  view: TrackingView;
  reader: MlrunsReader;
  objects: ObjectReader;
  /** Tree id of the revision's mlruns folder, or null when it has none. */
  mlrunsTree: string | null;
}

/**
 * `rev` may name the tracking branch itself (`mltrack`), anything git rev-parse accepts, or a remote branch.
 * Its mlruns tree is checked whole first (UNSAFE_TREE): names read from it become site paths and
 * output. `unchecked` is for `verify`, which lists the unsafe entries itself.
 */
export async function openRevision(repo: GitRepo, rev: string, localRoot: string | null, options: { unchecked?: boolean } = {}): Promise<RevisionView> {
  const commit = (await resolveRef(repo, rev)) ?? (await resolveRef(repo, `refs/heads/${rev}`));
  if (!commit) throw fail('NOT_FOUND', `No revision '${rev}' in ${repo.gitdir}`, { rev });
  const objects = new ObjectReader(repo.gitdir);
  const root = (await objects.commit(commit)).tree;
  const mlruns = await objects.entry(root, MLRUNS_PATH);
  const mlrunsTree = mlruns && mlruns.mode === '40000' ? mlruns.oid : null;
  if (mlrunsTree && !options.unchecked) await assertSafeTree(objects, mlrunsTree, { prefix: MLRUNS_PATH, limits: treeLimits() });
  const reader = new MlrunsReader(new GitTreeReader(objects, mlrunsTree, rev, localRoot));
  return { commit, reader, view: new TrackingView(reader), objects, mlrunsTree };
}
