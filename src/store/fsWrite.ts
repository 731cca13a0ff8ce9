/**
 * Writes that never leave a half-written file where a reader could see it: content goes to a
 * temporary file beside the target's folder and is renamed (or hard-linked) into place.
 */
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fail } from '../format/errors.js';
import { TEMP_PREFIX } from '../format/layout.js';
import { faultPoint } from './faultPoint.js';

function tempPath(tempDir: string): string {
  return join(tempDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

function writeTemp(tempDir: string, data: string | Uint8Array): string {
  const tmp = tempPath(tempDir);
  const fd = openSync(tmp, 'wx');
  try {
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Replace `target` atomically. `tempDir` must be on the same file system and must not be a folder
 * whose files MLflow reads as keys (metrics/, params/, tags/), so a crash leaves nothing it would read.
 */
export function writeAtomic(target: string, data: string | Uint8Array, tempDir: string = dirname(target)): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = writeTemp(tempDir, data);
  try {
    faultPoint('write:before-rename', target, 'rename');
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Create `target` with `data` only if it does not exist yet (atomic, complete content). Returns false if it existed. */
export function createExclusive(target: string, data: string | Uint8Array, tempDir: string): boolean {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = writeTemp(tempDir, data);
  try {
    faultPoint('write:before-link', target, 'link');
    linkSync(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** How long a torn final line may be another appender's write in progress (it set the mtime when it began). */
const APPEND_SETTLE_MS = 1000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Whether the file ends mid-line because an earlier writer died there (restore the newline), as
 * opposed to another appender being in the middle of its write (which ends with its own newline).
 * A write in progress grows the file page by page and set the mtime when it began, so a torn tail
 * with a fresh mtime is watched until it ends in a newline or has stayed torn for the settle time.
 */
function endsMidLine(fd: number): boolean {
  const last = Buffer.alloc(1);
  const deadline = Date.now() + APPEND_SETTLE_MS;
  for (;;) {
    const { size, mtimeMs } = fstatSync(fd);
    if (size === 0) return false;
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return false;
    const now = Date.now();
    if (now - mtimeMs >= APPEND_SETTLE_MS || now >= deadline) return true;
    Atomics.wait(pause, 0, 0, 2);
  }
}

/**
 * Append with O_APPEND in one write() call, so concurrent writers never interleave within a line.
 * A file whose last line lost its newline (a crash, an editor) gets it back first, in the same write,
 * so the new line is never glued onto the old one.
 */
export function appendOnce(target: string, data: string): void {
  let fd: number;
  try {
    fd = openSync(target, 'a+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(target), { recursive: true }); // first value of a nested key
    fd = openSync(target, 'a+');
  }
  try {
    if (endsMidLine(fd)) data = '\n' + data;
    const bytes = Buffer.from(data, 'utf8');
    faultPoint('write:append', target);
    const written = writeSync(fd, bytes);
    // A second write() could interleave with another writer's lines: report a short write instead.
    if (written !== bytes.length) throw fail('IO_ERROR', `Short write to ${target}: ${written} of ${bytes.length} bytes`, { path: target });
  } finally {
    closeSync(fd);
  }
}
