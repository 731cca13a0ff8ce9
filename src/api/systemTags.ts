/** The tags MLflow's context providers put on every new run: user, source, git commit. */
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { findRepo } from '../git/repo.js';
import { readSourceInfo } from '../git/sourceInfo.js';
import type { SnapshotPolicy } from '../git/snapshotPolicy.js';
import { snapshotExcludes, snapshotWorkTree } from '../git/sourceSnapshot.js';

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return userInfo().username || env.USER || 'unknown';
  } catch {
    return env.USER || env.USERNAME || 'unknown';
  }
}

export interface SystemTagOptions {
  /** What ran: a script path or command (MLflow: sys.argv[0]). */
  sourceName?: string;
  sourceType?: 'LOCAL' | 'PROJECT' | 'JOB' | 'NOTEBOOK' | 'UNKNOWN';
  /** Directory whose git repository is the run's code. */
  cwd?: string;
  /** The mlruns tree, left out of source snapshots. */
  mlruns?: string;
  /** Snapshot a dirty work tree (default true). */
  snapshot?: boolean;
  /** What the snapshot may take (default: tracked files' changes only). */
  snapshotPolicy?: Partial<SnapshotPolicy>;
  /** Where the snapshot's choices are reported (the CLI: stderr). */
  report?: (line: string) => void;
}

export const SNAPSHOT_TAG = 'mltrack.source.snapshot';
export const COMMAND_TAG = 'mltrack.source.command';

/** The snapshot policy and command-line setting of a loaded config, as systemTags takes them. */
export function sourceOptions(config: { sourceSnapshot: { untracked: boolean; deny: string[] }; largeArtifactBytes: number; recordCommandLine: boolean }): { snapshotPolicy: SnapshotPolicy; recordCommandLine: boolean } {
  return { snapshotPolicy: { ...config.sourceSnapshot, largeFileBytes: config.largeArtifactBytes }, recordCommandLine: config.recordCommandLine };
}

/** MLflow's context tags plus lineage: commit, branch, remote, dirty flag and, when dirty, a source snapshot. */
export async function systemTags(options: SystemTagOptions = {}): Promise<Record<string, string>> {
  const tags: Record<string, string> = {
    'mlflow.user': currentUser(),
    'mlflow.source.name': options.sourceName ?? basename(process.argv[1] ?? 'node'),
    'mlflow.source.type': options.sourceType ?? 'LOCAL',
  };
  const policy: SnapshotPolicy = { untracked: false, deny: [], largeFileBytes: 50 * 1024 * 1024, ...options.snapshotPolicy };
  const source = readSourceInfo(options.cwd ?? process.cwd(), options.mlruns ? [options.mlruns] : [], { untracked: policy.untracked });
  if (source) {
    tags['mlflow.source.git.commit'] = source.commit;
    if (source.branch) tags['mlflow.source.git.branch'] = source.branch;
    if (source.repoUrl) tags['mlflow.source.git.repoURL'] = source.repoUrl;
    tags['mlflow.source.git.dirty'] = source.dirty ? 'true' : 'false';
    if (source.dirty && options.snapshot !== false) {
      const repo = findRepo(source.root);
      const snapshot = await snapshotWorkTree(repo, options.mlruns ? snapshotExcludes(repo, options.mlruns) : [], policy, options.report);
      if (snapshot) tags[SNAPSHOT_TAG] = snapshot;
    }
  }
  return tags;
}
