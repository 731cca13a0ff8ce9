/** Byte-level snapshots of a directory, to prove a command changed nothing it should not. */
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
