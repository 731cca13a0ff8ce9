/**
 * How one file of the mlruns tree is merged when both sides changed it (spec/git-layout.md):
 * metric histories keep every line; a run's meta.yaml takes the side that is further along; an
 * experiment's or registry meta.yaml takes the later update; anything else is a conflict that keeps
 * our side and reports theirs, which stays reachable as the merge's second parent.
 */
import { parseExperimentMeta } from '../format/experimentMeta.js';
import { parseRunMeta } from '../format/runMeta.js';
import { YamlFields } from '../format/yaml.js';

export type FileKind = 'metric' | 'run-meta' | 'experiment-meta' | 'registry-meta' | 'other';

/** What a path under mlruns/ is, by its place in the layout. */
export function classify(path: string): FileKind {
  const parts = path.split('/');
  const top = parts[0] === '.trash' ? parts.slice(1) : parts;
  if (top[0] === 'models') return parts[parts.length - 1] === 'meta.yaml' ? 'registry-meta' : 'other';
  if (top.length === 2 && top[1] === 'meta.yaml') return 'experiment-meta';
  if (top.length === 3 && top[2] === 'meta.yaml') return 'run-meta';
  if (top.length >= 4 && top[2] === 'metrics') return 'metric';
  return 'other';
}

/** The lines of a metric file, without their newlines. */
export function metricLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

const lines = metricLines;

/** The lines of `wanted` that `have` does not hold, counted as a multiset, in `wanted`'s order. */
export function missingLines(wanted: string[], have: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of have) counts.set(line, (counts.get(line) ?? 0) + 1);
  const out: string[] = [];
  for (const line of wanted) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else out.push(line);
  }
  return out;
}

/** Timestamp of a metric line, for ordering appended lines; lines that do not parse sort last. */
function lineTime(line: string): number {
  const n = Number(line.trim().split(' ')[0]);
  return Number.isFinite(n) ? n : Infinity;
}

/**
 * Metric files only grow. Lines appended on either side after the common base are all kept, in
 * timestamp order (ours first on ties; a line appended identically on both sides is kept once); if a side rewrote the base (not something MLflow does),
 * every line of both is kept once.
 */
export function mergeMetricLines(base: string, ours: string, theirs: string): string {
  const b = lines(base);
  const o = lines(ours);
  const t = lines(theirs);
  const startsWithBase = (side: string[]) => b.every((line, i) => side[i] === line);
  let merged: string[];
  if (startsWithBase(o) && startsWithBase(t)) {
    // A line both sides appended (a pull interrupted after materialising it, then committed) counts once.
    const ourAppends = o.slice(b.length);
    const appended = [...ourAppends, ...missingLines(t.slice(b.length), ourAppends)];
    merged = [...b, ...appended.map((line, i) => ({ line, i })).sort((x, y) => lineTime(x.line) - lineTime(y.line) || x.i - y.i).map((x) => x.line)];
  }
  else {
    // Multiset union: every line of ours, plus each line of theirs not already counted.
    merged = [...o, ...missingLines(t, o)];
  }
  return merged.length ? merged.join('\n') + '\n' : '';
}

/** A run that ended, or was deleted, later is further along than one still running. */
function runProgress(text: string): [number, number, number] | null {
  try {
    const { info } = parseRunMeta(text, 'meta.yaml');
    const terminal = info.status === 'RUNNING' || info.status === 'SCHEDULED' ? 0 : 1;
    return [terminal, info.endTime ?? 0, info.deletedTime ?? 0];
  } catch {
    return null;
  }
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function updateTime(text: string, kind: 'experiment-meta' | 'registry-meta'): number | null {
  try {
    if (kind === 'experiment-meta') return parseExperimentMeta(text, 'meta.yaml').lastUpdateTime;
    return YamlFields.parse(text, 'meta.yaml').int('last_updated_timestamp') ?? null;
  } catch {
    return null;
  }
}

export type FileMerge = { text: string; conflict: false } | { text: string; conflict: true; reason: string };

/** Merge one file changed on both sides. `base` is '' when the file is new on both. */
export function mergeFile(path: string, base: string, ours: string, theirs: string): FileMerge {
  const kind = classify(path);
  if (kind === 'metric') return { text: mergeMetricLines(base, ours, theirs), conflict: false };
  if (kind === 'run-meta') {
    const [o, t] = [runProgress(ours), runProgress(theirs)];
    if (o && t) return { text: compareTuples(t, o) > 0 ? theirs : ours, conflict: false };
  }
  if (kind === 'experiment-meta' || kind === 'registry-meta') {
    const [o, t] = [updateTime(ours, kind), updateTime(theirs, kind)];
    if (o !== null && t !== null) return { text: t > o ? theirs : ours, conflict: false };
  }
  return { text: ours, conflict: true, reason: `${kind} unreadable on one side: kept ours` };
}
