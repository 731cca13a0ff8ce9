/**
 * The incremental build's state (`.mltrack-build` in the site root, never published): per run its
 * experiment, directory, shard and stat stamp (runSignature.ts), per experiment its shards' summaries
 * and the stamp of its datasets. One binary file: a JSON header for the strings and the numbers of
 * every stamp as one Float64Array and one Int32Array after it, so reading the state of 10,000 runs
 * is one read and a few views, not a 7 MB JSON parse into a million objects.
 * Listings are renumbered by first use when written, so ones no run uses any more are dropped.
 */
import { NameLists, type TreeStamp } from './runSignature.js';

export const BUILD_STATE = '.mltrack-build';
const MAGIC = 'mltrack-site-build/3\n';

/** What a shard adds to its experiment's summary in site.json. */
export interface ShardSummary {
  count: number;
  active: number;
  lastRunStart: number | null;
  metricKeys: string[];
  paramKeys: string[];
  tagKeys: string[];
}

export interface RunState {
  experimentId: string;
  dir: string;
  shard: number;
  /** Null when the run cannot be signed: it is rebuilt every time. */
  stamp: TreeStamp | null;
  /** Its name and its `mlflow.parentRunId`, for the experiment's families file. */
  runName: string | null;
  parent: string | null;
}

export interface ExperimentState {
  artifactLocation: string;
  shards: ShardSummary[];
  /** The stamp of its `datasets/` (every run's inputs point there); null: not signable. */
  datasets: TreeStamp | null;
}

export interface BuildState {
  /** Everything besides the runs that the data depends on; another key means a full build. */
  key: string;
  runs: Map<string, RunState>;
  experiments: Map<string, ExperimentState>;
  lists: NameLists;
}

interface Header {
  key: string;
  lists: string[][];
  experiments: [id: string, artifactLocation: string, shards: ShardSummary[], datasets: number][];
  /** Columns, one element per run; `stamp` is a stamp's index, -1 for none. */
  runs: { id: string[]; experiment: number[]; dir: string[]; shard: number[]; stamp: number[]; name: (string | null)[]; parent: (string | 0)[] };
  /** Per stamp, how many dirs and stats entries it has (they follow one another in the arrays). */
  stamps: { dirs: number[]; stats: number[] };
}

export function encodeState(state: BuildState): Buffer {
  const stamps: TreeStamp[] = [];
  const remap = new Map<number, number>();
  const lists: string[][] = [];
  const addStamp = (s: TreeStamp | null): number => {
    if (!s) return -1;
    for (const id of s.dirs) {
      if (id >= 0 && !remap.has(id)) {
        remap.set(id, lists.length);
        lists.push(state.lists.get(id));
      }
    }
    stamps.push(s);
    return stamps.length - 1;
  };
  const expIndex = new Map<string, number>();
  const experiments: Header['experiments'] = [];
  for (const [id, e] of state.experiments) {
    expIndex.set(id, experiments.length);
    experiments.push([id, e.artifactLocation, e.shards, addStamp(e.datasets)]);
  }
  const runs: Header['runs'] = { id: [], experiment: [], dir: [], shard: [], stamp: [], name: [], parent: [] };
  for (const [id, r] of state.runs) {
    const exp = expIndex.get(r.experimentId);
    if (exp === undefined) continue; // cannot happen: a run's experiment is recorded with it
    runs.id.push(id);
    runs.experiment.push(exp);
    runs.dir.push(r.dir);
    runs.shard.push(r.shard);
    runs.stamp.push(addStamp(r.stamp));
    runs.name.push(r.runName);
    runs.parent.push(r.parent ?? 0);
  }
  const header: Header = { key: state.key, lists, experiments, runs, stamps: { dirs: stamps.map((s) => s.dirs.length), stats: stamps.map((s) => s.stats.length) } };
  const json = Buffer.from(MAGIC + JSON.stringify(header), 'utf8');
  const statsAt = Math.ceil((4 + json.length) / 8) * 8;
  const statCount = header.stamps.stats.reduce((n, x) => n + x, 0);
  const dirCount = header.stamps.dirs.reduce((n, x) => n + x, 0);
  const dirsAt = statsAt + statCount * 8;
  const buf = Buffer.alloc(dirsAt + dirCount * 4);
  buf.writeUInt32LE(json.length, 0);
  json.copy(buf, 4);
  const stats = new Float64Array(buf.buffer, buf.byteOffset + statsAt, statCount);
  const dirs = new Int32Array(buf.buffer, buf.byteOffset + dirsAt, dirCount);
  let s = 0;
  let d = 0;
  for (const stamp of stamps) {
    stats.set(stamp.stats, s);
    s += stamp.stats.length;
    for (const id of stamp.dirs) dirs[d++] = id >= 0 ? remap.get(id)! : id;
  }
  return buf;
}

/** The state in `buf`, or null when it is not one this version wrote (then the build is a full one). */
export function decodeState(buf: Buffer): BuildState | null {
  if (buf.length < 4) return null;
  const jsonLength = buf.readUInt32LE(0);
  if (4 + jsonLength > buf.length) return null;
  const text = buf.toString('utf8', 4, 4 + jsonLength);
  if (!text.startsWith(MAGIC)) return null;
  const header = JSON.parse(text.slice(MAGIC.length)) as Header;
  const statsAt = Math.ceil((4 + jsonLength) / 8) * 8;
  const statCount = header.stamps.stats.reduce((n, x) => n + x, 0);
  const dirCount = header.stamps.dirs.reduce((n, x) => n + x, 0);
  const dirsAt = statsAt + statCount * 8;
  if (buf.length !== dirsAt + dirCount * 4) return null;
  // Typed views need aligned offsets; a buffer that is not gets copied once.
  const aligned = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
  const stats = new Float64Array(aligned.buffer, aligned.byteOffset + statsAt, statCount);
  const dirs = new Int32Array(aligned.buffer, aligned.byteOffset + dirsAt, dirCount);
  const stamps: TreeStamp[] = [];
  let s = 0;
  let d = 0;
  for (let i = 0; i < header.stamps.stats.length; i++) {
    const ns = header.stamps.stats[i]!;
    const nd = header.stamps.dirs[i]!;
    stamps.push({ stats: stats.subarray(s, s + ns), dirs: dirs.subarray(d, d + nd) });
    s += ns;
    d += nd;
  }
  for (let i = 0; i < dirs.length; i++) if (dirs[i]! >= header.lists.length) return null;
  const experiments = new Map<string, ExperimentState>();
  const ids: string[] = [];
  for (const [id, artifactLocation, shards, datasets] of header.experiments) {
    ids.push(id);
    experiments.set(id, { artifactLocation, shards, datasets: datasets >= 0 ? stamps[datasets]! : null });
  }
  const runs = new Map<string, RunState>();
  const r = header.runs;
  for (let i = 0; i < r.id.length; i++) {
    const stamp = r.stamp[i]!;
    const parent = r.parent[i];
    runs.set(r.id[i]!, {
      experimentId: ids[r.experiment[i]!]!, dir: r.dir[i]!, shard: r.shard[i]!, stamp: stamp >= 0 ? stamps[stamp]! : null,
      runName: r.name[i] ?? null, parent: typeof parent === 'string' ? parent : null,
    });
  }
  return { key: header.key, runs, experiments, lists: new NameLists(header.lists) };
}
