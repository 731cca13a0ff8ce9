/**
 * Python float repr and float()/int() parsing, checked against a real python3 (one process per batch).
 * MLflow writes metric values with repr(float) and reads metric lines with int()/float().
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parsePyFloat, parsePyInt, pyFloatRepr, pyStrip } from '../../src/format/pyFloat.js';
import { doubleToHex, PY_PRELUDE, runPython, seed } from './python.js';

const REPR_SCRIPT = `${PY_PRELUDE}
import struct
out([repr(struct.unpack('<d', bytes.fromhex(h))[0]) for h in data])
`;

/** For each string: repr(float(s)) or None when float() raises; str(int(s)) or None. */
const PARSE_SCRIPT = `${PY_PRELUDE}
def f(s):
    try: return repr(float(s))
    except ValueError: return None
def i(s):
    try: return str(int(s))
    except ValueError: return None
out([[f(s), i(s)] for s in data])
`;

const SPECIAL_DOUBLES = [
  0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
  2 ** -1022, 2 ** -1022 - Number.MIN_VALUE, Number.EPSILON, 1, -1, 0.1, 0.2, 0.30000000000000004, 1 / 3,
  1e-4, 1e-5, 0.0001, 0.00001, 9.999999999999999e-5, 1e15, 1e16, 1e17, 9999999999999998, 1e16 - 2, 123456789012345680,
  2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e21, 1e22, 1e100, 1.5e300, 5e-324, 1.7976931348623157e308, 100, 1234.5, 3.0, 0.5,
];

function checkRepr(values: number[], label: string): void {
  const python = runPython<string[]>(REPR_SCRIPT, values.map(doubleToHex));
  const mismatches: string[] = [];
  values.forEach((x, i) => {
    const ours = pyFloatRepr(x);
    if (ours !== python[i]) mismatches.push(`${doubleToHex(x)}: ours ${ours}, python ${python[i]}`);
  });
  expect(mismatches, label).toEqual([]);
}

describe('pyFloatRepr agrees with Python repr(float)', () => {
  it('on special and boundary doubles', () => {
    checkRepr(SPECIAL_DOUBLES, 'special');
  });

  it('on arbitrary doubles (fc.double incl. NaN, ±inf, -0, subnormals) and arbitrary bit patterns', () => {
    const s = seed();
    const doubles = fc.sample(fc.double(), { numRuns: 4000, seed: s });
    const bits = fc.sample(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { numRuns: 4000, seed: s + 1 }).map((b) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, b);
      return view.getFloat64(0);
    });
    const decimals = fc.sample(fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: -30, max: 30 })), { numRuns: 2000, seed: s + 2 })
      .map(([m, e]) => Number(`${m}e${e}`));
    checkRepr([...doubles, ...bits, ...decimals], `seed ${s}`);
  });

  it('round-trips: parsePyFloat(pyFloatRepr(x)) is x (NaN is NaN, -0 is -0)', () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(parsePyFloat(pyFloatRepr(x)), x)),
      { numRuns: 2000 },
    );
  });
});

/** Corpus: valid and invalid texts for float() and int(). */
const CORPUS = [
  '0', '1', '-1', '+1', '007', '0_7', '1_0', '1__0', '_1', '1_', '1_000_000', '1e', '1e5', '1E5', '1e+5', '1e-5', '1e_5', '1_e5', '1e1_0',
  '.5', '5.', '.', '-.5', '+.5e-3', '1.e5', '1._5', '1_.5', '1.5_0', '0_0.0_0', '0x10', '0o17', '0b101', '1.0', '-0', '+0', '-0.0', '00.5',
  'inf', 'Inf', 'INF', '-inf', '+inf', 'infinity', 'Infinity', '-Infinity', 'iNfInItY', 'infinit', 'infinityy', 'nan', 'NaN', '+nan', '-nan', 'nAn',
  'nan(1)', ' 1 ', '\t1\n', ' 1.5 ', '1 2', '- 1', '+-1', '--1', '', ' ', '1e5000', '-1e5000', '1e-400', '-1e-400', '4.9e-324', '2.4703282292062328e-324',
  '2.4703282292062327e-324', '1.7976931348623158e308', '1.7976931348623159e308', '9007199254740993', '9007199254740992', '-9007199254740993',
  '123456789012345678901234567890', '0.1000000000000000055511151231257827021181583404541015625', '1.00000000000000011102230246251565404236316680908203125',
  '4611686018427387904', '-9223372036854775808', '18446744073709551616',
  // Unicode: Python's int()/float() accept any Nd digit and strip any Unicode whitespace.
  '١٢', '١٫٥', '١.٥', '-١٢', '１２', '१२३', '𝟏𝟐', '²', '½', 'Ⅻ', '一', '\u00a012\u00a0', '\u300012', '12\u2028', '\u200b12', '\ufeff12', '\x1c12\x1f', '\x8512',
  '1\u00a02', '٣e٢', '1e١', '1_١', 'ｉｎｆ', 'nan\u3000', '\u2003-inf', '1\x00', '\x001',
];

function checkParse(texts: string[], label: string): void {
  const python = runPython<[string | null, string | null][]>(PARSE_SCRIPT, texts);
  const mismatches: string[] = [];
  texts.forEach((text, i) => {
    const [pyFloat, pyInt] = python[i]!;
    const ourFloat = parsePyFloat(text);
    const ourInt = parsePyInt(text);
    const f = ourFloat === undefined ? null : pyFloatRepr(ourFloat);
    const n = ourInt === undefined ? null : String(ourInt);
    if (f !== pyFloat) mismatches.push(`float(${JSON.stringify(text)}): ours ${f}, python ${pyFloat}`);
    if (n !== pyInt) mismatches.push(`int(${JSON.stringify(text)}): ours ${n}, python ${pyInt}`);
  });
  expect(mismatches, label).toEqual([]);
}

describe('parsePyFloat / parsePyInt agree with Python float() / int()', () => {
  it('on a corpus of valid and invalid texts', () => {
    checkParse(CORPUS, 'corpus');
  });

  it('on generated texts over the number alphabet', () => {
    const s = seed();
    const alphabet = fc.constantFrom(...'0123456789_.eE+-', ...'infatyINFATY', ' ', '0', '1', '9', '١', '\u3000');
    const texts = fc.sample(fc.string({ unit: alphabet, maxLength: 10 }), { numRuns: 6000, seed: s });
    const exact = fc.sample(fc.double({ noNaN: true }).map(pyFloatRepr), { numRuns: 1000, seed: s + 1 });
    const ints = fc.sample(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String), { numRuns: 1000, seed: s + 2 });
    checkParse([...texts, ...exact, ...ints], `seed ${s}`);
  });

  it('returns a number up to 2^53 - 1 and a bigint beyond, never -0', () => {
    expect(parsePyInt('9007199254740991')).toBe(9007199254740991);
    expect(parsePyInt('9007199254740992')).toBe(9007199254740992n);
    expect(parsePyInt('-9007199254740993')).toBe(-9007199254740993n);
    expect(parsePyInt('4611686018427387904')).toBe(2n ** 62n);
    expect(Object.is(parsePyInt('-0'), 0)).toBe(true);
    expect(Object.is(parsePyInt('-0_0'), 0)).toBe(true);
  });

  it('pyStrip strips exactly what Python str.strip() strips', () => {
    const script = `${PY_PRELUDE}\nout([c for c in range(0x110000) if chr(c).isspace()])`;
    const pySpace = new Set(runPython<number[]>(script, null));
    const differ: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const stripped = pyStrip(`${String.fromCodePoint(cp)}x${String.fromCodePoint(cp)}`) === 'x';
      if (stripped !== pySpace.has(cp)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
  });

  it('int() and float() around every digit, space, control and format code point, and a sample of the rest', () => {
    // Python 3.11 knows Unicode 14: ask it which code points to try, so newer digits in Node's Unicode are left out.
    const script = `${PY_PRELUDE}
import unicodedata
out([c for c in range(0x110000) if unicodedata.category(chr(c)) in ('Nd', 'No', 'Nl', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf') or c % 211 == 0])`;
    const texts: string[] = [];
    for (const cp of runPython<number[]>(script, null)) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const c = String.fromCodePoint(cp);
      texts.push(`${c}1${c}`, `1${c}`, `-${c}.${c}`);
    }
    checkParse(texts, 'code points');
  });
});
