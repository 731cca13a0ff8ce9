/**
 * A file's stat signature: size, mtime and ctime, inode and kind, folded into one 53-bit number
 * so an index holds it in a Float64Array. An in-place rewrite changes ctime (and mtime) even when
 * the size stays and the writer restores mtime; a rename changes the inode. 0 = missing.
 *
 * Plain-number stats, not bigint: Node gives mtimeMs/ctimeMs as doubles with a quarter-microsecond
 * resolution at today's dates, and two writes closer than that are the racy case anyway
 * (runCapture.ts). The doubles' raw bits are hashed with 32-bit FNV-1a in two lanes: no BigInt is
 * allocated, which at hundreds of thousands of stats per query was most of the garbage.
 */
import { statSync } from 'node:fs';

export const MISSING = 0;

export interface Stamp {
  signature: number;
  /** ctime in ms (0 when missing), for the racy check. */
  ctimeMs: number;
  isDir: boolean;
}

const fields = new Float64Array(5);
const words = new Uint32Array(fields.buffer);

/** The signature of stat values: the same numbers give the same signature, in any process. */
export function foldStat(size: number, mtimeMs: number, ctimeMs: number, ino: number, isDir: boolean): number {
  fields[0] = size;
  fields[1] = mtimeMs;
  fields[2] = ctimeMs;
  fields[3] = ino;
  fields[4] = isDir ? 1 : 0;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i]!, 0x01000193);
    b = Math.imul(b ^ words[i]!, 0x01000193) ^ (a >>> 15);
  }
  // 32 bits of one lane and 21 of the other: an integer below 2^53, exact in a double.
  return (a >>> 0) * 0x200000 + (b >>> 11) || 1;
}

export function stamp(path: string): Stamp {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    st = undefined; // ENOTDIR, ELOOP, EACCES: as good as missing, the reader reports it
  }
  if (!st) return { signature: MISSING, ctimeMs: 0, isDir: false };
  const isDir = st.isDirectory();
  return { signature: foldStat(st.size, st.mtimeMs, st.ctimeMs, st.ino, isDir), ctimeMs: st.ctimeMs, isDir };
}

export function signature(path: string): number {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return MISSING;
  }
  return st ? foldStat(st.size, st.mtimeMs, st.ctimeMs, st.ino, st.isDirectory()) : MISSING;
}
