// Run in a fresh process by bench/search.js: the Node baseline. Walk the tree and read every
// file's bytes with readFileSync, parsing nothing. Prints one JSON line.
//   node bench/lib/readAllChild.js <dir>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const start = process.hrtime.bigint();
let files = 0;
let bytes = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.isFile()) {
      bytes += readFileSync(path).length;
      files++;
    }
  }
};
walk(process.argv[2]);
const readMs = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ readMs, files, bytes }) + '\n');
