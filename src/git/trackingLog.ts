/** The tracking branch's history with the trailers mltrack writes, filtered by run, experiment or model. */
import { fail } from '../format/errors.js';
import { git, type GitRepo } from './repo.js';
import { SNAPSHOT_SUBJECT } from './sourceSnapshot.js';

export interface LogEntry {
  commit: string;
  author: string;
  email: string;
  /** Milliseconds since the epoch. */
  time: number;
  subject: string;
  trailers: { key: string; value: string }[];
}

export interface LogOptions {
  rev: string;
  maxCount?: number;
  runId?: string;
  experimentId?: string;
  model?: string;
}

const SEP = '\u001e';

export async function readTrackingLog(repo: GitRepo, options: LogOptions): Promise<LogEntry[]> {
  let out: string;
  try {
    out = await git(repo, ['log', '--first-parent', `--format=%H%x1f%an%x1f%ae%x1f%at%x1f%s%x1f%(trailers:only,unfold)${SEP}`, options.rev, '--']);
  } catch {
    throw fail('NOT_FOUND', `No tracking history at '${options.rev}': run 'mltrack commit' first`);
  }
  const entries: LogEntry[] = [];
  for (const record of out.split(SEP)) {
    const fields = record.replace(/^\n/, '').split('\u001f');
    if (fields.length < 6) continue;
    const [commit, author, email, time, subject, trailerText] = fields as [string, string, string, string, string, string];
    const trailers = trailerText
      .split('\n')
      .map((line) => /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ key: m[1]!, value: m[2]! }));
    // The first tracking commit of a run from a dirty tree has the source snapshot as its first
    // parent; beyond it lie the user's own code commits, which are not tracking history.
    if (subject === SNAPSHOT_SUBJECT) break;
    const entry = { commit, author, email, time: Number(time) * 1000, subject, trailers };
    if (options.runId && !trailers.some((t) => t.key.startsWith('Mltrack-Run-') && t.value === options.runId)) continue;
    if (options.experimentId && !trailers.some((t) => t.key.startsWith('Mltrack-Experiment-') && t.value === options.experimentId)) continue;
    if (options.model && !trailers.some((t) => t.key === 'Mltrack-Model' && t.value === options.model)) continue;
    entries.push(entry);
    if (options.maxCount && entries.length >= options.maxCount) break;
  }
  return entries;
}
