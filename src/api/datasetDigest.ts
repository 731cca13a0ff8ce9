/** Content digests for dataset inputs: a file's or a directory's bytes, so the same data always gets the same digest. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** First 32 hex digits of a SHA-256 (MLflow limits digests to 36 characters). Directories hash every file with its path. */
export function contentDigest(path: string): string {
  const hash = createHash('sha256');
  const add = (file: string, root: string) => {
    if (statSync(file).isDirectory()) {
      for (const name of readdirSync(file).sort()) add(join(file, name), root);
      return;
    }
    if (root !== file) hash.update(relative(root, file).split(sep).join('/') + '\0');
    hash.update(readFileSync(file));
  };
  add(path, path);
  return hash.digest('hex').slice(0, 32);
}
