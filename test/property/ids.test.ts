/**
 * The small codecs MLflow paths depend on: md5Hex (dataset and input directory names) against
 * node:crypto and Python's hashlib, and file URIs against Python's pathlib.Path.as_uri().
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { md5Hex } from '../../src/format/md5.js';
import { datasetId, inputId } from '../../src/format/datasetMeta.js';
import { fileUriToPath, pathToFileUri } from '../../src/format/fileUri.js';
import { PY_PRELUDE, runPython, seed } from './python.js';

describe('md5Hex', () => {
  it('equals node:crypto md5 of the UTF-8 bytes, for any text and every length around the 64-byte blocks', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', minLength: 50, maxLength: 130 })), (text) => {
        expect(md5Hex(text)).toBe(createHash('md5').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    for (let n = 0; n < 200; n++) expect(md5Hex('x'.repeat(n))).toBe(createHash('md5').update('x'.repeat(n)).digest('hex'));
  });

  it('gives MLflow dataset and input ids (spec case 18)', () => {
    const id = datasetId('mydata', 'a27a57c9');
    expect(id).toBe(createHash('md5').update('mydataa27a57c9').digest('hex'));
    expect(inputId(id, '0123456789abcdef0123456789abcdef')).toBe(createHash('md5').update(`${id}0123456789abcdef0123456789abcdef`).digest('hex'));
  });
});

describe('file URIs', () => {
  it('pathToFileUri equals pathlib.Path.as_uri() and fileUriToPath inverts it', () => {
    const s = seed();
    const segment = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '0', ' ', '%', '#', '?', '&', '=', '+', '~', '-', '_', '.', '@', ':', ';', ',', "'", '(', '!', '$', '*', 'é', '中', '😀', '\\'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '/' && c !== '\0')), minLength: 1, maxLength: 8 })
      // Paths reach pathToFileUri resolved (path.resolve): no `.` segments, which pathlib would drop.
      .filter((seg) => seg !== '.');
    const paths = fc.sample(fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`), { numRuns: 1500, seed: s });
    const python = runPython<string[]>(`${PY_PRELUDE}\nimport pathlib\nout([pathlib.PurePosixPath(p).as_uri() for p in data])`, paths);
    const bad: string[] = [];
    paths.forEach((p, i) => {
      if (pathToFileUri(p) !== python[i]) bad.push(`${JSON.stringify(p)}: ours ${pathToFileUri(p)}, python ${python[i]}`);
      if (fileUriToPath(pathToFileUri(p)) !== p) bad.push(`${JSON.stringify(p)}: back ${JSON.stringify(fileUriToPath(pathToFileUri(p)))}`);
    });
    expect(bad.slice(0, 10), `seed ${s}`).toEqual([]);
  });
});
