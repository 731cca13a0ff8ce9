/** A TreeReader over a directory on disk. Sync calls inside: for many small files they beat fs/promises by far. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DirEntry, TreeReader } from './TreeReader.js';

function missing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class FsTreeReader implements TreeReader {
  constructor(readonly root: string) {}

  abs(path: string): string {
    return path === '' ? this.root : join(this.root, path);
  }

  async list(path: string): Promise<DirEntry[] | null> {
    let dirents;
    try {
      dirents = readdirSync(this.abs(path), { withFileTypes: true });
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
    // One entry that cannot be stat'ed (a dangling symlink, a loop) is marked, never fails the listing.
    return dirents.map((d): DirEntry => {
      if (!d.isSymbolicLink()) return { name: d.name, isDir: d.isDirectory() };
      try {
        return { name: d.name, isDir: statSync(join(this.abs(path), d.name)).isDirectory() };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { name: d.name, isDir: false, unreadable: code === 'ELOOP' ? 'symlink loop' : code === 'ENOENT' ? 'dangling symlink' : `cannot stat (${code ?? 'error'})` };
      }
    });
  }

  async read(path: string): Promise<Uint8Array | null> {
    try {
      return readFileSync(this.abs(path));
    } catch (err) {
      if (missing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw err;
    }
  }

  async size(path: string): Promise<number | null> {
    try {
      return statSync(this.abs(path)).size;
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  describe(path: string): string {
    return this.abs(path);
  }
}
