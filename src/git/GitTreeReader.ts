/** A TreeReader over the mlruns tree of a commit, read from git objects without checking anything out. */
import { fail } from '../format/errors.js';
import type { DirEntry, TreeReader } from '../store/TreeReader.js';
import { isMetaFile, localiseMeta } from './artifactUris.js';
import type { ObjectReader } from './objectStore.js';

export class GitTreeReader implements TreeReader {
  /**
   * @param mlrunsTree tree id of the mlruns directory in the commit
   * @param localRoot when given, meta.yaml files are localised to this root (artifact URIs point here)
   */
  constructor(
    readonly objects: ObjectReader,
    readonly mlrunsTree: string | null,
    readonly label: string,
    readonly localRoot: string | null = null,
  ) {}

  async list(path: string): Promise<DirEntry[] | null> {
    if (!this.mlrunsTree) return path === '' ? [] : null;
    const entry = await this.objects.entry(this.mlrunsTree, path);
    if (!entry || entry.mode !== '40000') return null;
    return (await this.objects.tree(entry.oid)).map((e) => ({ name: e.name, isDir: e.mode === '40000' }));
  }

  async read(path: string): Promise<Uint8Array | null> {
    if (!this.mlrunsTree) return null;
    const entry = await this.objects.entry(this.mlrunsTree, path);
    if (!entry || entry.mode === '40000' || entry.mode === '160000') return null;
    const bytes = await this.objects.blob(entry.oid);
    if (this.localRoot && isMetaFile(path)) return Buffer.from(localiseMeta(Buffer.from(bytes).toString('utf8'), this.localRoot));
    return bytes;
  }

  async size(path: string): Promise<number | null> {
    const bytes = await this.read(path);
    return bytes === null ? null : bytes.length;
  }

  describe(path: string): string {
    return `${this.label}:${path}`;
  }
}

export function notOnBranch(rev: string): Error {
  return fail('NOT_FOUND', `No revision '${rev}' in this repository`);
}
