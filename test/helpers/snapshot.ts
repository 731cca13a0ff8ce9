/** Byte-level snapshots of a directory, to prove a command changed nothing it should not. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function snapshotFiles(root: string, options: { skip?: (rel: string) => boolean } = {}): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (options.skip?.(childRel)) continue;
      const abs = join(root, childRel);
      if (entry.isDirectory()) {
        out.set(childRel + '/', 'dir');
        walk(childRel);
      } else if (entry.isSymbolicLink()) out.set(childRel, 'link:' + readlinkSync(abs));
      else out.set(childRel, readFileSync(abs).toString('base64') + ':' + (lstatSync(abs).mode & 0o777));
    }
  };
  walk('');
  return out;
}

/** Every file below `dir` by absolute path: mtime and content hash (links: their target). A sentinel scan of a scratch HOME. */
export function scanTree(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) scanTree(path, into);
    else if (stat.isSymbolicLink()) into.set(path, `link ${readlinkSync(path)}`);
    else into.set(path, `${stat.mtimeMs} ${createHash('sha1').update(readFileSync(path)).digest('hex')}`);
  }
  return into;
}
