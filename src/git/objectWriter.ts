/**
 * Writes the objects of one commit: a handful as loose objects, many (the first commit of a big
 * tree) as one pack file. Thousands of loose objects cost two file creations each; a pack is one
 * file, written in large chunks, with its index made here from the ids, offsets and CRCs already
 * known (git index-pack would inflate and hash every object a second time), and moved into place
 * only when complete, so a killed commit leaves nothing in the object store.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { faultPoint } from '../store/faultPoint.js';
import { hashObject, objectsDir, writeObject, type ObjectType } from './objects.js';
import { formatPackIndex, PackIndex, type PackedObject } from './packIndex.js';

/** Below this many new objects a commit writes loose ones (no git process to start). */
const PACK_ABOVE = 512;
const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
/** Unfinished packs of killed commits older than this are removed by the next commit. */
const STALE_MS = 60 * 60 * 1000;

/** The pack entry header: type and size, 7 bits a byte, low bits first (git's pack format). */
function entryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (PACK_TYPE[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** Pack bytes are gathered up to this size before each write. */
const CHUNK = 1 << 20;

export class ObjectWriter {
  private readonly seen = new Set<string>();
  /** The repository's packs, read when a commit has enough new objects to need a pack itself. */
  private packs: PackIndex[] | null = null;
  private readonly looseNames = new Map<string, Set<string>>();
  private queued: { oid: string; type: ObjectType; content: Uint8Array }[] = [];
  private pack: { fd: number; path: string; size: number; objects: PackedObject[]; staged: Buffer; used: number } | null = null;

  constructor(readonly gitdir: string) {}

  /** Hashes the object and writes it (or queues it for the pack); returns its id. */
  write = (type: ObjectType, content: Uint8Array): string => {
    const oid = hashObject(type, content);
    if (this.seen.has(oid)) return oid;
    this.seen.add(oid);
    if (this.pack) {
      if (!this.loose(oid) && !this.packed(oid)) this.append(oid, type, content);
      return oid;
    }
    if (existsSync(join(objectsDir(this.gitdir), oid.slice(0, 2), oid.slice(2)))) return oid;
    this.queued.push({ oid, type, content });
    if (this.queued.length > PACK_ABOVE) {
      // Many objects not loose: maybe packed already (a commit after the first, without its stat cache).
      this.queued = this.queued.filter((q) => !this.packed(q.oid));
      if (this.queued.length > PACK_ABOVE) this.startPack();
    }
    return oid;
  };

  /**
   * Whether the object is loose, once a pack is being written: each fan-out folder is listed once
   * (one readdir instead of a stat per object; a repository that was never packed has few).
   */
  private loose(oid: string): boolean {
    const prefix = oid.slice(0, 2);
    let names = this.looseNames.get(prefix);
    if (!names) {
      try {
        names = new Set(readdirSync(join(objectsDir(this.gitdir), prefix)));
      } catch {
        names = new Set();
      }
      this.looseNames.set(prefix, names);
    }
    return names.has(oid.slice(2));
  }

  private packed(oid: string): boolean {
    if (!this.packs) {
      const dir = join(objectsDir(this.gitdir), 'pack');
      const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.idx')) : [];
      this.packs = names.map((n) => PackIndex.read(join(dir, n))).filter((p): p is PackIndex => p !== null);
    }
    const key = Buffer.from(oid, 'hex');
    return this.packs.some((p) => p.has(key));
  }

  private tmpDir(): string {
    return join(this.gitdir, 'mltrack', 'pack-tmp');
  }

  private startPack(): void {
    const dir = this.tmpDir();
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    }
    const path = join(dir, `tmp_pack_${process.pid}_${Math.random().toString(36).slice(2)}`);
    // The object count is filled in at the end, when it is known.
    const header = Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1');
    this.pack = { fd: openSync(path, 'wx+', 0o444), path, size: header.length, objects: [], staged: Buffer.allocUnsafe(CHUNK), used: 0 };
    writeSync(this.pack.fd, header);
    for (const { oid, type, content } of this.queued) this.append(oid, type, content);
    this.queued = [];
  }

  private append(oid: string, type: ObjectType, content: Uint8Array): void {
    const pack = this.pack!;
    const head = entryHeader(type, content.length);
    const body = deflateSync(content, { level: type === 'tree' ? 0 : 1 });
    pack.objects.push({ oid, offset: pack.size, crc: crc32(body, crc32(head)) });
    pack.size += head.length + body.length;
    // Copied into one staging buffer: zlib's output is a slice of a 16 KiB buffer, which holding on to would keep alive.
    for (const part of [head, body]) {
      if (pack.used + part.length > CHUNK) this.flush();
      if (part.length > CHUNK) writeSync(pack.fd, part);
      else pack.used += part.copy(pack.staged, pack.used);
    }
  }

  private flush(): void {
    const pack = this.pack!;
    if (pack.used) writeSync(pack.fd, pack.staged, 0, pack.used);
    pack.used = 0;
  }

  /** Makes every object written so far durable in the repository; call before anything refers to them. */
  finish(): void {
    for (const { type, content } of this.queued) writeObject(this.gitdir, type, content);
    this.queued = [];
    if (!this.pack) return;
    this.flush();
    const { fd, path, size, objects } = this.pack;
    this.pack = null;
    let checksum: Buffer;
    try {
      const countBytes = Buffer.alloc(4);
      countBytes.writeUInt32BE(objects.length);
      writeSync(fd, countBytes, 0, 4, 8);
      // The trailer is the SHA-1 of everything before it (the count included, so read back once).
      const hash = createHash('sha1');
      const chunk = Buffer.alloc(CHUNK);
      for (let at = 0, n; (n = readSync(fd, chunk, 0, chunk.length, at)) > 0; at += n) hash.update(chunk.subarray(0, n));
      checksum = hash.digest();
      writeSync(fd, checksum, 0, 20, size);
    } finally {
      closeSync(fd);
    }
    faultPoint('pack:before-index');
    const idx = `${path}.idx`;
    writeFileSync(idx, formatPackIndex(objects, checksum), { mode: 0o444, flag: 'wx' });
    faultPoint('pack:before-install');
    // git's own order: the pack, then its index (a pack is used only once its index exists).
    const target = join(objectsDir(this.gitdir), 'pack', `pack-${checksum.toString('hex')}`);
    mkdirSync(join(target, '..'), { recursive: true });
    renameSync(path, `${target}.pack`);
    renameSync(idx, `${target}.idx`);
  }

  /** Drops an unfinished pack (the commit failed before its objects were used). */
  abandon(): void {
    if (!this.pack) return;
    closeSync(this.pack.fd);
    rmSync(this.pack.path, { force: true });
    this.pack = null;
  }
}
