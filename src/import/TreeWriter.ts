/**
 * Writes files of an mlruns tree only where their content differs, so importing the same source
 * twice writes nothing, and counts what it wrote. With `dryRun` it only counts.
 */
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../store/fsWrite.js';

export class TreeWriter {
  filesWritten = 0;
  bytesWritten = 0;
  /** Paths (relative to root, first two segments) that changed: what the commit must rehash. */
  readonly changed = new Set<string>();

  constructor(readonly root: string, readonly dryRun: boolean) {}

  private mark(rel: string, bytes: number): void {
    this.filesWritten++;
    this.bytesWritten += bytes;
    const parts = rel.split('/');
    this.changed.add(parts[0] === '.trash' || parts[0] === 'models' ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/'));
  }

  /** Writes `content` at `rel` unless the file already holds exactly it. Returns whether it wrote. */
  put(rel: string, content: string): boolean {
    const target = join(this.root, rel);
    const data = Buffer.from(content, 'utf8');
    if (existsSync(target) && statSync(target).isFile() && statSync(target).size === data.length && readFileSync(target).equals(data)) return false;
    this.mark(rel, data.length);
    if (!this.dryRun) writeAtomic(target, data);
    return true;
  }

  /**
   * Removes the key files under `folderRel` (nested keys included) that are not in `keep` and that
   * `owned` says the source had before: a tag deleted in the source is deleted here too, a tag the
   * source never had stays. Returns how many it removed.
   */
  prune(folderRel: string, keep: Iterable<string>, owned: (key: string) => boolean): number {
    const wanted = new Set(keep);
    const folder = join(this.root, folderRel);
    if (!existsSync(folder)) return 0;
    let removed = 0;
    const walk = (abs: string, rel: string) => {
      for (const name of readdirSync(abs)) {
        const childAbs = join(abs, name);
        const childRel = rel ? `${rel}/${name}` : name;
        if (lstatSync(childAbs).isDirectory()) walk(childAbs, childRel);
        else if (!wanted.has(childRel) && owned(childRel)) {
          this.mark(`${folderRel}/${childRel}`, 0);
          if (!this.dryRun) rmSync(childAbs);
          removed++;
        }
      }
    };
    walk(folder, '');
    return removed;
  }

  /** Moves a folder (an experiment into or out of `.trash`) when it sits at the other place. */
  move(fromRel: string, toRel: string): boolean {
    const from = join(this.root, fromRel);
    if (!existsSync(from) || existsSync(join(this.root, toRel))) return false;
    this.mark(fromRel, 0);
    this.mark(toRel, 0);
    if (!this.dryRun) {
      mkdirSync(dirname(join(this.root, toRel)), { recursive: true });
      renameSync(from, join(this.root, toRel));
    }
    return true;
  }

  dir(rel: string): void {
    if (!this.dryRun) mkdirSync(join(this.root, rel), { recursive: true });
  }

  /** A dry run's guess for a file it has not fetched: it would be written unless one of that size is there. */
  wouldCopy(rel: string, size: number): boolean {
    const target = join(this.root, rel);
    if (existsSync(target) && lstatSync(target).isFile() && statSync(target).size === size) return false;
    this.mark(rel, size);
    return true;
  }

  /** Copies (or hard-links) a source file unless an identical one is there. */
  copy(sourceFile: string, rel: string, mode: 'copy' | 'link'): boolean {
    const target = join(this.root, rel);
    const size = statSync(sourceFile).size;
    if (existsSync(target) && lstatSync(target).isFile() && statSync(target).size === size && readFileSync(target).equals(readFileSync(sourceFile))) return false;
    this.mark(rel, size);
    if (this.dryRun) return true;
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    if (mode === 'link') {
      try {
        linkSync(sourceFile, target);
        return true;
      } catch {
        // another file system: fall back to a copy
      }
    }
    copyFileSync(sourceFile, target);
    return true;
  }
}
