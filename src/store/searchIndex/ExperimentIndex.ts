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
import type { Metric, RunInfo } from '../../format/entities.js';
import { CorruptIndex, IndexFile, writeIndexFile } from './indexFile.js';
import type { CapturedRun } from './runCapture.js';
import { MISSING } from './statSignature.js';
import { FORMAT_VERSION, reviveRun, splitValuePath, StoredEntry, StoredIndex, writeStored, type Entry, type StoredMeta } from './storedIndex.js';

export type { Entry } from './storedIndex.js';

class CapturedEntry implements Entry {
  private byPath?: Map<string, number>;
  constructor(private readonly c: CapturedRun) {}
  get name() { return this.c.name; }
  get listed() { return this.c.run !== null; }
  infoField<K extends keyof RunInfo>(field: K) { return this.c.run!.info[field]; }
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
  /** Built on the first lookup out of the stored order (walk() needs none while the order holds). */
  private storedNames: Map<string, number> | null = null;
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
    this.storedNames = null;
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

  /** About how many runs the index holds (stored and captured since). */
  get size(): number {
    return (this.stored?.meta.count ?? 0) + this.overlay.size;
  }

  /** Stored run name -> its position, built on first use. */
  private nameMap(): Map<string, number> {
    if (!this.storedNames) {
      this.storedNames = new Map();
      const names = this.stored?.runs.names ?? [];
      for (let i = 0; i < names.length; i++) this.storedNames.set(names[i]!, i);
    }
    return this.storedNames;
  }

  private storedIndexOf(name: string): number | undefined {
    return this.stored ? this.nameMap().get(name) : undefined;
  }

  entry(name: string): Entry | undefined {
    if (this.overlay.has(name)) {
      const captured = this.overlay.get(name);
      return captured ? new CapturedEntry(captured) : undefined;
    }
    const i = this.storedIndexOf(name);
    return i === undefined ? undefined : new StoredEntry(this.stored!, i);
  }

  /**
   * The entry of each listed run directory, in the listing's order, and every run the index has
   * that the listing has not dropped. The stored file keeps the listing's order (save() writes it
   * so), and a directory lists in the same order while nothing is added or removed: then each
   * name is the next stored one and no table of 100,000 names is built or searched.
   */
  walk(listed: readonly string[]): (Entry | undefined)[] {
    const names = this.stored?.runs.names ?? [];
    const out = new Array<Entry | undefined>(listed.length);
    let cursor = 0;
    let inOrder = true;
    let overlaid = 0;
    for (let j = 0; j < listed.length; j++) {
      const name = listed[j]!;
      const stored = names[cursor] === name ? cursor++ : undefined;
      if (this.overlay.size && this.overlay.has(name)) {
        const captured = this.overlay.get(name);
        out[j] = captured ? new CapturedEntry(captured) : undefined;
        if (captured) overlaid++;
        continue;
      }
      if (stored !== undefined) {
        out[j] = new StoredEntry(this.stored!, stored);
        continue;
      }
      inOrder = false;
      const i = this.storedIndexOf(name);
      out[j] = i === undefined ? undefined : new StoredEntry(this.stored!, i);
    }
    let live = 0;
    for (const captured of this.overlay.values()) if (captured) live++;
    if (!inOrder || cursor !== names.length || overlaid !== live) {
      const present = new Set(listed);
      for (const name of this.names()) if (!present.has(name)) this.remove(name);
    }
    return out;
  }

  names(): string[] {
    const out = new Set(this.nameMap().keys());
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

  /**
   * Write what changed: a delta while it stays small, else a new stored file, its runs in the
   * order of `listing` (the experiment directory's, so the next walk() finds them in order).
   */
  save(listing: readonly string[] = []): void {
    if (!this.changed) return;
    if (this.stored && this.overlay.size <= Math.max(64, this.stored.meta.count / 10)) {
      writeIndexFile(`${this.path}.delta`, { version: FORMAT_VERSION, base: this.stored.meta.id }, new Map([['entries', serialize([...this.overlay])]]));
    } else {
      let entries: CapturedRun[];
      try {
        const known = new Set(this.names());
        const listed = new Set(listing);
        const order = [...listing.filter((name) => known.has(name)), ...[...known].filter((name) => !listed.has(name))];
        entries = order.map((name) => this.entry(name)!.captured());
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

