// Temporary directories under os.tmpdir(), all removed when the benchmarks end (or the process exits).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set();

export function makeTempDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `mltrack-bench-${label}-`));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

export function cleanupTempDirs() {
  for (const dir of [...dirs]) removeTempDir(dir);
}

process.on('exit', cleanupTempDirs);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanupTempDirs();
    process.exit(130);
  });
}
