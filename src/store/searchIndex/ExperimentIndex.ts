/**
 * The search index of one experiment directory. On disk: a stored file (spec/search-index.md)
 * whose columns and run blobs are loaded only when a query asks for them, plus a small delta
 * file of the runs captured since, so refreshing a few runs never rewrites the whole index.
 * A file that is missing, of another version or damaged is as good as empty: the caller
 * captures again, and `save` writes a new one.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Metric } from '../../format/entities.js';
import { CorruptIndex, IndexFile, writeIndexFile } from './indexFile.js';
import type { CapturedRun } from './runCapture.js';
import { MISSING } from './statSignature.js';
import { FORMAT_VERSION, reviveRun, splitValuePath, StoredEntry, StoredIndex, writeStored, type Entry, type StoredMeta } from './storedIndex.js';

export type { Entry } from './storedIndex.js';

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
  signatures() { return this.c.signatures; }
  value(path: string) {
    const split = this.c.run && splitValuePath(path);
    if (!split) return undefined;
    const record = this.c.run!.data[split[0]] as Record<string, string | Metric>;
    if (!Object.prototype.hasOwnProperty.call(record, split[1])) return undefined;
    const value = record[split[1]]!;
    return typeof value === 'string' ? value : value.value;
  }
  full() { return this.c.run; }
  captured() { return this.c; }
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

