/** Where things live on the tracking branch and in refs (spec/git-layout.md), defined once. */

/** The mlruns tree sits in this folder of the branch's root tree. */
export const MLRUNS_PATH = 'mlruns';

export function branchRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

/** Remote-tracking ref of the tracking branch. */
export function remoteRef(remote: string, branch: string): string {
  return `refs/remotes/${remote}/${branch}`;
}

/** A source snapshot of a dirty work tree, named by its commit id. */
export function snapshotRef(commit: string): string {
  return `refs/mltrack/snapshots/${commit}`;
}
