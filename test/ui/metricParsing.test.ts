/**
 * The fast paths for metric files agree with the CLI's parser on every file: the builder's latest
 * value scan (src/site/metricScan.ts) and the browser's columnar parse (ui/src/data/metricColumns.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { latestMetric, parseMetricHistory } from '../../src/format/metricFile.js';
import { scanMetricText as scanMetric } from '../../src/format/metricFile.js';
import { metricColumns } from '../../ui/src/data/metricColumns.js';

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => String(v)),
  fc.constantFrom('0.5', '0.25', '1e-07', '-0.0', '3', 'nan', 'inf', '-inf', 'NaN', '1_0.5', '.5', '5.'),
);
const int = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('1700000000000', '9007199254740993', '+3', '-2', '0_1'));
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(int, value, int).map(([t, v, s]) => `${t} ${v} ${s}`) },
  { weight: 1, arbitrary: fc.tuple(int, value).map(([t, v]) => `${t} ${v}`) },
  { weight: 1, arbitrary: fc.tuple(int, value, int).map(([t, v, s]) => `${t} ${v} ${s} train abc123`) },
  { weight: 1, arbitrary: fc.tuple(int, value, int).map(([t, v, s]) => ` ${t} ${v} ${s}\t`) },
);
const file = fc.tuple(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([lines, nl, trailing]) => lines.join(nl) + (trailing ? nl : ''));

function outcome<T>(f: () => T): { ok: T } | { error: string } {
  try {
    return { ok: f() };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? 'error' };
  }
}

describe('metric file fast paths', () => {
  it('scanMetric gives latestMetric(parseMetricHistory(...)) and the line count, or the same error', () => {
    fc.assert(
      fc.property(file, (text) => {
        const expected = outcome(() => {
          const h = parseMetricHistory('m', text, 'm');
          return { latest: latestMetric(h), points: h.length };
        });
        const got = outcome(() => scanMetric('m', text, 'm'));
        expect(got).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('ties keep the first of equal lines, as Python max() does', () => {
    const text = '5 0.5 3\n5 0.75 3\n5 0.25 3\n4 9.0 3\n';
    expect(scanMetric('m', text, 'm').latest.value).toBe(0.75);
    expect(scanMetric('m', '1 0.5 1\n1 0.5 1\n', 'm').points).toBe(2);
  });

  it('metricColumns holds every point of the history, sorted by step then time', () => {
    fc.assert(
      fc.property(file, (text) => {
        const expected = outcome(() => parseMetricHistory('m', text, 'm'));
        const got = outcome(() => metricColumns('m', text));
        if ('error' in expected) {
          expect(got).toEqual(expected);
          return;
        }
        expect('ok' in got).toBe(true);
        const cols = (got as { ok: ReturnType<typeof metricColumns> }).ok;
        const sorted = [...expected.ok].map((m, i) => ({ ...m, i })).sort((a, b) => Number(a.step) - Number(b.step) || a.timestamp - b.timestamp || a.i - b.i);
        expect(Array.from(cols.step)).toEqual(sorted.map((m) => Number(m.step)));
        expect(Array.from(cols.time)).toEqual(sorted.map((m) => m.timestamp));
        expect(Array.from(cols.value)).toEqual(sorted.map((m) => m.value));
      }),
      { numRuns: 500 },
    );
  });
});
