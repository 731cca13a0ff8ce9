/**
 * The flat meta.yaml reader gives exactly what the full YAML reader gives, on every text it
 * accepts: random lines built from the characters that matter to YAML, every meta.yaml MLflow
 * wrote in the fixtures, and metas our own writer emits for random field values.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';

import fg from 'fast-glob';
import { parseFlatMapping } from '../../src/format/yaml/flatMapping.js';
import { parseYaml } from '../../src/format/yaml/readYaml.js';
import { formatRunMeta } from '../../src/format/runMeta.js';

function fullParse(text: string): Map<string, unknown> | 'error' | 'not a map' {
  try {
    const node = parseYaml(text, 'x');
    return node.kind === 'map' ? node.entries : 'not a map';
  } catch {
    return 'error';
  }
}

function agrees(text: string): boolean {
  const flat = parseFlatMapping(text);
  if (flat === null) return true;
  expect(fullParse(text)).toEqual(flat);
  return true;
}

const risky = fc.constantFrom(...'aZ09_-.:/ \'"#[]{},&*!|>%@`~=+()?\\\t\r\n\u00e9'.split(''), 'null', 'yes', '0x1F', '1e3', '.inf', '2024-01-02', '--', '  ', "''", ': ');
const value = fc.array(risky, { maxLength: 8 }).map((parts) => parts.join(''));
const key = fc.constantFrom('run_id', 'name', 'status', 'on', 'y', 'a_b', 'x1');

describe('flat meta.yaml reader', () => {
  it('agrees with the full reader on random lines', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value, fc.constantFrom(': ', ':', ":  ", ": '")), { minLength: 1, maxLength: 5 }), fc.boolean(), (lines, newline) => {
        const text = lines.map(([k, v, sep]) => `${k}${sep}${v}`).join('\n') + (newline ? '\n' : '');
        return agrees(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the full reader on every meta.yaml MLflow wrote, and takes most of them', () => {
    const files = fg.sync('test/fixtures/**/meta.yaml', { dot: true, absolute: true });
    expect(files.length).toBeGreaterThan(20);
    let taken = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      agrees(text);
      if (parseFlatMapping(text)) taken++;
    }
    expect(taken).toBeGreaterThan(files.length / 2);
  });

  it('takes what our writer emits for random names and values, and agrees', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 2 ** 42 }), (runName, user, start) => {
        const text = formatRunMeta({
          runId: 'a'.repeat(32), runName, experimentId: '1', userId: user, status: 'FINISHED', startTime: start, endTime: start + 1,
          artifactUri: `file:///tmp/mlruns/1/${'a'.repeat(32)}/artifacts`, lifecycleStage: 'active',
        } as Parameters<typeof formatRunMeta>[0]);
        if (parseFlatMapping(text)) taken++;
        return agrees(text);
      }),
      { numRuns: 500 },
    );
    expect(taken).toBeGreaterThan(100);
  });
});

