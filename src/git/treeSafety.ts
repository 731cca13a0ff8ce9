/**
 * How much of a tree read from git mltrack accepts, and every unsafe entry of one (for `verify`,
 * which lists problems instead of stopping at the first). The limits may be lowered with
 * `MLTRACK_MAX_BLOB_BYTES`, `MLTRACK_MAX_TREE_ENTRIES` and `MLTRACK_MAX_TREE_DEPTH`, for a
 * cautious reader and for tests that need a small limit.
 */
import { fail } from '../format/errors.js';
import type { ObjectReader } from './objectStore.js';
import { blobSizes, checkTreeEntry, DEFAULT_TREE_LIMITS, type TreeLimits } from './safeTree.js';

function limitFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw fail('CONFIG_ERROR', `${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return Math.min(Number(text), fallback);
}

/** The default limits, lowered where the environment asks (never raised). */
export function treeLimits(env: NodeJS.ProcessEnv = process.env): TreeLimits {
  return {
    maxBlobBytes: limitFromEnv(env, 'MLTRACK_MAX_BLOB_BYTES', DEFAULT_TREE_LIMITS.maxBlobBytes),
    maxEntries: limitFromEnv(env, 'MLTRACK_MAX_TREE_ENTRIES', DEFAULT_TREE_LIMITS.maxEntries),
    maxDepth: limitFromEnv(env, 'MLTRACK_MAX_TREE_DEPTH', DEFAULT_TREE_LIMITS.maxDepth),
  };
}

export interface UnsafeEntry {
  /** POSIX path below the walked tree. */
  path: string;
  reason: string;
}

/** Every unsafe entry below `treeOid` (unsafe folders are not entered); at most `max` of them. */
export async function unsafeEntries(objects: ObjectReader, treeOid: string, limits: TreeLimits = treeLimits(), max = 1000): Promise<UnsafeEntry[]> {
  const found: UnsafeEntry[] = [];
  const blobs = new Map<string, string>();
  const seen = new Set<string>();
  let entries = 0;
  const walk = async (oid: string, path: string, depth: number): Promise<void> => {
    if (seen.has(oid) || found.length >= max) return;
    seen.add(oid);
    if (depth > limits.maxDepth) {
      found.push({ path, reason: `nested deeper than ${limits.maxDepth} folders` });
      return;
    }
    for (const entry of await objects.tree(oid)) {
      const child = path ? `${path}/${entry.name}` : entry.name;
      try {
        checkTreeEntry(entry, child);
      } catch (err) {
        found.push({ path: child, reason: String((err as { data?: { reason?: string } }).data?.reason ?? (err as Error).message) });
        continue;
      }
      if (++entries > limits.maxEntries) {
        found.push({ path: child, reason: `past the limit of ${limits.maxEntries} entries` });
        return;
      }
      if (entry.mode === '40000') await walk(entry.oid, child, depth + 1);
      else if (!blobs.has(entry.oid)) blobs.set(entry.oid, child);
    }
  };
  await walk(treeOid, '', 0);
  for (const [oid, size] of blobSizes(objects.gitdir, [...blobs.keys()])) {
    if (size > limits.maxBlobBytes) found.push({ path: blobs.get(oid)!, reason: `a blob of ${size} bytes, over the limit of ${limits.maxBlobBytes}` });
  }
  return found.slice(0, max);
}
