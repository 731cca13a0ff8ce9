/** `auto_commit: true` in .mltrack.yml: every run that ends is committed to the tracking branch at once. */
import { findRepo } from '../git/repo.js';
import { commitTracking, type CommitResult } from '../git/trackingCommit.js';
import type { Config } from './config.js';

/** Commits when the config asks for it; returns the commit, or null when off or nothing changed. */
export async function commitIfAutomatic(config: Config, cwd: string): Promise<CommitResult | null> {
  if (!config.autoCommit) return null;
  return commitTracking({ repo: findRepo(cwd), mlruns: config.mlruns, branch: config.branch, largeFileBytes: config.largeArtifactBytes });
}
