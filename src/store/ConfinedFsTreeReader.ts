/**
 * A TreeReader over a directory that never reads outside a confining root: an entry that is (or
 * goes through) a symlink leading out of it, or that is not a regular file or folder (a FIFO, a
 * device), reads as missing. What the site build copies comes only from the mlruns tree.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { FsTreeReader } from './FsTreeReader.js';
import type { DirEntry } from './TreeReader.js';

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class ConfinedFsTreeReader extends FsTreeReader {
  /** @param confine real path (symlinks resolved) that nothing read may leave */
  constructor(root: string, readonly confine: string) {
    super(root);
  }

  /** True when `path` resolves inside the confining root (false also when it does not exist). */
  private allowed(path: string, wantFile: boolean | null): boolean {
    try {
      const real = realpathSync.native(this.abs(path));
      if (!isInside(this.confine, real)) return false;
      if (wantFile === null) return true;
      const stat = statSync(real);
      return wantFile ? stat.isFile() : stat.isDirectory();
    } catch {
      return false;
    }
  }

  override async list(path: string): Promise<DirEntry[] | null> {
    if (!this.allowed(path, false)) return null;
    const entries = await super.list(path);
    // Entries that cannot be stat'ed stay, marked, so the reader warns about them as it skips them.
    return entries && entries.filter((e) => e.unreadable || this.allowed(path === '' ? e.name : `${path}/${e.name}`, null));
  }

  override async read(path: string): Promise<Uint8Array | null> {
    return this.allowed(path, true) ? super.read(path) : null;
  }

  override async size(path: string): Promise<number | null> {
    return this.allowed(path, true) ? super.size(path) : null;
  }
}
