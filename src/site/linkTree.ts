/**
 * A copy of a directory tree made of hard links (a real copy where linking fails, across devices),
 * so an incremental site build starts from the previous site in milliseconds per thousand files
 * and still swaps in a complete directory. A linked file is never written in place: the builder
 * replaces a file by removing it first, so the previous site keeps its bytes.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function linkTree(from: string, to: string): number {
  mkdirSync(to, { recursive: true });
  let files = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) files += linkTree(src, dst);
    else if (entry.isFile()) {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
      files++;
    }
  }
  return files;
}
