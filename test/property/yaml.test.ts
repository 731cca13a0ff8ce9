/**
 * dumpYaml / YamlFields against PyYAML (what MLflow reads meta.yaml with), one python3 process per batch:
 *  - PyYAML's safe_load reads exactly the strings (and numbers) we wrote, and so does our own reader;
 *  - our reader reads PyYAML's own safe_dump output (as MLflow writes it) back to the original strings;
 *  - pyResolve and YamlFields type plain scalars as PyYAML does.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { comparePythonStrings, dumpYaml, parseYaml, YamlFields, type YamlNode, type YamlValue } from '../../src/format/yaml.js';
import { pyResolve, pyYamlFloat, pyYamlInt } from '../../src/format/pyyaml.js';
import { pyFloatRepr } from '../../src/format/pyFloat.js';
import { PY_PRELUDE, runPython, seed } from './python.js';

/** A Python value as JSON: [type, text] for scalars, ['map', [[k, v]...]] sorted by key, ['seq', [...]]. */
type Enc = [string, unknown];

const ORACLE = `${PY_PRELUDE}
import yaml, datetime
def enc(v):
    if v is None: return ['null', '']
    if isinstance(v, bool): return ['bool', 'true' if v else 'false']
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float): return ['float', repr(v)]
    if isinstance(v, str): return ['str', v]
    if isinstance(v, (datetime.date, datetime.datetime)): return ['timestamp', v.isoformat()]
    if isinstance(v, dict): return ['map', sorted([[k, enc(x)] for k, x in v.items()], key=lambda kv: kv[0] if isinstance(kv[0], str) else repr(kv[0]))]
    if isinstance(v, list): return ['seq', [enc(x) for x in v]]
    return ['other', repr(v)]
res = []
for item in data:
    r = {}
    if 'load' in item:
        # MLflow loads with CSafeLoader (libyaml) when PyYAML has it, else SafeLoader: both must agree.
        for key, loader in (('', yaml.SafeLoader), ('c', yaml.CSafeLoader)):
            try:
                r[key + 'loaded'] = enc(yaml.load(item['load'], Loader=loader))
            except Exception as e:
                r[key + 'error'] = type(e).__name__ + ': ' + str(e).splitlines()[0]
    if 'dump' in item:
        for key, dumper in (('', yaml.SafeDumper), ('c', yaml.CSafeDumper)):
            r[key + 'dumped'] = yaml.dump(item['dump'], Dumper=dumper, default_flow_style=False, allow_unicode=True, sort_keys=True)
    res.append(r)
out(res)
`;

interface OracleIn {
  load?: string;
  dump?: unknown;
}
interface OracleOut {
  /** SafeLoader (pure Python) result or error, and CSafeLoader (libyaml) result or error. */
  loaded?: Enc;
  error?: string;
  cloaded?: Enc;
  cerror?: string;
  /** SafeDumper and CSafeDumper output. */
  dumped?: string;
  cdumped?: string;
}

if (!runPython<boolean>(`${PY_PRELUDE}\nimport yaml\nout(yaml.__with_libyaml__)`, null)) {
  throw new Error('these tests need PyYAML with libyaml (CSafeLoader/CSafeDumper), which MLflow uses when present');
}

/**
 * Ask PyYAML. `loaded`/`error` are set only when SafeLoader and CSafeLoader agree; when they do not,
 * `error` says so, which fails any test that expects a value.
 */
function oracle(items: OracleIn[]): OracleOut[] {
  return runPython<OracleOut[]>(ORACLE, items).map((r, i) => {
    if (items[i]!.load === undefined) return r;
    const pure = r.error ?? JSON.stringify(r.loaded);
    const c = r.cerror ?? JSON.stringify(r.cloaded);
    if ((r.error === undefined) !== (r.cerror === undefined) || (r.error === undefined && pure !== c)) {
      return { ...r, loaded: undefined, error: `SafeLoader ${pure} but CSafeLoader ${c}` };
    }
    return r;
  });
}

/** What PyYAML must load for a value we dumped. */
function expected(value: YamlValue): Enc {
  if (value === null) return ['null', ''];
  if (typeof value === 'boolean') return ['bool', String(value)];
  if (typeof value === 'bigint') return ['int', value.toString()];
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return ['int', String(value)];
    return ['float', pyFloatRepr(value)];
  }
  if (typeof value === 'string') return ['str', value];
  if (Array.isArray(value)) return ['seq', value.map(expected)];
  const keys = Object.keys(value).sort(comparePythonStrings);
  return ['map', keys.map((k) => [k, expected(value[k]!)])];
}

/** Our reader's view of a node, in the oracle's encoding (strings and numbers only, as used by mlruns). */
function ours(node: YamlNode): Enc {
  if (node.kind === 'seq') return ['seq', node.items.map(ours)];
  if (node.kind === 'map') {
    const keys = [...node.entries.keys()].sort(comparePythonStrings);
    return ['map', keys.map((k) => [k, ours(node.entries.get(k)!)])];
  }
  switch (node.pyType) {
    case 'null':
      return ['null', ''];
    case 'int':
      try {
        return ['int', pyYamlInt(node.text).toString()];
      } catch {
        return ['error', node.text];
      }
    case 'float':
      return ['float', pyFloatRepr(pyYamlFloat(node.text))];
    case 'bool':
      return ['bool', /^(?:yes|true|on)$/i.test(node.text) ? 'true' : 'false'];
    default:
      return [node.pyType, node.text];
  }
}

const CURATED = [
  'on', 'On', 'ON', 'off', 'yes', 'Yes', 'no', 'No', 'NO', 'true', 'True', 'FALSE', 'y', 'Y', 'n', 'N', '~', 'null', 'Null', 'NULL',
  '1e3', '1.0e3', '1e+3', '1.0e+3', '-1.5e-3', '1.', '.5', '+.5', '0o17', '017', '08', '0x1F', '0b101', '1_000', '1__0', '_1', '1:20', '190:20:30', '1:20.5', '-1:20',
  '2024-01-01', '2024-1-1 10:00:00', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00.5 +02:00', '2024-1-1', '.inf', '-.inf', '+.inf', '.Inf', '.nan', '.NaN', 'NaN',
  'nan', 'inf', '-inf', 'Infinity', '=', '<<', '-', '--', '---', '...', '- x', '-x', '? x', '?x', '?', ': x', ':x', ':', 'x:', 'x: y', 'x:y', '#x', 'x #y', 'x#y',
  'a: b', "'q'", '"q"', "it's", '|', '|-', '>', '>+', '%x', '%YAML 1.1', '@x', '`x', '!x', '!!str', '&x', '*x', '[x]', '{x}', 'x,', ',x', '[', '}', 'a, b',
  '', ' ', '  ', '\t', ' x', 'x ', '\tx', 'x\t', '\n', 'x\n', '\nx', 'x\ny', 'x\n\ny', 'x\r\ny', '\r', 'x\ry', '\u0085', 'x\u0085y', '\u2028', '\u2029', '\ufeff',
  '\ufeffx', 'x\ufeff', '\u00a0', 'x\u00a0', '\u200b', '\x00', '\x01', '\x07', '\x1b', '\x7f', '\x80', '\x9f', '\ufffe', '\uffff', '\ud7ff', '\ue000',
  '\u0301', '\u0301x', 'e\u0301', '😀', '👩‍💻', '中文', '日本語のテキスト', 'שלום', 'مرحبا', '\u202eabc', 'Ω', 'ǅ', '١٢', '𝟏𝟐', '\u{10ffff}', '\u{e0001}',
  'file:///tmp/a b/mlruns/0', 'mlflow-artifacts:/0/abc', 's3://bucket/x', '{"a": 1}', '[1, 2]', 'a\\b', '\\', '\\n', 'x'.repeat(200), 'word '.repeat(40),
  'a'.repeat(79), 'a'.repeat(80), 'a'.repeat(81), ' '.repeat(100), 'x\n'.repeat(10), 'line one\nline two\n', "'".repeat(5), '"'.repeat(5),
];

const YAML_CHARS = [
  ':', ' ', ' ', '-', '?', '#', "'", '"', '|', '>', '%', '@', '`', '!', '&', '*', '[', ']', '{', '}', ',', '\n', '\r', '\t', '\\', '~', '=', '<', '.',
  '0', '1', '9', 'e', 'E', 'n', 'N', 'y', 'o', 'O', 'f', 'x', '_', '+', 'a', '\u0085', '\u2028', '\u2029', '\ufeff', '\u00a0', '\x00', '\x7f', '\u0301',
  'é', '中', '😀', '\ufffe', '\u200b',
];

function arbitraryString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 20 }),
    fc.string({ unit: fc.constantFrom('0', '1', '7', '9', '_', ':', '.', 'e', 'E', '-', '+', 'x', 'b', 'o', 'T', ' ', 'Z', 'n', 'a', 'i'), maxLength: 12 }),
    // Long values: PyYAML folds at 80 columns, in plain, single- and double-quoted styles.
    fc.string({ unit: fc.constantFrom('a', 'bc', ' ', ' ', '\n', "'", '"', 'é', '\t', '#', ':'), minLength: 60, maxLength: 220 }),
    fc.constantFrom(...CURATED),
  );
}

/** JSON with every non-ASCII or invisible character escaped, so failure messages show exactly what differs. */
function show(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

function sampleStrings(n: number, s: number): string[] {
  return [...CURATED, ...fc.sample(arbitraryString(), { numRuns: n, seed: s })];
}

describe('dumpYaml: PyYAML reads back exactly what we wrote', () => {
  it('strings, as values of `name` and `other` (PyYAML and our reader both)', () => {
    const s = seed();
    const strings = sampleStrings(2500, s);
    const docs = strings.map((name, i) => {
      const other = strings[(i * 7 + 3) % strings.length]!;
      return { name, other, text: dumpYaml({ name, other }) };
    });
    const python = oracle(docs.map((d) => ({ load: d.text })));
    const bad: string[] = [];
    docs.forEach((d, i) => {
      const want: Enc = ['map', [['name', ['str', d.name]], ['other', ['str', d.other]]]];
      const got = python[i]!;
      if (got.error || JSON.stringify(got.loaded) !== JSON.stringify(want)) {
        bad.push(`PyYAML ${show(d.text)} -> ${got.error ?? JSON.stringify(got.loaded)}`);
      }
      try {
        const fields = YamlFields.parse(d.text, 'doc');
        if (fields.string('name') !== d.name || fields.string('other') !== d.other) bad.push(`ours ${show(d.text)} -> ${show(fields.string('name'))}`);
      } catch (err) {
        bad.push(`ours ${show(d.text)} threw ${(err as Error).message}`);
      }
    });
    expect(bad.slice(0, 20), `seed ${s}`).toEqual([]);
  });

  it('strings as mapping keys, nested mappings and sequences (input tags, registry aliases)', () => {
    const s = seed();
    // Long keys too: over 1024 characters written, PyYAML needs the explicit `? key` form.
    const longKeys = ['\uffff'.repeat(300), '\x01'.repeat(255), 'a'.repeat(1100), "'".repeat(600), 'é'.repeat(1025)];
    const keys = [...longKeys, ...fc.sample(arbitraryString().filter((k) => [...k].length <= 255), { numRuns: 1500, seed: s })];
    const values = sampleStrings(1500, s + 1);
    const docs: { [key: string]: YamlValue }[] = keys.map((k, i) => ({
      source_id: values[i]!,
      tags: { [k]: values[(i + 1) % values.length]!, 'mlflow.data.context': values[(i + 2) % values.length]! },
      list: i % 3 === 0 ? [] : [values[(i + 3) % values.length]!, { [k]: values[i]! }, [], {}],
      empty: {},
    }));
    const texts = docs.map((d) => dumpYaml(d));
    const python = oracle(texts.map((t) => ({ load: t })));
    const bad: string[] = [];
    docs.forEach((d, i) => {
      const want = JSON.stringify(expected(d));
      const got = python[i]!;
      if (got.error || JSON.stringify(got.loaded) !== want) bad.push(`PyYAML ${show(texts[i])} -> ${got.error ?? JSON.stringify(got.loaded)}`);
      try {
        const mine = JSON.stringify(ours(parseYaml(texts[i]!, 'doc')));
        if (mine !== want) bad.push(`ours ${show(texts[i])} -> ${mine}`);
      } catch (err) {
        bad.push(`ours ${show(texts[i])} threw ${(err as Error).message}`);
      }
    });
    expect(bad.slice(0, 20), `seed ${s}`).toEqual([]);
  });

  it('numbers: ints, bigints, doubles (NaN, ±inf, -0, subnormals, huge), null and booleans', () => {
    const s = seed();
    const values: YamlValue[] = [
      0, -0, 1, -1, NaN, Infinity, -Infinity, 1e21, -1e21, 1e300, 2 ** 53, 2 ** 53 + 2, 5e-324, 1e-5, 1e16, 0.1, 1700000000000, 2 ** 62, null, true, false,
      123456789012345678901234567890n, -(2n ** 63n), 348215634096422514n,
      ...fc.sample(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })), { numRuns: 3000, seed: s }),
    ];
    const texts = values.map((v) => dumpYaml({ v }));
    const python = oracle(texts.map((t) => ({ load: t })));
    const bad: string[] = [];
    values.forEach((v, i) => {
      const want = JSON.stringify(expected({ v }));
      const got = python[i]!;
      if (got.error || JSON.stringify(got.loaded) !== want) bad.push(`${String(v)}: PyYAML ${show(texts[i])} -> ${got.error ?? JSON.stringify(got.loaded)}`);
      const mine = JSON.stringify(ours(parseYaml(texts[i]!, 'doc')));
      if (mine !== want) bad.push(`${String(v)}: ours ${show(texts[i])} -> ${mine}`);
    });
    expect(bad.slice(0, 20), `seed ${s}`).toEqual([]);
  });
});

/** Every mapping key in a value, at any depth. */
function keysOf(value: YamlValue): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

describe('dumpYaml is byte for byte what MLflow writes', () => {
  it('equals SafeDumper output (pure PyYAML) except for U+0085, and CSafeDumper output (libyaml) except where libyaml differs', () => {
    const s = seed();
    const strings = sampleStrings(2500, s);
    const objects: { [key: string]: YamlValue }[] = strings.map((name, i) => {
      const other = strings[(i * 11 + 5) % strings.length]!;
      // Keys around PyYAML's simple-key limit (123 characters with its '!!str' tag) now and then.
      const key = i % 50 === 0 ? 'k'.repeat(118 + (i % 11)) : strings[(i * 13 + 7) % strings.length]!;
      return {
        name,
        artifact_uri: `file:///home/a b/é/mlruns/${i}/${other.length}/artifacts`,
        end_time: i % 2 ? null : 1700000000000 + i,
        status: 3,
        tags: i % 5 === 0 ? [] : { [key]: other, 'mlflow.data.context': name },
        list: i % 4 === 0 ? [] : [other, { [name]: key, z: [] }, [key], 0.5],
      };
    });
    const python = oracle(objects.map((o) => ({ dump: o })));
    const bad: string[] = [];
    objects.forEach((o, i) => {
      const ours = dumpYaml(o);
      const texts = JSON.stringify(o);
      // PyYAML writes U+0085 raw in single quotes and reads it back as a space: we write "\N" (as libyaml does).
      if (!texts.includes('\u0085') && ours !== python[i]!.dumped) bad.push(`SafeDumper ${show(python[i]!.dumped)}, ours ${show(ours)}`);
      // libyaml (CSafeDumper) differs from PyYAML and us in four ways: it escapes every character beyond
      // U+FFFF ("\U0001F600"), writes an empty key as `'':` (PyYAML: `? ''`), writes a key holding \r as
      // `? "..."` (to libyaml \r is a line break), and folds long double-quoted scalars at other places
      // (PyYAML ends such a line with an escaped break `\` + newline).
      const libyamlDiffers =
        [...texts].some((c) => c.codePointAt(0)! > 0xffff) || keysOf(o).some((k) => k === '' || k.includes('\r')) || /\\\n/.test(ours);
      if (!libyamlDiffers && ours !== python[i]!.cdumped) bad.push(`CSafeDumper ${show(python[i]!.cdumped)}, ours ${show(ours)}`);
    });
    expect(bad.slice(0, 10), `seed ${s}`).toEqual([]);
  });
});

describe('our reader on PyYAML-written text', () => {
  it('reads PyYAML safe_dump output (as MLflow writes meta.yaml) back to the original strings', () => {
    const s = seed();
    const strings = sampleStrings(1500, s);
    const objects = strings.map((name, i) => ({ name, other: strings[(i * 5 + 1) % strings.length]!, experiment_id: String(i), tags: { [name.slice(0, 100)]: name } }));
    // Both dumpers: MLflow writes with CSafeDumper when PyYAML has libyaml (pip wheels do), else SafeDumper.
    const both = oracle(objects.map((o) => ({ dump: o })));
    const dumped = [...both.map((r) => r.dumped!), ...both.map((r) => r.cdumped!)];
    // PyYAML does not read back every string it writes: a raw \x85 in a single-quoted scalar folds to a space
    // ('x\x85y' -> 'x y'). MLflow reads what PyYAML reads, so that is the truth we must match.
    const loaded = oracle(dumped.map((text) => ({ load: text })));
    const bad: string[] = [];
    dumped.forEach((text, i) => {
      const original = objects[i % objects.length]!;
      if (loaded[i]!.error) {
        bad.push(`PyYAML cannot read its own ${show(text)}: ${loaded[i]!.error}`);
        return;
      }
      const o = { ...original, tags: { ...original.tags } };
      const back = loaded[i]!.loaded as ['map', [string, Enc][]];
      const field = (k: string) => (back[1].find(([key]) => key === k)![1] as ['str', string])[1];
      if (!original.name.includes('\x85') && !original.other.includes('\x85') && (field('name') !== original.name || field('other') !== original.other)) {
        bad.push(`PyYAML does not read back its own ${show(text)}`);
      }
      o.name = field('name');
      o.other = field('other');
      const tagEntries = (back[1].find(([key]) => key === 'tags')![1] as ['map', [string, ['str', string]][]])[1];
      o.tags = Object.fromEntries(tagEntries.map(([k, v]) => [k, v[1]]));
      try {
        const f = YamlFields.parse(text, 'doc');
        const tags = f.stringMap('tags');
        if (f.string('name') !== o.name || f.string('other') !== o.other || f.string('experiment_id') !== o.experiment_id || JSON.stringify(tags) !== JSON.stringify(o.tags)) {
          bad.push(`${show(text)} -> ${show([f.string('name'), f.string('other'), tags])} want ${show(o)}`);
        }
      } catch (err) {
        bad.push(`${show(text)} threw ${(err as Error).message}`);
      }
    });
    expect(bad.slice(0, 20), `seed ${s}`).toEqual([]);
  });

  /** Hand-written documents in every scalar style; PyYAML decides the type and value of `name`. */
  const DOCS = [
    'name: 1e3', 'name: 1.0e3', 'name: 1.0e+3', 'name: 1e+3', 'name: 0o17', 'name: 017', 'name: 0x1F', 'name: 0b101', 'name: 1_000', 'name: 1:20',
    'name: 190:20:30.15', 'name: -1:20', 'name: 2024-01-01', 'name: 2024-1-1 10:00:00', 'name: 2024-01-01t10:00:00.1-05:00', 'name: NaN', 'name: .NaN',
    'name: .inf', 'name: -.Inf', 'name: +.inf', 'name: inf', 'name: ~', 'name:', 'name: null', 'name: Null', 'name: nULL', 'name: yes', 'name: Yes', 'name: y',
    'name: n', 'name: oN', 'name: OFF', 'name: True', 'name: tRUE', 'experiment_id: 123', "experiment_id: '123'", 'experiment_id: 348215634096422514',
    'experiment_id: 0348215634096422514', 'experiment_id: 09', 'experiment_id: +12', 'experiment_id: -0', 'name: 1.', 'name: .5', 'name: ._5', 'name: 1_.5e-3',
    'name: 12e', 'name: 0.', 'name: -.5', 'name: +1', 'name: 0_', 'name: 0b', 'name: 0x', 'name: 0b_', 'name: 1:60', 'name: 1:5:9',
    'name: a\n  b\n  c', 'name: a\n\n  b', 'name: a\n\n\n  b', 'name: first line\n  second line   \n  third', "name: 'it''s'", "name: ''''", "name: 'a\n\n  b'",
    "name: 'a\n  b'", "name: ' x '", 'name: "a\\tb\\n\\"c\\"\\\\"', 'name: "\\x41\\u00e9\\U0001F600"', 'name: "\\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\/\\ "',
    'name: "a\\\n  b"', 'name: "a\n  b"', 'name: "a\n\n  b"', 'name: "  lead"', 'name: |\n  line1\n  line2\n', 'name: |-\n  text\n', 'name: >\n  folded\n  text\n',
    'name: >-\n  a\n\n  b\n', 'name: |+\n  keep\n\n', 'name: !!str 123', 'name: !!int "12"', 'name: a #comment', 'name: a#b', 'name: "x" # c', 'name: x:y',
    'name: -x', 'name: ?x', 'name: x,y', 'name: 中文', 'name: é 1', '"name": v', "'name': v", 'name: @x', 'name: `x', 'name: %x', 'name: <<', 'name: =',
  ];

  it('gives the type and value PyYAML gives, for every scalar style', () => {
    const python = oracle(DOCS.map((d) => ({ load: `${d}\n` })));
    const bad: string[] = [];
    DOCS.forEach((doc, i) => {
      const got = python[i]!;
      let mine: string;
      try {
        mine = JSON.stringify(ours(parseYaml(`${doc}\n`, 'doc')));
      } catch {
        mine = 'error';
      }
      // Errors PyYAML raises while constructing values, we raise when the field is read ('error').
      if (mine.includes('["error",')) mine = 'error';
      // PyYAML cannot construct `=` (value) or `<<` (merge) in a value: we type them 'special'.
      let want = got.error ? 'error' : JSON.stringify(got.loaded);
      if (got.error && /ConstructorError/.test(got.error)) want = mine.includes('"special"') ? mine : 'constructor error';
      // Timestamps: we only type them (MLflow never reads one); the text is the source text.
      if (got.loaded && JSON.stringify(got.loaded).includes('"timestamp"')) want = mine.includes('"timestamp"') ? mine : want;
      if (mine !== want) bad.push(`${JSON.stringify(doc)}: ours ${mine}, PyYAML ${got.error ?? JSON.stringify(got.loaded)}`);
    });
    expect(bad).toEqual([]);
  });

  it('pyResolve agrees with PyYAML resolution of plain scalars on generated tokens', () => {
    const s = seed();
    const tokens = fc.sample(
      fc.string({ unit: fc.constantFrom('0', '1', '7', '8', '9', '_', ':', '.', 'e', 'E', '-', '+', 'x', 'b', 'o', 'a', 'F', 'n', 'i', 'T', 't', 'Z', ' '), minLength: 1, maxLength: 12 })
        .filter((t) => /^[0-9+.\-a-zA-Z]/.test(t) && !/[ :]$/.test(t) && !t.includes(': ') && !t.startsWith('- ')),
      { numRuns: 6000, seed: s },
    );
    const script = `${PY_PRELUDE}
import yaml
r = yaml.resolver.Resolver()
out([r.resolve(yaml.ScalarNode, t, (True, False)) for t in data])`;
    const tags = runPython<string[]>(script, tokens);
    const names: Record<string, string> = {
      'tag:yaml.org,2002:null': 'null', 'tag:yaml.org,2002:bool': 'bool', 'tag:yaml.org,2002:int': 'int', 'tag:yaml.org,2002:float': 'float',
      'tag:yaml.org,2002:timestamp': 'timestamp', 'tag:yaml.org,2002:str': 'str', 'tag:yaml.org,2002:merge': 'special', 'tag:yaml.org,2002:value': 'special',
    };
    const bad = tokens.filter((t, i) => pyResolve(t) !== names[tags[i]!]).map((t, i) => `${JSON.stringify(t)}: ours ${pyResolve(t)}, PyYAML ${tags[i]}`);
    expect(bad.slice(0, 20), `seed ${s}`).toEqual([]);
  });
});
