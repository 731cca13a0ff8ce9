/**
 * Registry events as they happen, before any commit: one JSON line per registration and stage change
 * (spec/tags.md, "Events between commits"). The files keep only a version's latest state, so two
 * transitions between commits would otherwise collapse into one; `mltrack commit` takes this log and
 * turns each line into its own tag. The file lives outside mlruns/ (in the repository's .git), so
 * MLflow and snapshots never see it. Appends are one write() each, like metric lines.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface LoggedRegistryEvent {
  kind: 'registered' | 'stage';
  model: string;
  version: number;
  /** Canonical stage for stage events (`Staging`, `Deleted_Internal`, ...). */
  stage?: string;
  /** Milliseconds since the epoch: the version's last_updated_timestamp the change wrote. */
  timestamp: number;
  reason: string | null;
  runId: string | null;
  /** The authenticated user who made the change (null: none; absent in lines written before users were logged). */
  changedBy?: string | null;
}

export function appendRegistryEvent(path: string, event: LoggedRegistryEvent): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, JSON.stringify(event) + '\n');
}

function parseLine(line: string): LoggedRegistryEvent | null {
  try {
    const e = JSON.parse(line) as LoggedRegistryEvent;
    if ((e.kind !== 'registered' && e.kind !== 'stage') || typeof e.model !== 'string' || !Number.isSafeInteger(e.version) || !Number.isSafeInteger(e.timestamp)) return null;
    if (e.kind === 'stage' && typeof e.stage !== 'string') return null;
    return { kind: e.kind, model: e.model, version: e.version, stage: e.stage, timestamp: e.timestamp, reason: typeof e.reason === 'string' ? e.reason : null, runId: typeof e.runId === 'string' ? e.runId : null, changedBy: typeof e.changedBy === 'string' || e.changedBy === null ? e.changedBy : undefined };
  } catch {
    return null; // a line cut short by a crash: the diff of the files still tags that change
  }
}

/** The events in one log file, in the order they were written. */
export function readRegistryEventLog(path: string): LoggedRegistryEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map(parseLine).filter((e): e is LoggedRegistryEvent => e !== null);
}

export interface TakenEvents {
  events: LoggedRegistryEvent[];
  /** Put back what the commit did not use (appended after whatever was logged meanwhile), and drop the taken files. */
  finish(unused: LoggedRegistryEvent[]): void;
}

/**
 * Move the log aside (new events go to a fresh file meanwhile) and read it, with any log a killed
 * commit left aside before.
 */
export function takeRegistryEventLog(path: string): TakenEvents {
  const dir = dirname(path);
  const prefix = `${basename(path)}.taken-`;
  if (existsSync(path)) renameSync(path, join(dir, `${prefix}${process.pid}-${Date.now()}`));
  const taken = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(prefix)).sort().map((n) => join(dir, n)) : [];
  const events = taken.flatMap(readRegistryEventLog);
  return {
    events,
    finish(unused) {
      for (const e of unused) appendRegistryEvent(path, e);
      for (const file of taken) rmSync(file, { force: true });
    },
  };
}
