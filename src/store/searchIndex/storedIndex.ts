/**
 * The stored index file of one experiment (spec/search-index.md): run infos in one section, one
 * signature column and one value column per path, one blob per run; read lazily, written whole.
 */
import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { Run, RunInfo } from '../../format/entities.js';
import type { ReadWarning } from '../readWarnings.js';
import { CorruptIndex, IndexFile, writeIndexFile } from './indexFile.js';
import type { CapturedRun } from './runCapture.js';
import { MISSING } from './statSignature.js';

export const FORMAT_VERSION = 3;

/** The fields of a run's info stored as columns for queries; `runId` is the run's directory name. */
const INFO_COLUMNS = ['runName', 'userId', 'status', 'startTime', 'endTime', 'artifactUri', 'lifecycleStage'] as const;

/** One run in the index, stored or captured in this process. */
export interface Entry {
  readonly name: string;
  /** Whether the run is one MLflow lists (false: damaged or not a run; the warnings say why). */
  readonly listed: boolean;
  /** One field of the run's info, for filtering and sorting; the whole info comes with `full()`. */
  infoField<K extends keyof RunInfo>(field: K): RunInfo[K];
  readonly warnings: readonly ReadWarning[];
  readonly racy: boolean;
  signature(path: string): number;
  paths(): string[];
  /** The signature of each of `paths()`, in its order. */
  signatures(): number[];
  /** What a query compares, by its path: a param's or tag's value, a latest metric's value; or undefined. */
  value(path: string): string | number | undefined;
  full(): Run | null;
  captured(): CapturedRun;
}

export interface StoredMeta {
  version: number;
  root: string;
  dir: string;
  id: string;
  count: number;
  paths: string[];
}

interface RunsSection {
  names: string[];
  listed: Uint8Array;
  warnings: (ReadWarning[] | null)[];
  racy: Uint8Array;
  /** Run `i`'s blob is bytes `blobStart[i] .. blobStart[i+1]` of the `blobs` section. */
  blobStart: Float64Array;
  blobCrc: Int32Array;
}

/** What a run's blob holds: every path it was signed by, and the run. */
interface RunBlob {
  pathIds: Int32Array;
  signatures: Float64Array;
  run: Run | null;
}

const FOLDERS = { params: 'params', tags: 'tags', metrics: 'metrics' } as const;

/** `params/lr` -> ['params', 'lr']; null for anything that is not a value file. */
export function splitValuePath(path: string): [keyof typeof FOLDERS, string] | null {
  const slash = path.indexOf('/');
  const folder = path.slice(0, slash);
  if (slash < 0 || !(folder in FOLDERS) || path.endsWith('/')) return null;
  return [folder as keyof typeof FOLDERS, path.slice(slash + 1)];
}

function nullProto<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}

/** v8 gives plain objects back: the reader's records have no prototype (a key may be `__proto__`). */
export function reviveRun(run: Run): Run {
  run.data = { params: nullProto(run.data.params), tags: nullProto(run.data.tags), metrics: nullProto(run.data.metrics) };
  return run;
}

/** A latest-metric column: the values as raw doubles (NaN and infinities included), then one presence byte per run. */
interface NumberColumn {
  values: Float64Array;
  present: Uint8Array;
}

function numberColumnBytes(values: Float64Array, present: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength + present.byteLength);
  bytes.set(new Uint8Array(values.buffer), 0);
  bytes.set(present, values.byteLength);
  return bytes;
}

function numberColumn(bytes: Buffer, count: number): NumberColumn {
  if (bytes.length !== count * 9) throw new CorruptIndex('metric column size');
  const copy = new Uint8Array(bytes); // aligned for the Float64Array view
  return { values: new Float64Array(copy.buffer, 0, count), present: copy.subarray(count * 8) };
}

/**
 * Loads what a query touches and nothing else: the `runs` section, the signature and value
 * columns of the paths it checks, and the blobs of the runs it returns, each by its own
 * positioned read checked against its CRC-32 (a page of runs scattered over 100,000 reads a few
 * hundred kilobytes, not the whole file).
 */
export class StoredIndex {
  readonly runs: RunsSection;
  private readonly pathIds: Map<string, number>;
  private readonly columns = new Map<string, (string | null)[] | NumberColumn | null>();
  private readonly sigColumns = new Map<number, Float64Array>();
  private readonly blobs = new Map<number, RunBlob>();
  private readonly infoColumns = new Map<string, unknown[]>();

  constructor(private readonly file: IndexFile, readonly meta: StoredMeta) {
    this.runs = deserialize(file.section('runs')) as RunsSection;
    const { names, listed, racy, blobStart, blobCrc } = this.runs;
    const n = meta.count;
    if (names.length !== n || listed.length !== n || racy.length !== n || blobStart.length !== n + 1 || blobCrc.length !== n) throw new CorruptIndex('run count');
    this.pathIds = new Map(meta.paths.map((p, i) => [p, i]));
  }

  infoField(i: number, field: keyof RunInfo): unknown {
    if (field === 'runId') return this.runs.names[i];
    let column = this.infoColumns.get(field);
    if (!column) {
      const name = `info:${field}`;
      // A field without a column (deletedTime): from the run itself.
      if (!this.file.has(name)) return this.full(i)?.info[field];
      column = deserialize(this.file.section(name)) as unknown[];
      if (column.length !== this.meta.count) throw new CorruptIndex(`info column ${field}`);
      this.infoColumns.set(field, column);
    }
    return column[i];
  }

  signature(i: number, path: string): number {
    const id = this.pathIds.get(path);
    if (id === undefined) return MISSING;
    let column = this.sigColumns.get(id);
    if (!column) {
      const bytes = this.file.section(`sig:${id}`);
      if (bytes.length !== this.meta.count * 8) throw new CorruptIndex(`signature column ${id}`);
      // A copy: the section's buffer may sit at an offset a Float64Array cannot start at.
      this.sigColumns.set(id, (column = new Float64Array(new Uint8Array(bytes).buffer)));
    }
    return column[i]!;
  }

  paths(i: number): string[] {
    return Array.from(this.blob(i).pathIds, (id) => this.meta.paths[id]!);
  }

  signatures(i: number): number[] {
    return Array.from(this.blob(i).signatures);
  }

  value(i: number, path: string): string | number | undefined {
    let column = this.columns.get(path);
    if (column === undefined) {
      column = null;
      if (this.file.has(`col:${path}`)) column = deserialize(this.file.section(`col:${path}`)) as (string | null)[];
      else if (this.file.has(`num:${path}`)) column = numberColumn(this.file.section(`num:${path}`), this.meta.count);
      this.columns.set(path, column);
    }
    if (!column) return undefined;
    if (Array.isArray(column)) return column[i] ?? undefined;
    return column.present[i] ? column.values[i] : undefined;
  }

  full(i: number): Run | null {
    if (!this.runs.listed[i]) return null;
    return this.blob(i).run;
  }

  private blob(i: number): RunBlob {
    let blob = this.blobs.get(i);
    if (!blob) {
      const { blobStart, blobCrc } = this.runs;
      const bytes = this.file.range('blobs', blobStart[i]!, blobStart[i + 1]!);
      if ((crc32(bytes) | 0) !== blobCrc[i]) throw new CorruptIndex(`damaged run ${i}`);
      blob = deserialize(bytes) as RunBlob;
      if (blob.run) reviveRun(blob.run);
      this.blobs.set(i, blob);
    }
    return blob;
  }

  close(): void {
    this.file.close();
  }
}

export class StoredEntry implements Entry {
  constructor(private readonly s: StoredIndex, private readonly i: number) {}
  get name() { return this.s.runs.names[this.i]!; }
  get listed() { return this.s.runs.listed[this.i] === 1; }
  infoField<K extends keyof RunInfo>(field: K) { return this.s.infoField(this.i, field) as RunInfo[K]; }
  get warnings() { return this.s.runs.warnings[this.i] ?? []; }
  get racy() { return this.s.runs.racy[this.i] === 1; }
  signature(path: string) { return this.s.signature(this.i, path); }
  paths() { return this.s.paths(this.i); }
  signatures() { return this.s.signatures(this.i); }
  value(path: string) { return this.s.value(this.i, path); }
  full() { return this.s.full(this.i); }
  captured(): CapturedRun {
    return { name: this.name, run: this.full(), warnings: [...this.warnings], racy: this.racy, paths: this.paths(), signatures: this.signatures() };
  }
}

export function writeStored(path: string, base: Omit<StoredMeta, 'id' | 'count' | 'paths'>, entries: CapturedRun[]): void {
  const n = entries.length;
  const pathIds = new Map<string, number>();
  const sigColumns: Float64Array[] = [];
  const idOf = (p: string) => {
    let id = pathIds.get(p);
    if (id === undefined) {
      pathIds.set(p, (id = pathIds.size));
      sigColumns.push(new Float64Array(n)); // MISSING (0) for the runs without it
    }
    return id;
  };
  const blobStart = new Float64Array(n + 1);
  const blobCrc = new Int32Array(n);
  const columns = new Map<string, (string | null)[]>();
  const numbers = new Map<string, NumberColumn>();
  const blobs: Buffer[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const ids = Int32Array.from(e.paths, idOf);
    ids.forEach((id, j) => (sigColumns[id]![i] = e.signatures[j]!));
    const blob = serialize({ pathIds: ids, signatures: Float64Array.from(e.signatures), run: e.run } satisfies RunBlob);
    blobStart[i] = offset;
    blobCrc[i] = crc32(blob) | 0;
    blobs.push(blob);
    offset += blob.length;
    if (!e.run) return;
    for (const folder of ['params', 'tags'] as const) {
      for (const [key, value] of Object.entries(e.run.data[folder])) {
        const valuePath = `${folder}/${key}`;
        let column = columns.get(valuePath);
        if (!column) columns.set(valuePath, (column = new Array(n).fill(null)));
        column[i] = value;
      }
    }
    for (const [key, metric] of Object.entries(e.run.data.metrics)) {
      const valuePath = `metrics/${key}`;
      let column = numbers.get(valuePath);
      if (!column) numbers.set(valuePath, (column = { values: new Float64Array(n), present: new Uint8Array(n) }));
      column.values[i] = metric.value;
      column.present[i] = 1;
    }
  });
  blobStart[n] = offset;
  const runs: RunsSection = {
    names: entries.map((e) => e.name),
    listed: Uint8Array.from(entries, (e) => (e.run ? 1 : 0)),
    warnings: entries.map((e) => (e.warnings.length ? e.warnings : null)),
    racy: Uint8Array.from(entries, (e) => (e.racy ? 1 : 0)),
    blobStart,
    blobCrc,
  };
  // The runs section last: it is read by every query, so damage at the end of a file shows at once.
  const sections = new Map<string, Uint8Array>([['blobs', Buffer.concat(blobs)]]);
  for (const [valuePath, column] of columns) sections.set(`col:${valuePath}`, serialize(column));
  for (const [valuePath, column] of numbers) sections.set(`num:${valuePath}`, numberColumnBytes(column.values, column.present));
  sigColumns.forEach((column, id) => sections.set(`sig:${id}`, new Uint8Array(column.buffer)));
  for (const field of INFO_COLUMNS) sections.set(`info:${field}`, serialize(entries.map((e) => e.run?.info[field] ?? null)));
  sections.set('runs', serialize(runs));
  writeIndexFile(path, { ...base, id: randomBytes(8).toString('hex'), count: n, paths: [...pathIds.keys()] }, sections);
}
