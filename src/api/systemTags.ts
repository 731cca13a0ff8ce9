/** The tags MLflow's context providers put on every new run: user, source, git commit. */
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { readSourceInfo } from '../git/sourceInfo.js';

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
}

export function systemTags(options: SystemTagOptions = {}): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.user': currentUser(),
    'mlflow.source.name': options.sourceName ?? basename(process.argv[1] ?? 'node'),
    'mlflow.source.type': options.sourceType ?? 'LOCAL',
  };
  const source = readSourceInfo(options.cwd ?? process.cwd());
  if (source) {
    tags['mlflow.source.git.commit'] = source.commit;
    if (source.branch) tags['mlflow.source.git.branch'] = source.branch;
    if (source.repoUrl) tags['mlflow.source.git.repoURL'] = source.repoUrl;
  }
  return tags;
}
