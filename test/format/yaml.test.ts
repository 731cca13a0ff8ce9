/**
 * Regression examples for dumpYaml / parseYaml / YamlFields, each found by the PyYAML property tests
 * (test/property/yaml.test.ts). Expected values are what PyYAML 6 (MLflow's reader) gives.
 */
import { describe, it, expect } from 'vitest';
import { dumpYaml, parseYaml, pyFlowScalar, pyPlainScalar, YamlFields } from '../../src/format/yaml.js';
import { pyYamlFloat, pyYamlInt } from '../../src/format/pyyaml.js';
import { isMltrackError } from '../../src/format/errors.js';

const name = (text: string) => YamlFields.parse(text, 'meta.yaml').string('name');

describe('dumpYaml numbers', () => {
  it('writes safe integers as ints, and integral numbers beyond 2^53 as floats, never `1e+21` (PyYAML reads that as a string)', () => {
    expect(dumpYaml({ v: 1e21 })).toBe('v: 1.0e+21\n');
    expect(dumpYaml({ v: -1e21 })).toBe('v: -1.0e+21\n');
    expect(dumpYaml({ v: 2 ** 62 })).toBe('v: 4.611686018427388e+18\n');
    expect(dumpYaml({ v: 2 ** 53 - 1, w: -(2 ** 53 - 1) })).toBe('v: 9007199254740991\nw: -9007199254740991\n');
    expect(dumpYaml({ v: 2 ** 53 })).toBe('v: 9007199254740992.0\n');
    expect(dumpYaml({ v: 2n ** 62n, w: 1700000000000 })).toBe('v: 4611686018427387904\nw: 1700000000000\n');
  });

  it('writes floats as PyYAML does (repr, .0 added before a bare exponent, .nan/.inf)', () => {
    expect(dumpYaml({ a: 0.5, b: 1e-5, c: -0, d: NaN, e: -Infinity, f: 1.5e300 })).toBe('a: 0.5\nb: 1.0e-05\nc: -0.0\nd: .nan\ne: -.inf\nf: 1.5e+300\n');
  });
});

describe('dumpYaml keys', () => {
  it('writes a key of 123+ characters as an explicit `? key`, folded like PyYAML (which refuses simple keys over 1024)', () => {
    const key = '\uffff'.repeat(200); // escaped as \uFFFF: 1200 characters
    const text = dumpYaml({ tags: { [key]: 'v', z: 'w' } });
    const line = '\\uFFFF'.repeat(13);
    expect(text.startsWith(`tags:\n  z: w\n  ? "${line}\\\n    ${line}\\\n`)).toBe(true);
    expect(text.endsWith('"\n  : v\n')).toBe(true);
    expect(YamlFields.parse(text, 'x').stringMap('tags')).toEqual({ [key]: 'v', z: 'w' });
    // PyYAML counts the '!!str' tag too: a key of 123 characters is already explicit.
    expect(dumpYaml({ ['k'.repeat(123)]: 1, ['k'.repeat(122)]: 2 })).toBe(`${'k'.repeat(122)}: 2\n? ${'k'.repeat(123)}\n: 1\n`);
  });
});

describe('dumpYaml styles, as PyYAML chooses them', () => {
  it('plain when PyYAML would: URIs with %, apostrophes, inner #, non-ASCII letters, NBSP', () => {
    expect(dumpYaml({ a: 'file:///home/a%20b/mlruns/1', b: "it's", c: 'a#b', d: 'é', e: '(x)', f: 'a, b', g: '\xa0x' })).toBe(
      "a: file:///home/a%20b/mlruns/1\nb: it's\nc: a#b\nd: é\ne: (x)\nf: a, b\ng: \xa0x\n",
    );
  });

  it('single quotes for resolvable, indicator-led or space-padded text; double quotes with PyYAML escapes', () => {
    expect(dumpYaml({ a: '', b: ' x', c: '#x', d: 'on', e: '2024-01-01', f: 'a\tb', g: '\x00\x07\x1b\ufeff\x85\x7f\u2028', h: '\u{10ffff}' })).toBe(
      "a: ''\nb: ' x'\nc: '#x'\nd: 'on'\ne: '2024-01-01'\nf: \"a\\tb\"\ng: \"\\0\\a\\e\\uFEFF\\N\\x7F\\L\"\nh: \"\\U0010FFFF\"\n",
    );
  });

  it('multi-line text in single quotes with blank-line breaks, and long text folded at 80 columns', () => {
    expect(dumpYaml({ n: 'line one\nline two\n' })).toBe("n: 'line one\n\n  line two\n\n  '\n");
    expect(dumpYaml({ n: 'word '.repeat(20).trim() })).toBe(`n: ${'word '.repeat(16).trim()}\n  ${'word '.repeat(4).trim()}\n`);
  });
});

describe('reading PyYAML line breaks \\x85, \\u2028 and \\u2029 (YAML 1.1 only)', () => {
  it('reads a raw \\u2028 or \\u2029 in single quotes as PyYAML writes it: the break stays, the indentation goes', () => {
    expect(name("name: 'x\u2028  y'\n")).toBe('x\u2028y');
    expect(name("name: 'x\u2029\u2029  y'\n")).toBe('x\u2029\u2029y');
    expect(name("name: 'a\u2028\n  b'\n")).toBe('a\u2028\nb');
    // A key with a break is never a simple key (PyYAML refuses it too): PyYAML writes it as `? key`.
    expect(YamlFields.parse("tags:\n  ? 'k\u2028    v'\n  : 'x\u2028    y'\n", 'x').stringMap('tags')).toEqual({ 'k\u2028v': 'x\u2028y' });
  });

  it('reads a raw \\x85 as PyYAML does: a plain line break, so it folds to a space (PyYAML loses it too)', () => {
    expect(name("name: 'x\x85  y'\n")).toBe('x y');
    expect(name("name: 'x\x85\x85  y'\n")).toBe('x\ny');
    expect(name('name: a\x85  b\n')).toBe('a b');
  });

  it('reads raw breaks in double quotes and multi-line plain scalars', () => {
    expect(name('name: "a\u2028  b\\tc"\n')).toBe('a\u2028b\tc');
    expect(name('name: a\u2028  b\n')).toBe('a\u2028b');
    expect(name('name: a\n  b\u2029\n  c\n')).toBe('a b\u2029\nc');
    expect(name('name: a\n  b\u2029  c\n')).toBe('a b\u2029c');
  });

  it('decodes flow scalars like PyYAML scan_flow_scalar (escapes, folding, escaped breaks)', () => {
    expect(pyFlowScalar('"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\/\\ \\e\\0"')).toBe('A\u00e9\u{1F600}\x85\xa0\u2028\u2029/ \x1b\0');
    expect(pyFlowScalar('"a\\\n   b"')).toBe('ab');
    expect(pyFlowScalar('"a  \n\n  b  "')).toBe('a\nb  ');
    expect(pyFlowScalar("'it''s \u2028 x'")).toBe("it's\u2028x");
    expect(pyPlainScalar('a  \n\n\n  b')).toBe('a\n\nb');
  });
});

describe('YamlFields', () => {
  it('keeps a mapping key named __proto__ (stringMap used `out[k] = v`)', () => {
    const tags = YamlFields.parse('tags:\n  __proto__: x\n  constructor: y\n', 'x').stringMap('tags');
    expect(Object.keys(tags)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(tags, '__proto__')?.value).toBe('x');
  });

  it('honours explicit tags as PyYAML does', () => {
    expect(parseYaml('name: !!str 123\n', 'x')).toEqual({ kind: 'map', entries: new Map([['name', { kind: 'scalar', pyType: 'str', text: '123' }]]) });
    expect(YamlFields.parse('v: !!int "12"\n', 'x').int('v')).toBe(12);
  });

  it('reports 0b_ and 0x_ (int by the resolver, no digits) as a malformed field, like PyYAML raises', () => {
    const f = YamlFields.parse('a: 0b_\nb: 0x_\nc: 0_\n', 'meta.yaml');
    for (const key of ['a', 'b']) {
      let error: unknown;
      try {
        f.int(key);
      } catch (err) {
        error = err;
      }
      expect(isMltrackError(error), key).toBe(true);
    }
    expect(f.int('c')).toBe(0);
  });

  it('computes sexagesimal floats in PyYAML order (last part first)', () => {
    expect(pyYamlFloat('190:20:30.15')).toBe(30.15 + 20 * 60 + 190 * 3600);
    expect(pyYamlFloat('-1:20.5')).toBe(-80.5);
    expect(pyYamlInt('190:20:30')).toBe(685230n);
  });

  it('reads an unquoted 18-digit id exactly, and `name: 1e3` as the string 1e3', () => {
    const f = YamlFields.parse('experiment_id: 348215634096422514\nname: 1e3\n', 'x');
    expect(f.string('experiment_id')).toBe('348215634096422514');
    expect(f.bigint('experiment_id')).toBe(348215634096422514n);
    expect(f.string('name')).toBe('1e3');
  });
});
