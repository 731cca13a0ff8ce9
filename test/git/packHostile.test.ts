/**
 * A pack entry whose header claims more bytes than the rest of the pack could inflate to (a
 * damaged or forged pack) is not believed: reading it allocates nothing near that size.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectWriter } from '../../src/git/objectWriter.js';
import { ObjectReader } from '../../src/git/objectStore.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

describe('a pack entry with a forged size', () => {
  it('is refused without allocating what it claims', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    git(dir, env, 'init', '-q');
    const gitdir = join(dir, '.git');
    const writer = new ObjectWriter(gitdir);
    const oids = Array.from({ length: 600 }, (_, i) => writer.write('blob', Buffer.from(`blob ${i}\n`)));
    writer.finish();
    const packDir = join(gitdir, 'objects', 'pack');
    const pack = join(packDir, readdirSync(packDir).find((n) => n.endsWith('.pack'))!);
    const victim = oids[300]!;
    const line = git(dir, env, 'verify-pack', '-v', pack.replace(/\.pack$/, '.idx')).split('\n').find((l) => l.startsWith(victim))!;
    const offset = Number(line.trim().split(/\s+/).pop());
    // Its header (type blob, a size of one byte) rewritten to claim about 1 GiB: five header bytes,
    // written over the start of its zlib stream.
    const bytes = readFileSync(pack);
    Buffer.from([0x80 | (3 << 4) | 0x0f, 0xff, 0xff, 0xff, 0x1f]).copy(bytes, offset);
    writeFileSync(pack, bytes);
    const reader = new ObjectReader(gitdir);
    const before = process.memoryUsage().arrayBuffers;
    let read: Uint8Array | null = null;
    try {
      read = await reader.blob(victim);
    } catch {
      // refused: as good as an error, what matters is what was allocated
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(read === null || Buffer.from(read).toString() !== 'blob 300\n').toBe(true);
    // The others still read.
    expect(Buffer.from(await reader.blob(oids[10]!)).toString()).toBe('blob 10\n');
  });
});
