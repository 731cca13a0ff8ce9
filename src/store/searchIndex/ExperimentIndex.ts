/**
 * The search index of one experiment directory. On disk: a stored file (spec/search-index.md)
 * whose columns and run blobs are loaded only when a query asks for them, plus a small delta
 * file of the runs captured since, so refreshing a few runs never rewrites the whole index.
 * A file that is missing, of another version or damaged is as good as empty: the caller
 * captures again, and `save` writes a new one.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
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

interface StoredMeta {
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
function splitValuePath(path: string): [keyof typeof FOLDERS, string] | null {
  const slash = path.indexOf('/');
  const folder = path.slice(0, slash);
  if (slash < 0 || !(folder in FOLDERS) || path.endsWith('/')) return null;
  return [folder as keyof typeof FOLDERS, path.slice(slash + 1)];
}

function nullProto<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}

/** v8 gives plain objects back: the reader's records have no prototype (a key may be `__proto__`). */
function reviveRun(run: Run): Run {
  run.data = { params: nullProto(run.data.params), tags: nullProto(run.data.tags), metrics: nullProto(run.data.metrics) };
  return run;
}

class CapturedEntry implements Entry {
  private byPath?: Map<string, number>;
  constructor(private readonly c: CapturedRun) {}
  get name() { return this.c.name; }
  get info() { return this.c.run?.info ?? null; }
  get warnings() { return this.c.warnings; }
  get racy() { return this.c.racy; }
  signature(path: string): number {
    this.byPath ??= new Map(this.c.paths.map((p, i) => [p, this.c.signatures[i]!]));
    return this.byPath.get(path) ?? MISSING;
  }
  paths() { return this.c.paths; }
  value(path: string) {
    const split = this.c.run && splitValuePath(path);
    if (!split) return undefined;
    const record = this.c.run!.data[split[0]] as Record<string, string | Metric>;
    return Object.prototype.hasOwnProperty.call(record, split[1]) ? record[split[1]] : undefined;
  }
  full() { return this.c.run; }
  captured() { return this.c; }
}

class StoredIndex {
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

class StoredEntry implements Entry {
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

/** `1234` -> `1234`, `.trash/1234` -> `trash-1234`: one file name per experiment directory. */
function fileName(experimentDir: string): string {
  return experimentDir.replace(/^\.trash\//, 'trash-');
}

export class ExperimentIndex {
  private stored: StoredIndex | null = null;
  private readonly storedNames = new Map<string, number>();
  /** Runs captured since the stored file was written (null: removed). */
  private readonly overlay = new Map<string, CapturedRun | null>();
  private changed = false;
  private readonly path: string;

  constructor(indexDir: string, private readonly root: string, private readonly dir: string) {
    this.path = join(indexDir, `${fileName(dir)}.idx`);
    try {
      this.openStored();
      this.openDelta();
    } catch {
      this.reset();
    }
  }

  /** Forget the files (damaged or foreign): start empty; save() writes a new one. */
  reset(): void {
    this.stored?.close();
    this.stored = null;
    this.storedNames.clear();
    this.overlay.clear();
    this.changed = true;
  }

  private openStored(): void {
    const file = IndexFile.open(this.path);
    if (!file) return;
    try {
      const meta = file.meta as StoredMeta;
      if (meta?.version !== FORMAT_VERSION || meta.root !== this.root || meta.dir !== this.dir) throw new CorruptIndex('foreign');
      this.stored = new StoredIndex(file, meta);
    } catch (err) {
      file.close();
      throw err;
    }
    this.stored.runs.names.forEach((name, i) => this.storedNames.set(name, i));
  }

  private openDelta(): void {
    const file = this.stored && IndexFile.open(`${this.path}.delta`);
    if (!file) return;
    try {
      const meta = file.meta as { base?: string };
      if (meta?.base !== this.stored!.meta.id) return; // a delta of an older stored file
      for (const [name, captured] of deserialize(file.section('entries')) as [string, CapturedRun | null][]) {
        if (captured?.run) reviveRun(captured.run);
        this.overlay.set(name, captured);
      }
    } finally {
      file.close();
    }
  }

  entry(name: string): Entry | undefined {
    if (this.overlay.has(name)) {
      const captured = this.overlay.get(name);
      return captured ? new CapturedEntry(captured) : undefined;
    }
    const i = this.storedNames.get(name);
    return i === undefined || !this.stored ? undefined : new StoredEntry(this.stored, i);
  }

  names(): string[] {
    const out = new Set(this.storedNames.keys());
    for (const [name, captured] of this.overlay) captured ? out.add(name) : out.delete(name);
    return [...out];
  }

  put(captured: CapturedRun): Entry {
    this.overlay.set(captured.name, captured);
    this.changed = true;
    return new CapturedEntry(captured);
  }

  remove(name: string): void {
    if (!this.entry(name)) return;
    this.overlay.set(name, null);
    this.changed = true;
  }

  /** Write what changed: a delta while it stays small, else a new stored file. */
  save(): void {
    if (!this.changed) return;
    if (this.stored && this.overlay.size <= Math.max(64, this.stored.meta.count / 10)) {
      writeIndexFile(`${this.path}.delta`, { version: FORMAT_VERSION, base: this.stored.meta.id }, new Map([['entries', serialize([...this.overlay])]]));
    } else {
      let entries: CapturedRun[];
      try {
        entries = this.names().map((name) => this.entry(name)!.captured());
      } catch (err) {
        if (!(err instanceof CorruptIndex)) throw err;
        // A damaged run blob no query has loaded yet: drop the files, the next query rebuilds.
        rmSync(this.path, { force: true });
        rmSync(`${this.path}.delta`, { force: true });
        return;
      }
      writeStored(this.path, { version: FORMAT_VERSION, root: this.root, dir: this.dir }, entries);
      rmSync(`${this.path}.delta`, { force: true });
    }
    this.changed = false;
  }

  close(): void {
    this.stored?.close();
  }
}

function writeStored(path: string, base: Omit<StoredMeta, 'id' | 'count' | 'paths'>, entries: CapturedRun[]): void {
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
