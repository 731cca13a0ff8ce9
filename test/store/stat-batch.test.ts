/**
 * Signatures in one batch, shared with a worker thread past a few thousand paths, are exactly the
 * signatures one stat at a time gives: files, folders, missing paths and paths through a file.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { signatures } from '../../src/store/searchIndex/statBatch.js';
import { MISSING, signature } from '../../src/store/searchIndex/statSignature.js';

describe('stat signatures in a batch', () => {
  it.each([10, 20_000])('%i paths give what signature() gives, in order', (count) => {
    const dir = tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 200; i++) {
      mkdirSync(join(dir, `d${i}`));
      writeFileSync(join(dir, `d${i}`, 'f'), 'x'.repeat(i));
    }
    for (let i = 0; paths.length < count; i++) {
      const d = join(dir, `d${i % 200}`);
      paths.push([d, join(d, 'f'), join(d, 'missing'), join(d, 'f', 'below-a-file')][(i + Math.floor(i / 200)) % 4]!);
    }
    const batch = signatures(paths);
    expect(batch.length).toBe(count);
    expect(Array.from(batch)).toEqual(paths.map(signature));
    const missing = paths.filter((p) => p.endsWith('missing') || p.endsWith('below-a-file'));
    expect(Array.from(batch).filter((s) => s === MISSING).length).toBe(missing.length);
    // Every file and folder has its own signature.
    expect(new Set(Array.from(batch).filter((s) => s !== MISSING)).size).toBe(new Set(paths.filter((p) => !missing.includes(p))).size);
  });
});

describe('a worker that stalls', () => {
  it('has the chunk it took done by the calling thread after the stall limit, and the answer is whole', () => {
    const dir = tempDir();
    const paths = Array.from({ length: 3000 }, (_, i) => {
      const p = join(dir, `f${i}`);
      writeFileSync(p, String(i));
      return p;
    });
    // Takes the first chunk, as the real worker would, and never finishes it.
    const stalling = { postMessage: ({ ctrl }: { ctrl: Int32Array }) => void Atomics.add(ctrl, 0, 1) };
    expect(Array.from(signatures(paths, stalling as never))).toEqual(paths.map(signature));
  });
});
