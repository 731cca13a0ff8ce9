/**
 * A file's stat signature: size, mtime and ctime in nanoseconds, inode, folded into one 53-bit
 * number so an index holds it in a Float64Array. An in-place rewrite changes ctime (and mtime)
 * even when the size stays and the writer restores mtime; a rename changes the inode. 0 = missing.
 */
import { statSync } from 'node:fs';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

export const MISSING = 0;

export interface Stamp {
  signature: number;
  /** ctime in ns, for the racy check (0 when missing). */
  ctimeNs: bigint;
  isDir: boolean;
}

export function stamp(path: string): Stamp {
  let st;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    st = undefined; // ENOTDIR, ELOOP, EACCES: as good as missing, the reader reports it
  }
  if (!st) return { signature: MISSING, ctimeNs: 0n, isDir: false };
  let h = FNV_OFFSET;
  for (const v of [st.size, st.mtimeNs, st.ctimeNs, st.ino, st.isDirectory() ? 1n : 0n]) h = ((h ^ v) * FNV_PRIME) & MASK64;
  return { signature: Number(h >> 11n) || 1, ctimeNs: st.ctimeNs, isDir: st.isDirectory() };
}

export function signature(path: string): number {
  return stamp(path).signature;
}
