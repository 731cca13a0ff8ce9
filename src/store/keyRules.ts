/** `a` and `a/b` cannot both be keys of a run or an experiment: the checks that refuse such keys before anything is written. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../format/errors.js';

function keyClash(key: string) {
  return fail('INVALID_KEY', `Key '${key}' clashes with an existing key: a name cannot be both a key and a folder of keys ('a' and 'a/b')`, { key });
}

/** `a` and `a/b` cannot both be keys: one would be a file and the other a directory. */
export function keyPathError(err: unknown, key: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') return keyClash(key);
  return err as Error;
}

/**
 * Refuse keys that cannot coexist, before anything is written: a key that is a folder of keys in
 * `folder` (or in the same batch), or that has a prefix which is a key file there (or in the batch).
 * `folder` null checks the batch only (a folder that does not exist yet).
 */
export function checkKeyClashes(folder: string | null, keys: Iterable<string>): void {
  const wanted = new Set(keys);
  for (const key of wanted) {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (wanted.has(prefix) || (folder !== null && isFile(join(folder, prefix)))) throw keyClash(key);
    }
    if (folder !== null && isDirectory(join(folder, key))) throw keyClash(key);
  }
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
