/**
 * A tree object's bytes as git stores them, searched and edited without parsing them. One tight
 * pass records where each entry starts; after that any name is found by binary search (entries are
 * in git's order), so an experiment's tree of 100,000 runs costs that pass, not a scan per name.
 */
import { fail } from '../format/errors.js';

/** Where one entry lies: its bytes are `[start, end)`, its name `[nameStart, end - 21)`. */
export interface RawEntry {
  start: number;
  nameStart: number;
  end: number;
}

/** One edit: the entry `name` set to `entry` (null: removed). */
export interface TreeEdit {
  name: string;
  entry: { mode: string; oid: string } | null;
}

/**
 * Git's order of tree entries (base_name_compare): by name bytes, a tree's name compared as if it
 * ended with '/'. Negative when `a[aStart, aEnd)` sorts before `b`.
 */
export function compareNames(a: Uint8Array, aStart: number, aEnd: number, aIsTree: boolean, b: Uint8Array, bIsTree: boolean): number {
  const aLen = aEnd - aStart;
  const n = Math.min(aLen, b.length);
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[i]) return a[aStart + i]! - b[i]!;
  const ca = aLen > n ? a[aStart + n]! : aIsTree ? 0x2f : 0;
  const cb = b.length > n ? b[n]! : bIsTree ? 0x2f : 0;
  return ca - cb;
}

export class RawTree {
  private starts: Int32Array | null = null;
  private count = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** A tree whose entry starts are already known (they end with the length of the bytes). */
  private static withIndex(bytes: Uint8Array, starts: Int32Array, count: number): RawTree {
    const tree = new RawTree(bytes);
    tree.starts = starts;
    tree.count = count;
    return tree;
  }

  /** Start of every entry, plus the end of the bytes; INVALID_STATE when the last entry is cut short. */
  private index(): Int32Array {
    if (this.starts) return this.starts;
    const raw = this.bytes;
    const len = raw.length;
    // About 60 bytes an entry for a run id; grown when the guess is short.
    let starts = new Int32Array(Math.max(16, Math.ceil(len / 48) + 1));
    let n = 0;
    let i = 0;
    while (i < len) {
      if (n + 1 >= starts.length) {
        const more = new Int32Array(starts.length * 2);
        more.set(starts);
        starts = more;
      }
      starts[n++] = i;
      // Neither the mode nor the name holds a NUL: the first one ends the name, 20 id bytes follow.
      let j = i;
      while (j < len && raw[j] !== 0) j++;
      i = j + 21;
    }
    if (i !== len) throw fail('INVALID_STATE', 'A git tree object is cut short (corrupt repository?)');
    starts[n] = len;
    this.count = n;
    this.starts = starts;
    return starts;
  }

  private entry(k: number): RawEntry {
    const starts = this.index();
    const start = starts[k]!;
    const end = starts[k + 1]!;
    // The mode has five or six digits ('40000' for a tree, git writes no leading zero).
    const space = this.bytes[start + 5] === 0x20 ? start + 5 : start + 6;
    return { start, nameStart: space + 1, end };
  }

  private isTree(e: RawEntry): boolean {
    return e.nameStart - e.start === 6 && this.bytes[e.start] === 0x34;
  }

  private compareAt(k: number, key: Uint8Array, keyIsTree: boolean): number {
    const e = this.entry(k);
    return compareNames(this.bytes, e.nameStart, e.end - 21, this.isTree(e), key, keyIsTree);
  }

  private sameName(k: number, key: Uint8Array): boolean {
    const { nameStart, end } = this.entry(k);
    if (end - 21 - nameStart !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.bytes[nameStart + i] !== key[i]) return false;
    return true;
  }

  /** Index of the first entry that does not sort before `key` of that kind (the count when none). */
  private lowerBound(key: Uint8Array, keyIsTree: boolean): number {
    this.index();
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, key, keyIsTree) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the entry called `key` (a file or a tree, the file first), or -1. */
  private indexOf(key: Uint8Array): number {
    // A file 'a' sorts as 'a', a tree 'a' as 'a/': names such as 'a-' may lie between the two.
    for (const asTree of [false, true]) {
      const k = this.lowerBound(key, asTree);
      if (k < this.count && this.sameName(k, key)) return k;
    }
    return -1;
  }

  private decoded(k: number): { mode: string; name: string; oid: string } {
    const e = this.entry(k);
    const buf = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return { mode: buf.toString('utf8', e.start, e.nameStart - 1), name: buf.toString('utf8', e.nameStart, e.end - 21), oid: buf.toString('hex', e.end - 20, e.end) };
  }

  /** The entry called `name`, or null. */
  find(name: string): { mode: string; name: string; oid: string } | null {
    const k = this.indexOf(Buffer.from(name));
    return k < 0 ? null : this.decoded(k);
  }

  /**
   * The tree's bytes with the edits applied (each name at most once), everything else copied as it
   * is. Returns `bytes` itself when nothing changes.
   */
  edit(edits: TreeEdit[]): Uint8Array {
    return this.edited(edits).bytes;
  }

  /**
   * As `edit`, as a RawTree whose index is carried over from this one (the entries that stay move
   * by the bytes cut or added before them), so that searching the result needs no second pass.
   */
  edited(edits: TreeEdit[]): RawTree {
    const starts = this.index();
    const cuts: { at: number; skip: number; add: Buffer | null; key: Buffer; isTree: boolean }[] = [];
    let changed = false;
    for (const { name, entry } of edits) {
      const key = Buffer.from(name);
      const keyIsTree = entry?.mode === '40000';
      const k = this.indexOf(key);
      const old = k < 0 ? null : this.decoded(k);
      if (old ? entry && old.oid === entry.oid && old.mode === entry.mode : !entry) continue;
      changed = true;
      // Every named entry is cut out and every new one put in: the entries that stay keep their order.
      if (old) cuts.push({ at: starts[k]!, skip: starts[k + 1]! - starts[k]!, add: null, key, isTree: keyIsTree });
      if (entry) {
        const at = starts[this.lowerBound(key, keyIsTree)]!;
        cuts.push({ at, skip: 0, add: Buffer.concat([Buffer.from(`${entry.mode} `), key, Buffer.from([0]), Buffer.from(entry.oid, 'hex')]), key, isTree: keyIsTree });
      }
    }
    if (!changed) return this;
    // By position; at one position removals first, then new entries in git's order.
    cuts.sort((a, b) => a.at - b.at || b.skip - a.skip || compareNames(a.key, 0, a.key.length, a.isTree, b.key, b.isTree));
    const pieces: Uint8Array[] = [];
    const next = new Int32Array(this.count + cuts.length + 1);
    let count = 0;
    let size = 0;
    // Entries of this tree from index k on are still to be copied (or cut).
    let k = 0;
    const copy = (to: number) => {
      const from = starts[k]!;
      if (to <= from) return;
      pieces.push(this.bytes.subarray(from, to));
      // The entries starting in [from, to) keep their order, moved by what was cut or added before them.
      let end = k;
      for (let hi = this.count; end < hi; ) {
        const mid = (end + hi) >>> 1;
        if (starts[mid]! < to) end = mid + 1;
        else hi = mid;
      }
      next.set(starts.subarray(k, end), count);
      const delta = size - from;
      if (delta !== 0) for (let x = count, last = count + end - k; x < last; x++) next[x]! += delta;
      count += end - k;
      k = end;
      size += to - from;
    };
    for (const cut of cuts) {
      copy(cut.at);
      if (cut.add) {
        pieces.push(cut.add);
        next[count++] = size;
        size += cut.add.length;
      }
      // A removed entry: skip it (cuts lie on entry starts, so k now points at it).
      if (cut.skip) k++;
    }
    copy(this.bytes.length);
    next[count] = size;
    return RawTree.withIndex(Buffer.concat(pieces, size), next, count);
  }
}
