/** Reading the mlruns tree of any revision straight from git objects: `--rev mltrack~3`, a tag, a commit id. */
import { fail } from '../format/errors.js';
import { MlrunsReader } from '../store/MlrunsReader.js';
import { TrackingView } from '../store/TrackingView.js';
import { GitTreeReader } from './GitTreeReader.js';
import { ObjectReader } from './objectStore.js';
import { resolveRef, type GitRepo } from './repo.js';
import { MLRUNS_PATH } from './trackingLayout.js';

export interface RevisionView {
  commit: string;
  view: TrackingView;
  reader: MlrunsReader;
}

/** `rev` may name the tracking branch itself (`mltrack`), anything git rev-parse accepts, or a remote branch. */
export async function openRevision(repo: GitRepo, rev: string, localRoot: string | null): Promise<RevisionView> {
  const commit = (await resolveRef(repo, rev)) ?? (await resolveRef(repo, `refs/heads/${rev}`));
  if (!commit) throw fail('NOT_FOUND', `No revision '${rev}' in ${repo.gitdir}`, { rev });
  const objects = new ObjectReader(repo.gitdir);
  const root = (await objects.commit(commit)).tree;
  const mlruns = await objects.entry(root, MLRUNS_PATH);
  const reader = new MlrunsReader(new GitTreeReader(objects, mlruns && mlruns.mode === '40000' ? mlruns.oid : null, rev, localRoot));
  return { commit, reader, view: new TrackingView(reader) };
}
