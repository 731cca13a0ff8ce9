/**
 * The stored index file of one experiment (spec/search-index.md): run infos and signatures in one
 * section, one column per value file, run blobs in chunks; read lazily, written whole.
 */
import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { Metric, Run, RunInfo } from '../../format/entities.js';
import type { ReadWarning } from '../readWarnings.js';
import { CorruptIndex, IndexFile, writeIndexFile } from './indexFile.js';
import type { CapturedRun } from './runCapture.js';
import { MISSING } from './statSignature.js';

export const FORMAT_VERSION = 1;
/** Runs per blob section: a page of runs loads only the chunks that hold them. */
const CHUNK = 1024;

/** One run in the index, stored or captured in this process. */
export interface Entry {
  readonly name: string;
  readonly info: RunInfo | null;
  readonly warnings: readonly ReadWarning[];
  readonly racy: boolean;
  signature(path: string): number;
  paths(): string[];
  /** A param or tag value or a latest metric, by its path (`params/lr`), or undefined. */
  value(path: string): string | Metric | undefined;
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
  infos: (RunInfo | null)[];
  warnings: (ReadWarning[] | null)[];
  racy: boolean[];
  sigStart: Int32Array;
  sigPath: Int32Array;
  sigValue: Float64Array;
  blobStart: Float64Array;
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

export class StoredIndex {
  readonly runs: RunsSection;
  private readonly pathIds: Map<string, number>;
  private readonly columns = new Map<string, (string | Metric | null)[] | null>();
  private readonly chunks = new Map<number, Buffer>();

  constructor(private readonly file: IndexFile, readonly meta: StoredMeta) {
    this.runs = deserialize(file.section('runs')) as RunsSection;
    if (this.runs.names.length !== meta.count || this.runs.sigStart.length !== meta.count + 1) throw new CorruptIndex('run count');
    this.pathIds = new Map(meta.paths.map((p, i) => [p, i]));
  }

  signature(i: number, path: string): number {
    const id = this.pathIds.get(path);
    if (id === undefined) return MISSING;
    const { sigStart, sigPath, sigValue } = this.runs;
    for (let k = sigStart[i]!; k < sigStart[i + 1]!; k++) if (sigPath[k] === id) return sigValue[k]!;
    return MISSING;
  }

  paths(i: number): string[] {
    const out: string[] = [];
    for (let k = this.runs.sigStart[i]!; k < this.runs.sigStart[i + 1]!; k++) out.push(this.meta.paths[this.runs.sigPath[k]!]!);
    return out;
  }

  signatures(i: number): number[] {
    return Array.from(this.runs.sigValue.subarray(this.runs.sigStart[i]!, this.runs.sigStart[i + 1]!));
  }

  value(i: number, path: string): string | Metric | undefined {
    if (!this.columns.has(path)) {
      const name = `col:${path}`;
      this.columns.set(path, this.file.has(name) ? (deserialize(this.file.section(name)) as (string | Metric | null)[]) : null);
    }
    return this.columns.get(path)?.[i] ?? undefined;
  }

  full(i: number): Run | null {
    if (!this.runs.infos[i]) return null;
    const chunk = Math.floor(i / CHUNK);
    let bytes = this.chunks.get(chunk);
    if (!bytes) this.chunks.set(chunk, (bytes = this.file.section(`blob:${chunk}`)));
    const base = this.runs.blobStart[chunk * CHUNK]!;
    return reviveRun(deserialize(bytes.subarray(this.runs.blobStart[i]! - base, this.runs.blobStart[i + 1]! - base)) as Run);
  }

  close(): void {
    this.file.close();
  }
}

export class StoredEntry implements Entry {
  constructor(private readonly s: StoredIndex, private readonly i: number) {}
  get name() { return this.s.runs.names[this.i]!; }
  get info() { return this.s.runs.infos[this.i] ?? null; }
  get warnings() { return this.s.runs.warnings[this.i] ?? []; }
  get racy() { return this.s.runs.racy[this.i]!; }
  signature(path: string) { return this.s.signature(this.i, path); }
  paths() { return this.s.paths(this.i); }
  value(path: string) { return this.s.value(this.i, path); }
  full() { return this.s.full(this.i); }
  captured(): CapturedRun {
    return { name: this.name, run: this.full(), warnings: [...this.warnings], racy: this.racy, paths: this.paths(), signatures: this.s.signatures(this.i) };
  }
}

export function writeStored(path: string, base: Omit<StoredMeta, 'id' | 'count' | 'paths'>, entries: CapturedRun[]): void {
  const n = entries.length;
  const pathIds = new Map<string, number>();
  const idOf = (p: string) => {
    let id = pathIds.get(p);
    if (id === undefined) pathIds.set(p, (id = pathIds.size));
    return id;
  };
  const sigStart = new Int32Array(n + 1);
  const total = entries.reduce((sum, e) => sum + e.paths.length, 0);
  const sigPath = new Int32Array(total);
  const sigValue = new Float64Array(total);
  const blobStart = new Float64Array(n + 1);
  const columns = new Map<string, (string | Metric | null)[]>();
  const blobs: Buffer[][] = [];
  let k = 0;
  let offset = 0;
  entries.forEach((e, i) => {
    sigStart[i] = k;
    e.paths.forEach((p, j) => {
      sigPath[k] = idOf(p);
      sigValue[k++] = e.signatures[j]!;
    });
    blobStart[i] = offset;
    if (!e.run) return;
    for (const folder of Object.keys(FOLDERS) as (keyof typeof FOLDERS)[]) {
      for (const [key, value] of Object.entries(e.run.data[folder])) {
        const path = `${folder}/${key}`;
        let column = columns.get(path);
        if (!column) columns.set(path, (column = new Array(n).fill(null)));
        column[i] = value;
      }
    }
    const blob = serialize(e.run);
    (blobs[Math.floor(i / CHUNK)] ??= []).push(blob);
    offset += blob.length;
  });
  sigStart[n] = k;
  blobStart[n] = offset;
  const runs: RunsSection = {
    names: entries.map((e) => e.name),
    infos: entries.map((e) => e.run?.info ?? null),
    warnings: entries.map((e) => (e.warnings.length ? e.warnings : null)),
    racy: entries.map((e) => e.racy),
    sigStart, sigPath, sigValue, blobStart,
  };
  const sections = new Map<string, Uint8Array>([['runs', serialize(runs)]]);
  for (const [path, column] of columns) sections.set(`col:${path}`, serialize(column));
  blobs.forEach((chunk, c) => sections.set(`blob:${c}`, Buffer.concat(chunk)));
  writeIndexFile(path, { ...base, id: randomBytes(8).toString('hex'), count: n, paths: [...pathIds.keys()] }, sections);
}
