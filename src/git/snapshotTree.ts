/**
 * Turns the mlruns directory into git tree objects. Each directory gets a signature from the stat
 * data of its files and the signatures of its sub-directories; a directory whose signature matches
 * the cache reuses its tree id without reading a byte, so a commit costs what changed, not the size
 * of the tree. The cache lives in the git directory and is safe to delete.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../format/layout.js';
import { isMetaFile, normaliseMeta } from './artifactUris.js';
import { largeArtifactError, storeLfsObject } from './lfs.js';
import { formatTree, writeObject, type TreeEntry } from './objects.js';

/** A file inside a run's (or a logged model's) `artifacts/` folder. */
export function isArtifactPath(rel: string): boolean {
  return rel.split('/').indexOf('artifacts') >= 2;
}

const CACHE_VERSION = 1;
/** Files modified this recently may still change within the same timestamp tick: never cache them. */
const RACY_NS = 2_000_000_000n;

interface CacheFile {
  version: number;
  root: string;
  dirs: Record<string, { sig: string; oid: string }>;
}

export class SnapshotCache {
  private dirs: Record<string, { sig: string; oid: string }> = {};
  private dirty = false;

  constructor(
    /** Where the cache is kept; null: in memory only, never read or saved. */
    readonly path: string | null,
    readonly root: string,
  ) {
    if (path === null) return;
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
      if (data.version === CACHE_VERSION && data.root === root) this.dirs = data.dirs;
    } catch {
      // Missing or unreadable: start empty, it is only a cache.
    }
  }

  /** One cache per repository; it is valid for one mlruns root and one large-file threshold. */
  static forRepo(gitdir: string, mlrunsRoot: string, largeFileBytes = Infinity): SnapshotCache {
    return new SnapshotCache(join(gitdir, 'mltrack', 'snapshot-cache.json'), `${mlrunsRoot}\u0000${largeFileBytes}`);
  }

  static inMemory(): SnapshotCache {
    return new SnapshotCache(null, '');
  }

  get(dir: string, sig: string): string | null {
    const entry = this.dirs[dir];
    return entry && entry.sig === sig ? entry.oid : null;
  }

  set(dir: string, sig: string, oid: string): void {
    this.dirs[dir] = { sig, oid };
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty || this.path === null) return;
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, root: this.root, dirs: this.dirs } satisfies CacheFile));
    renameSync(tmp, this.path);
    this.dirty = false;
  }
}

export interface SnapshotOptions {
  gitdir: string;
  /** Absolute path of the mlruns directory. */
  root: string;
  cache: SnapshotCache;
  /** Called for each file whose bytes had to be read (for progress). */
  onFile?: () => void;
  /** Artifacts above this size go through Git LFS (default: never). */
  largeFileBytes?: number;
  /** Whether Git LFS is installed (asked only when a large artifact turns up); without it one is refused. */
  lfs?: () => boolean;
  /** Called when a file was stored as an LFS pointer. */
  onLfs?: (rel: string) => void;
  /** Where objects go (default: loose objects in `gitdir`); returns the object's id. */
  write?: (type: 'blob' | 'tree', content: Uint8Array) => string;
}

function put(options: SnapshotOptions, type: 'blob' | 'tree', content: Uint8Array): string {
  return options.write ? options.write(type, content) : writeObject(options.gitdir, type, content);
}

interface Built {
  oid: string;
  sig: string;
  /** Some file below changed too recently to trust its stat data: cache nothing on this path. */
  racy: boolean;
}

/** Tree id of `rel` (a directory under the root, '' for the root); null when it holds no files (git keeps no empty trees). */
/** The blob of one file as committed: meta.yaml normalised, a large artifact as an LFS pointer. */
function fileBlob(options: SnapshotOptions, rel: string, abs: string, file: { kind: 'file' | 'link'; size: number }): string {
  let content: Uint8Array;
  if (file.kind === 'file' && file.size > (options.largeFileBytes ?? Infinity) && isArtifactPath(rel)) {
    if (!options.lfs?.()) throw largeArtifactError(abs, file.size, options.largeFileBytes!);
    content = Buffer.from(storeLfsObject(options.gitdir, abs));
    options.onLfs?.(rel);
  } else {
    content = file.kind === 'link' ? Buffer.from(readlinkSync(abs)) : readFileSync(abs);
    if (file.kind === 'file' && isMetaFile(rel)) content = Buffer.from(normaliseMeta(Buffer.from(content).toString('utf8'), options.root));
  }
  options.onFile?.();
  return put(options, 'blob', content);
}

/** Tree entry for one path under the root (a directory or a file), or null when it is absent or empty. */
export function snapshotPath(options: SnapshotOptions, rel: string): { mode: string; oid: string } | null {
  const abs = join(options.root, rel);
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return null;
  }
  if (st.isDirectory()) {
    const oid = snapshotDirectory(options, rel);
    return oid ? { mode: '40000', oid } : null;
  }
  if (!st.isFile() && !st.isSymbolicLink()) return null;
  const kind = st.isSymbolicLink() ? 'link' : 'file';
  return { mode: kind === 'link' ? '120000' : st.mode & 0o111 ? '100755' : '100644', oid: fileBlob(options, rel, abs, { kind, size: st.size }) };
}

export function snapshotDirectory(options: SnapshotOptions, rel = ''): string | null {
  const scanStart = BigInt(Date.now()) * 1_000_000n;
  return build(options, rel, scanStart)?.oid ?? null;
}

function build(options: SnapshotOptions, rel: string, scanStart: bigint): Built | null {
  const abs = rel ? join(options.root, rel) : options.root;
  let dirents;
  try {
    dirents = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const hash = createHash('sha1');
  const pending: { name: string; kind: 'file' | 'link'; mode: string; size: number }[] = [];
  const subtrees: TreeEntry[] = [];
  let racy = false;
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of dirents) {
    if (d.name.startsWith(TEMP_PREFIX)) continue;
    const childRel = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) {
      const sub = build(options, childRel, scanStart);
      if (!sub) continue;
      racy ||= sub.racy;
      subtrees.push({ mode: '40000', name: d.name, oid: sub.oid });
      hash.update(`d\0${d.name}\0${sub.sig}\n`);
    } else if (d.isFile() || d.isSymbolicLink()) {
      const st = lstatSync(join(abs, d.name), { bigint: true });
      if (st.mtimeNs >= scanStart - RACY_NS || st.ctimeNs >= scanStart - RACY_NS) racy = true;
      const link = d.isSymbolicLink();
      const mode = link ? '120000' : st.mode & 0o111n ? '100755' : '100644';
      pending.push({ name: d.name, kind: link ? 'link' : 'file', mode, size: Number(st.size) });
      hash.update(`f\0${d.name}\0${mode}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.size}\0${st.ino}\n`);
    }
  }
  if (pending.length === 0 && subtrees.length === 0) return null;
  const sig = hash.digest('hex');
  const cached = options.cache.get(rel, sig);
  if (cached) return { oid: cached, sig, racy };
  const entries: TreeEntry[] = [...subtrees];
  for (const file of pending) {
    const childRel = rel ? `${rel}/${file.name}` : file.name;
    entries.push({ mode: file.mode, name: file.name, oid: fileBlob(options, childRel, join(abs, file.name), file) });
  }
  const oid = put(options, 'tree', formatTree(entries));
  if (!racy) options.cache.set(rel, sig, oid);
  return { oid, sig, racy };
}
