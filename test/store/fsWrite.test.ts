/** appendOnce: a torn final line left by a dead writer gets its newline back; a whole file is left as it is. */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendOnce } from '../../src/store/fsWrite.js';
import { tempDir } from '../helpers/env.js';

function tornFile(ageSeconds: number): string {
  const path = join(tempDir(), 'loss');
  writeFileSync(path, '1700000000000 1.0 0\n1700000000001 2.0');
  if (ageSeconds > 0) {
    const then = Date.now() / 1000 - ageSeconds;
    utimesSync(path, then, then);
  }
  return path;
}

describe('appendOnce', () => {
  it('restores the newline of a torn line written long ago before appending', () => {
    const path = tornFile(3600);
    appendOnce(path, '1700000000002 3.0 2\n');
    expect(readFileSync(path, 'utf8')).toBe('1700000000000 1.0 0\n1700000000001 2.0\n1700000000002 3.0 2\n');
  });

  it('restores it too when the torn line was written just now and nobody completes it', () => {
    const path = tornFile(0);
    appendOnce(path, '1700000000002 3.0 2\n');
    expect(readFileSync(path, 'utf8')).toBe('1700000000000 1.0 0\n1700000000001 2.0\n1700000000002 3.0 2\n');
  });

  it('adds nothing to a file that ends with its newline, and creates a missing file and folder', () => {
    const dir = tempDir();
    const path = join(dir, 'metrics', 'nested', 'acc');
    appendOnce(path, 'a\n');
    appendOnce(path, 'b\n');
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });
});
