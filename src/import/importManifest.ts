/**
 * What the last import from one source wrote into key folders (tags, params, aliases), kept in the
 * git directory. An import removes a key file only when the source had it last time and has it no
 * more: keys the source never had (a tag set here on experiment 0, on a run) are never pruned.
 * Without a repository, or with the manifest lost, nothing is pruned.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../store/fsWrite.js';

const VERSION = 1;

export class ImportManifest {
  /** Folder (relative to mlruns) -> the keys the source had there last time. */
  private readonly previous: Map<string, Set<string>>;
  private readonly next = new Map<string, string[]>();

  private constructor(readonly path: string | null, previous: Record<string, string[]>) {
    this.previous = new Map(Object.entries(previous).map(([folder, keys]) => [folder, new Set(keys)]));
  }

  /** The manifest of `source` in `gitdir` (null: no repository, nothing can be pruned). */
  static load(gitdir: string | null, source: string): ImportManifest {
    if (!gitdir) return new ImportManifest(null, {});
    const path = join(gitdir, 'mltrack', 'imports', `${createHash('sha1').update(source).digest('hex')}.json`);
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { version: number; folders: Record<string, string[]> };
      return new ImportManifest(path, data.version === VERSION ? data.folders : {});
    } catch {
      return new ImportManifest(path, {});
    }
  }

  /** May the import remove `key` from `folder`? Only when the source had it last time. */
  owned(folder: string, key: string): boolean {
    return this.previous.get(folder)?.has(key) ?? false;
  }

  record(folder: string, keys: string[]): void {
    if (keys.length) this.next.set(folder, keys);
  }

  save(source: string): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    writeAtomic(this.path, Buffer.from(JSON.stringify({ version: VERSION, source, folders: Object.fromEntries(this.next) })));
  }
}
