/** Metric history files (spec 4.2): exact parsing edge cases and MLflow's "latest" rule. */
import { describe, it, expect } from 'vitest';
import type { Metric } from '../../src/format/entities.js';
import { isMltrackError } from '../../src/format/errors.js';
import { compareMetricRecency, formatMetricLine, latestMetric, parseMetricHistory } from '../../src/format/metricFile.js';

const parse = (text: string) => parseMetricHistory('m', text, 'metrics/m');

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (err) {
    expect(isMltrackError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('MALFORMED_METRIC');
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

const m = (timestamp: number, value: number, step: number | bigint): Metric => ({ key: 'm', timestamp, value, step });

describe('parseMetricHistory: fields', () => {
  it('reads 3-field lines in file order, duplicates kept', () => {
    expect(parse('1700000000001 0.5 0\n1700000000002 0.25 1\n1700000000002 0.25 1\n')).toEqual([
      m(1700000000001, 0.5, 0),
      m(1700000000002, 0.25, 1),
      m(1700000000002, 0.25, 1),
    ]);
  });

  it('reads a legacy 2-field line as step 0', () => {
    expect(parse('1700000000001 1e-05\n')).toEqual([m(1700000000001, 1e-5, 0)]);
  });

  it('reads a 5-field line (3.x dataset name and digest)', () => {
    expect(parse('5 1.5 2 train a27a57c9\n')).toEqual([{ ...m(5, 1.5, 2), datasetName: 'train', datasetDigest: 'a27a57c9' }]);
  });

  it('rejects 1, 4 and 6 fields', () => {
    expect(errorOf('5\n')).toContain('1 fields');
    expect(errorOf('5 1.0 2 x\n')).toContain('4 fields');
    expect(errorOf('5 1.0 2 x y z\n')).toContain('6 fields');
  });

  it('reads non-finite values in every spelling Python float() takes', () => {
    const history = parse('1 nan 0\n2 inf 1\n3 -inf 2\n4 NaN 3\n5 Infinity 4\n6 -Infinity 5\n7 +nan 6\n8 -0.0 7\n');
    expect(history.map((h) => h.value)).toEqual([NaN, Infinity, -Infinity, NaN, Infinity, -Infinity, NaN, -0]);
    expect(Object.is(history[7]!.value, -0)).toBe(true);
  });

  it('reads integer-valued and exponent values, and ints with underscores (Python int())', () => {
    expect(parse('1_000 3 1_0\n')).toEqual([m(1000, 3, 10)]);
    expect(parse('1 1e+16 -5\n')).toEqual([m(1, 1e16, -5)]);
    expect(parse('1 5e-324 0\n')[0]!.value).toBe(5e-324);
  });
});

describe('parseMetricHistory: lines and whitespace', () => {
  it('tolerates \\r\\n line ends (strip)', () => {
    expect(parse('1 0.5 0\r\n2 0.25 1\r\n')).toEqual([m(1, 0.5, 0), m(2, 0.25, 1)]);
  });

  it('accepts a missing final newline', () => {
    expect(parse('1 0.5 0\n2 0.25 1')).toEqual([m(1, 0.5, 0), m(2, 0.25, 1)]);
  });

  it('tolerates surrounding spaces on a line (strip), not inside', () => {
    expect(parse('  1 0.5 0  \n')).toEqual([m(1, 0.5, 0)]);
  });

  it('splits lines like Python str.splitlines(): a lone \\r, \\v, \\f, \\x85 and \\u2028 end a line', () => {
    for (const sep of ['\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']) {
      expect(parse(`1 0.5 0${sep}2 0.25 1${sep}`), JSON.stringify(sep)).toEqual([m(1, 0.5, 0), m(2, 0.25, 1)]);
    }
  });

  it('rejects a blank line anywhere: first, middle, trailing, or a file of just a newline', () => {
    expect(errorOf('\n1 0.5 0\n')).toContain('line 1 has 1 fields');
    expect(errorOf('1 0.5 0\n\n2 0.25 1\n')).toContain('line 2 has 1 fields');
    expect(errorOf('1 0.5 0\n\n')).toContain('line 2 has 1 fields');
    expect(errorOf('1 0.5 0\r\n\r\n')).toContain('line 2 has 1 fields');
    expect(errorOf('\n')).toContain('line 1 has 1 fields');
    expect(errorOf('   \n')).toContain('line 1 has 1 fields');
  });

  it('rejects tabs and double spaces between fields', () => {
    expect(errorOf('1\t0.5\t0\n')).toContain('1 fields');
    expect(errorOf('1 0.5\t0\n')).toContain("value '0.5\t0'");
    expect(errorOf('1  0.5 0\n')).toContain('4 fields');
    expect(errorOf('1 0.5  0\n')).toContain('4 fields');
  });

  it('rejects a float or exponent timestamp, and a float step', () => {
    expect(errorOf('1.5 2 3\n')).toContain("timestamp '1.5'");
    expect(errorOf('1e3 2 3\n')).toContain("timestamp '1e3'");
    expect(errorOf('1 2 3.0\n')).toContain("step '3.0'");
    expect(errorOf('1 x 3\n')).toContain("value 'x'");
  });

  it('rejects an empty file with "No data found"', () => {
    expect(errorOf('')).toContain('No data found');
  });

  it('rejects a leading BOM (MLflow decodes with utf-8, not utf-8-sig, and int() refuses \\ufeff)', () => {
    expect(errorOf('\ufeff1 0.5 0\n')).toContain('timestamp');
  });
});

describe('steps beyond 2^53', () => {
  it('keeps them exact as bigint; safe ones stay numbers', () => {
    const history = parse('1 0.5 9007199254740993\n2 0.5 -9223372036854775808\n3 0.5 4611686018427387904\n4 0.5 9007199254740991\n');
    expect(history.map((h) => h.step)).toEqual([9007199254740993n, -9223372036854775808n, 4611686018427387904n, 9007199254740991]);
  });

  it('writes them exactly', () => {
    expect(formatMetricLine({ timestamp: 1, value: 0.5, step: 9007199254740993n })).toBe('1 0.5 9007199254740993\n');
    expect(formatMetricLine({ timestamp: 1, value: 3, step: -(2n ** 62n) })).toBe('1 3.0 -4611686018427387904\n');
    expect(formatMetricLine({ timestamp: 0, value: -0, step: 0 })).toBe('0 -0.0 0\n');
    expect(formatMetricLine({ timestamp: 0, value: NaN, step: 0 })).toBe('0 nan 0\n');
    expect(formatMetricLine({ timestamp: 0, value: -Infinity, step: 0 })).toBe('0 -inf 0\n');
    expect(formatMetricLine({ timestamp: 0, value: 1e-5, step: 0 })).toBe('0 1e-05 0\n');
  });

  it('orders bigint steps by value, including against number steps', () => {
    const big = parse('1 1.0 9007199254740993\n2 2.0 9007199254740992\n');
    expect(latestMetric(big).value).toBe(1);
    expect(compareMetricRecency(m(1, 1, 5), m(2, 1, 5n))).toBe(-1); // same step: the timestamp decides
    expect(compareMetricRecency(m(1, 1, 6), m(2, 1, 5n))).toBe(1);
  });
});

describe('latestMetric: max by (step, timestamp, value), first wins', () => {
  const latest = (text: string) => {
    const history = parse(text);
    return history.indexOf(latestMetric(history));
  };

  it('the highest step wins even with an older timestamp (spec case 3)', () => {
    expect(latest('5 1.0 0\n1 2.0 1\n')).toBe(1);
  });

  it('then the newest timestamp, then the greatest value', () => {
    expect(latest('1 9.0 3\n2 1.0 3\n')).toBe(1);
    expect(latest('2 1.0 3\n2 9.0 3\n2 5.0 3\n')).toBe(1);
    expect(latest('2 -inf 3\n2 inf 3\n')).toBe(1);
  });

  it('the first of equal lines wins (0.0 and -0.0 are equal)', () => {
    expect(latest('2 1.0 3\n2 1.0 3\n')).toBe(0);
    expect(latest('2 0.0 3\n2 -0.0 3\n')).toBe(0);
    expect(latest('2 -0.0 3\n2 0.0 3\n')).toBe(0);
  });

  it('NaN never beats and is never beaten at equal step and timestamp (Python tuple comparison)', () => {
    expect(latest('2 nan 3\n2 1.0 3\n')).toBe(0);
    expect(latest('2 1.0 3\n2 nan 3\n')).toBe(0);
    expect(latest('2 nan 3\n2 nan 3\n')).toBe(0);
    expect(latest('2 nan 3\n2 inf 3\n2 5.0 3\n')).toBe(0);
    // Not transitive, as in Python: NaN holds the lead only until something it compares to wins on step/timestamp.
    expect(latest('2 1.0 3\n2 nan 3\n2 5.0 3\n')).toBe(2);
    expect(latest('2 nan 3\n3 0.0 3\n')).toBe(1);
  });
});
