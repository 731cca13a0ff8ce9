/** `auto_commit: true` in .mltrack.yml: every run that ends is committed to the tracking branch at once. */
import { findRepo } from '../git/repo.js';
import { commitTracking, type CommitResult } from '../git/trackingCommit.js';
import { FsTreeReader } from '../store/FsTreeReader.js';
import { MlrunsReader } from '../store/MlrunsReader.js';
import type { Config } from './config.js';

/**
 * Commits when the config asks for it; returns the commit, or null when off or nothing changed.
 * With a run id only that run (and its experiment's own files) is read: the commit costs one run.
 */
export async function commitIfAutomatic(config: Config, cwd: string, runId?: string): Promise<CommitResult | null> {
  if (!config.autoCommit) return null;
  let paths: string[] | undefined;
  if (runId) {
    const found = await new MlrunsReader(new FsTreeReader(config.mlruns)).findRun(runId);
    if (found) paths = [found.dir, ...['meta.yaml', 'tags', 'datasets'].map((p) => `${found.experimentDir}/${p}`)];
  }
  return commitTracking({ repo: findRepo(cwd), mlruns: config.mlruns, branch: config.branch, largeFileBytes: config.largeArtifactBytes, paths });
}
