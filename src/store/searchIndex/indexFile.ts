/**
 * The container of an index file: a magic, a JSON header naming each section's offset, length
 * and SHA-1, then the sections. Sections are read on demand with positioned reads, each checked
 * against its hash, so a query loads only the columns it needs and a damaged file is never believed.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { faultPoint } from '../faultPoint.js';

const MAGIC = Buffer.from('MLTIDX\n\x01', 'latin1');
const PREFIX = MAGIC.length + 4;

/** A file that is not a well-formed index: the caller rebuilds. */
export class CorruptIndex extends Error {}

interface Header {
  meta: unknown;
  sections: Record<string, [offset: number, length: number, sha1: string]>;
}

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

export function writeIndexFile(path: string, meta: unknown, sections: Map<string, Uint8Array>): void {
  const header: Header = { meta, sections: Object.create(null) };
  let offset = 0;
  for (const [name, bytes] of sections) {
    header.sections[name] = [offset, bytes.length, sha1(bytes)];
    offset += bytes.length;
  }
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  // A temp file and a rename, not fsWrite's writeAtomic: a cache write is not one of the tree's
  // writes, and must not shift the tree's fault points.
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, length, head, ...sections.values()]));
    faultPoint('index:before-rename', path, 'rename');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export class IndexFile {
  private constructor(
    private readonly fd: number,
    private readonly header: Header,
    private readonly bodyStart: number,
  ) {}

  /** The file, or null when it is missing; CorruptIndex when it is not an index. */
  static open(path: string): IndexFile | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      const size = fstatSync(fd).size;
      const prefix = Buffer.alloc(PREFIX);
      if (readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptIndex('bad magic');
      const headLength = prefix.readUInt32LE(MAGIC.length);
      if (PREFIX + headLength > size) throw new CorruptIndex('truncated header');
      const head = Buffer.alloc(headLength);
      readSync(fd, head, 0, headLength, PREFIX);
      const header = JSON.parse(head.toString('utf8')) as Header;
      const bodyStart = PREFIX + headLength;
      for (const [offset, length] of Object.values(header.sections)) {
        if (bodyStart + offset + length > size) throw new CorruptIndex('truncated section');
      }
      return new IndexFile(fd, header, bodyStart);
    } catch (err) {
      closeSync(fd);
      throw err instanceof CorruptIndex ? err : new CorruptIndex(String(err));
    }
  }

  get meta(): unknown {
    return this.header.meta;
  }

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.header.sections, name);
  }

  /** A section's bytes, checked against its hash. */
  section(name: string): Buffer {
    if (!this.has(name)) throw new CorruptIndex(`no section ${name}`);
    const [offset, length, hash] = this.header.sections[name]!;
    const bytes = Buffer.alloc(length);
    if (readSync(this.fd, bytes, 0, length, this.bodyStart + offset) !== length || sha1(bytes) !== hash) throw new CorruptIndex(`damaged section ${name}`);
    return bytes;
  }

  /**
   * Bytes `start .. end` of a section, unchecked: for a section too large to read whole, whose
   * parts the caller checks (storedIndex.ts keeps a CRC-32 per run blob).
   */
  range(name: string, start: number, end: number): Buffer {
    if (!this.has(name)) throw new CorruptIndex(`no section ${name}`);
    const [offset, length] = this.header.sections[name]!;
    if (!(start >= 0 && start <= end && end <= length)) throw new CorruptIndex(`range past section ${name}`);
    const bytes = Buffer.alloc(end - start);
    if (readSync(this.fd, bytes, 0, bytes.length, this.bodyStart + offset + start) !== bytes.length) throw new CorruptIndex(`short read in ${name}`);
    return bytes;
  }

  close(): void {
    closeSync(this.fd);
  }
}
