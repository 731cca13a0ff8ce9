/**
 * Pack index files (version 2, git's `Documentation/gitformat-pack.txt`): read to ask whether the
 * repository holds an object, and written for the packs mltrack makes itself, whose objects' ids,
 * offsets and CRCs it already knows (git index-pack would inflate and hash every object again).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const MAGIC = 0xff744f63;

/** The object ids of one pack index: a fan-out table, then the sorted ids. */
export class PackIndex {
  constructor(private readonly data: Buffer) {}

  static read(path: string): PackIndex | null {
    const data = readFileSync(path);
    return data.readUInt32BE(0) === MAGIC && data.readUInt32BE(4) === 2 ? new PackIndex(data) : null;
  }

  /** As `read`, and null too when the file is unreadable or shorter than its own fan-out table says. */
  static readIfValid(path: string): PackIndex | null {
    try {
      const index = PackIndex.read(path);
      if (!index) return null;
      const n = index.data.readUInt32BE(8 + 4 * 255);
      return index.data.length >= 8 + 1024 + 28 * n + 40 ? index : null;
    } catch {
      return null;
    }
  }

  has(oid: Buffer): boolean {
    return this.position(oid) >= 0;
  }

  /** Where the object's entry starts in the pack, or null when this pack does not hold it. */
  offsetOf(oid: Buffer): number | null {
    const k = this.position(oid);
    if (k < 0) return null;
    const n = this.data.readUInt32BE(8 + 4 * 255);
    const offsets = 8 + 1024 + 24 * n;
    const small = this.data.readUInt32BE(offsets + 4 * k);
    if (!(small & 0x80000000)) return small;
    return Number(this.data.readBigUInt64BE(offsets + 4 * n + 8 * (small & 0x7fffffff)));
  }

  /** The object's index in the sorted ids, or -1. */
  private position(oid: Buffer): number {
    const fanout = (i: number) => (i < 0 ? 0 : this.data.readUInt32BE(8 + 4 * i));
    let lo = fanout(oid[0]! - 1);
    let hi = fanout(oid[0]!);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = 8 + 1024 + 20 * mid;
      const c = this.data.compare(oid, 0, 20, at, at + 20);
      if (c === 0) return mid;
      if (c > 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }
}

/** One object of a pack: its id (hex), where its entry starts, and the CRC-32 of the entry's bytes as stored. */
export interface PackedObject {
  oid: string;
  offset: number;
  crc: number;
}

/**
 * The index of a pack holding `objects` (each id once) whose trailing checksum is `packChecksum`:
 * the header, the fan-out table, the sorted ids, their CRCs, their offsets (31 bits, else an entry
 * of the 64-bit table), the pack's checksum, and the SHA-1 of all of that.
 */
export function formatPackIndex(objects: PackedObject[], packChecksum: Buffer): Buffer {
  // Lowercase hex sorts as the bytes it spells.
  const sorted = [...objects].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  const large = sorted.filter((o) => o.offset >= 0x80000000);
  const out = Buffer.alloc(8 + 1024 + n * 28 + large.length * 8 + 40);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(2, 4);
  const counts = new Uint32Array(256);
  for (const o of sorted) counts[parseInt(o.oid.slice(0, 2), 16)]!++;
  for (let i = 0, total = 0; i < 256; i++) out.writeUInt32BE((total += counts[i]!), 8 + 4 * i);
  const ids = 8 + 1024;
  const crcs = ids + 20 * n;
  const offsets = crcs + 4 * n;
  const wide = offsets + 4 * n;
  let nextWide = 0;
  sorted.forEach((o, i) => {
    out.write(o.oid, ids + 20 * i, 20, 'hex');
    out.writeUInt32BE(o.crc >>> 0, crcs + 4 * i);
    if (o.offset < 0x80000000) out.writeUInt32BE(o.offset, offsets + 4 * i);
    else {
      out.writeUInt32BE((0x80000000 | nextWide) >>> 0, offsets + 4 * i);
      out.writeBigUInt64BE(BigInt(o.offset), wide + 8 * nextWide++);
    }
  });
  const end = wide + 8 * large.length;
  packChecksum.copy(out, end);
  createHash('sha1').update(out.subarray(0, end + 20)).digest().copy(out, end + 20);
  return out;
}
