/**
 * Reading and writing meta.yaml files the way MLflow's PyYAML does.
 *
 * Writing: PyYAML's own emitter, ported (byte-identical to SafeDumper output), so every string that
 * PyYAML 1.1 would read as something else is quoted: `on`, `1:20`, `2024-01-01` or `null` stay strings.
 * Reading: plain scalars are resolved with PyYAML's rules from their source text, and string fields
 * take that source text, so `name: 1e3` is the string "1e3" and an 18-digit id loses no digits.
 * YAML 1.1's extra line breaks (U+0085, U+2028, U+2029) are read as PyYAML reads them.
 */
import { parseDocument, isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { fail } from './errors.js';
import { pyFloatRepr } from './pyFloat.js';
import { pyResolve, pyYamlFloat, pyYamlInt, type PyType } from './pyyaml.js';

// ---------------------------------------------------------------- writing

export type YamlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | YamlValue[]
  | { [key: string]: YamlValue };

/*
 * A port of the part of PyYAML's Emitter that MLflow's `yaml.dump(data, default_flow_style=False,
 * allow_unicode=True, sort_keys=True, Dumper=SafeDumper)` runs, so what we write is byte for byte what
 * pure-Python PyYAML writes: the same scalar style (plain, '...' or "..."), the same escapes, long
 * lines folded at 80 columns the same way. One deliberate difference: PyYAML writes U+0085 raw inside
 * single quotes and then reads it back as a space; we double-quote it as "\N", as libyaml does.
 */

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029';

/** Characters allow_unicode lets through unescaped (PyYAML's set, minus U+0085: see above). */
function isUnicodeCharacter(cp: number): boolean {
  return ((cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp < 0x10ffff)) && cp !== 0xfeff;
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

/** PyYAML's Emitter.analyze_scalar, the block-context part, over code points. */
function analyzeScalar(chars: readonly string[]): Analysis {
  if (chars.length === 0) return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE_OR_BREAK.includes(chars[1]!);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index]!;
    const cp = ch.codePointAt(0)!;
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    const isBreak = BREAKS.includes(ch);
    if (isBreak) lineBreaks = true;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e)) && !isUnicodeCharacter(cp)) specialCharacters = true;
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE_OR_BREAK.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE_OR_BREAK.includes(chars[index + 2]!);
  }
  let allowBlockPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators);
  let allowSingleQuoted = true;
  if (breakSpace || spaceBreak || specialCharacters) {
    allowBlockPlain = false;
    allowSingleQuoted = false;
  }
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

const ESCAPE_NAMES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0');
}

/** PyYAML's Emitter output state and its write_* methods. Columns count code points, like Python's len(). */
class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent: number | null = null;

  private write(data: string): void {
    this.out += data;
    for (const _ of data) this.column++;
  }

  lineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  indicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  /** PyYAML's increase_indent. */
  increaseIndent(flow: boolean, indentless = false): number | null {
    const saved = this.indent;
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
    return saved;
  }

  /** PyYAML's process_scalar for a str, after choose_scalar_style. */
  string(value: string, simpleKey: boolean): void {
    const chars = [...value];
    const analysis = analyzeScalar(chars);
    const split = !simpleKey;
    if (pyResolve(value) === 'str' && !(simpleKey && (analysis.empty || analysis.multiline)) && analysis.allowBlockPlain) this.plain(chars, split);
    else if (analysis.allowSingleQuoted && !(simpleKey && analysis.multiline)) this.singleQuoted(chars, split);
    else this.doubleQuoted(chars, split);
  }

  plain(chars: readonly string[], split: boolean): void {
    if (chars.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  singleQuoted(chars: readonly string[], split: boolean): void {
    this.indicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) this.writeIndent();
          else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.lineBreak();
          for (const br of chars.slice(start, end)) this.lineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  doubleQuoted(chars: readonly string[], split: boolean): void {
    this.indicator('"', true);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      const cp = ch?.codePointAt(0) ?? 0;
      const keep = ch !== undefined && !'"\\\x85\u2028\u2029\ufeff'.includes(ch) && ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd));
      if (!keep) {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          const name = ESCAPE_NAMES[ch];
          this.write(name !== undefined ? '\\' + name : cp <= 0xff ? '\\x' + hex(cp, 2) : cp <= 0xffff ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8));
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        const data = chars.slice(start, end).join('') + '\\';
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }
}

/** The text PyYAML's SafeRepresenter gives a non-string scalar (always written plain). */
function scalarText(value: YamlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    // Safe integers are ints. Beyond 2^53 a number is a float, written as PyYAML writes floats:
    // String(1e21) would be '1e+21', which PyYAML reads as a string. Exact big ints are bigints.
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    // PyYAML writes repr(), with '.0' added to a bare exponent form so it still resolves as float.
    const text = pyFloatRepr(value);
    return text.includes('.') ? text : text.replace('e', '.0e');
  }
  throw new TypeError('not a scalar');
}

/** PyYAML's expect_node in block style (default_flow_style=False): empty collections go flow, `[]`/`{}`. */
function emitNode(e: Emitter, value: YamlValue, context: 'mapping' | 'sequence', sortKeys: boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      e.indicator('[', true, true);
      e.indicator(']', false);
      return;
    }
    // expect_block_sequence: a sequence right under a mapping key is not indented.
    const saved = e.increaseIndent(false, context === 'mapping' && !e.indention);
    for (const item of value) {
      e.writeIndent();
      e.indicator('-', true, false, true);
      emitNode(e, item, 'sequence', sortKeys);
    }
    e.indent = saved;
    return;
  }
  if (value !== null && typeof value === 'object') {
    if (Object.keys(value).length === 0) {
      e.indicator('{', true, true);
      e.indicator('}', false);
      return;
    }
    emitBlockMapping(e, value, sortKeys);
    return;
  }
  const saved = e.increaseIndent(true);
  if (typeof value === 'string') e.string(value, false);
  else e.plain([...scalarText(value)], true);
  e.indent = saved;
}

function emitBlockMapping(e: Emitter, obj: { [key: string]: YamlValue }, sortKeys: boolean): void {
  const saved = e.increaseIndent(false);
  const keys = Object.keys(obj);
  if (sortKeys) keys.sort(comparePythonStrings);
  for (const key of keys) {
    e.writeIndent();
    // check_simple_key: key plus its tag ('!!str', 5 characters) under 128, not empty, no line break.
    // (PyYAML also refuses to read a simple key over 1024 characters.)
    const analysis = analyzeScalar([...key]);
    if ([...key].length + 5 < 128 && !analysis.empty && !analysis.multiline) {
      const keyIndent = e.increaseIndent(true);
      e.string(key, true);
      e.indent = keyIndent;
      e.indicator(':', false);
    } else {
      e.indicator('?', true, false, true);
      emitNode(e, key, 'mapping', sortKeys);
      e.writeIndent();
      e.indicator(':', true, false, true);
    }
    emitNode(e, obj[key]!, 'mapping', sortKeys);
  }
  e.indent = saved;
}

/** Python sorts str keys by code point; JS sorts by UTF-16 unit. They differ above U+FFFF. */
export function comparePythonStrings(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Serialise a mapping as PyYAML's `yaml.safe_dump(default_flow_style=False, allow_unicode=True, sort_keys=True)` does. */
export function dumpYaml(obj: { [key: string]: YamlValue }, options: { sortKeys?: boolean } = {}): string {
  const e = new Emitter();
  if (Object.keys(obj).length === 0) return '{}\n';
  emitBlockMapping(e, obj, options.sortKeys ?? true);
  e.lineBreak();
  return e.out;
}

// ---------------------------------------------------------------- reading

/** A scalar as PyYAML sees it: its Python type and its text (source text when plain). */
export interface YamlScalar {
  kind: 'scalar';
  pyType: PyType;
  text: string;
}
export interface YamlMap {
  kind: 'map';
  entries: Map<string, YamlNode>;
}
export interface YamlSeq {
  kind: 'seq';
  items: YamlNode[];
}
export type YamlNode = YamlScalar | YamlMap | YamlSeq;

/** The type an explicit `!!tag` gives (PyYAML's SafeLoader); anything else it cannot build as a plain value. */
function taggedType(tag: string): PyType {
  const name = tag.startsWith('tag:yaml.org,2002:') ? tag.slice('tag:yaml.org,2002:'.length) : '';
  return name === 'str' || name === 'int' || name === 'float' || name === 'bool' || name === 'null' || name === 'timestamp' ? name : 'special';
}

function convert(node: Node | null | undefined, where: string, source: string): YamlNode {
  if (node == null) return { kind: 'scalar', pyType: 'null', text: '' };
  if (isScalar(node)) {
    let text = String(node.value ?? '');
    const raw = node.range ? source.slice(node.range[0], node.range[1]) : '';
    if (/[\u2028\u2029]/.test(raw)) {
      try {
        if (node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE) text = pyFlowScalar(raw);
        else if (node.type === Scalar.PLAIN) text = pyPlainScalar(raw);
      } catch (err) {
        throw fail('MALFORMED_META', `${where}: invalid YAML: ${(err as Error).message}`, { path: where });
      }
    }
    const plain = node.type === Scalar.PLAIN;
    const pyType = node.tag ? taggedType(node.tag) : plain ? pyResolve(text) : 'str';
    return { kind: 'scalar', pyType, text };
  }
  if (isMap(node)) {
    const entries = new Map<string, YamlNode>();
    for (const pair of node.items) {
      const key = convert(pair.key as Node, where, source);
      if (key.kind !== 'scalar') throw fail('MALFORMED_META', `${where}: a mapping key is not a scalar`);
      entries.set(key.text, convert(pair.value as Node, where, source));
    }
    return { kind: 'map', entries };
  }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((item) => convert(item as Node, where, source)) };
  throw fail('MALFORMED_META', `${where}: unsupported YAML node (aliases and tags are not used by mlruns files)`);
}

// YAML 1.1 line breaks. PyYAML reads \r\n, \r, \n and \x85 as the break '\n', and \u2028 and \u2029 as
// breaks that stay in the value where a '\n' would fold to a space. YAML 1.2 parsers (ours) know only
// \r and \n. PyYAML writes \x85, \u2028 and \u2029 raw inside single-quoted scalars (allow_unicode).

/** One line break at `i` as PyYAML's scan_line_break reads it: [value, next index], or null. */
function lineBreakAt(raw: string, i: number): [string, number] | null {
  const ch = raw[i];
  if (ch === '\r') return ['\n', raw[i + 1] === '\n' ? i + 2 : i + 1];
  if (ch === '\n' || ch === '\x85') return ['\n', i + 1];
  if (ch === '\u2028' || ch === '\u2029') return [ch, i + 1];
  return null;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '\\': '\\', '/': '/', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const ESCAPE_CODES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A quoted scalar's value from its source text (quotes included), by PyYAML's scan_flow_scalar. */
export function pyFlowScalar(raw: string): string {
  const double = raw[0] === '"';
  const end = raw.length - 1;
  let i = 1;
  let out = '';
  /** Further breaks (blank lines) after a first one, skipping the indentation of each line. */
  const moreBreaks = (): string => {
    let breaks = '';
    for (;;) {
      while (raw[i] === ' ' || raw[i] === '\t') i++;
      const br = lineBreakAt(raw, i);
      if (!br) return breaks;
      breaks += br[0];
      i = br[1];
    }
  };
  while (i < end) {
    const ch = raw[i]!;
    let j = i;
    while (raw[j] === ' ' || raw[j] === '\t') j++;
    const br = lineBreakAt(raw, j);
    if (br) {
      // Trailing spaces go; a '\n' alone folds to a space, blank lines stay as breaks; \u2028/\u2029 stay.
      i = br[1];
      const breaks = moreBreaks();
      out += (br[0] !== '\n' ? br[0] : breaks ? '' : ' ') + breaks;
    } else if (j > i) {
      out += raw.slice(i, j);
      i = j;
    } else if (!double && ch === "'") {
      out += "'"; // '' inside single quotes
      i += 2;
    } else if (double && ch === '\\') {
      const e = raw[i + 1]!;
      const escapedBreak = lineBreakAt(raw, i + 1);
      if (e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
      } else if (e in ESCAPE_CODES) {
        const hex = raw.slice(i + 2, i + 2 + ESCAPE_CODES[e]!);
        if (hex.length !== ESCAPE_CODES[e] || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error(`bad escape \\${e}${hex}`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + hex.length;
      } else if (escapedBreak) {
        i = escapedBreak[1];
        out += moreBreaks();
      } else throw new Error(`unknown escape \\${e}`);
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** A multi-line plain scalar's value from its source text, by PyYAML's scan_plain folding. */
export function pyPlainScalar(raw: string): string {
  const parts = raw.split(/(\r\n|[\r\n\x85\u2028\u2029])/);
  let out = parts[0]!.replace(/ +$/, '');
  let pending: string[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    pending.push(parts[i] === '\u2028' || parts[i] === '\u2029' ? parts[i]! : '\n');
    const line = parts[i + 1]!.replace(/^ +| +$/g, '');
    if (line === '') continue;
    const [first, ...rest] = pending;
    out += (first !== '\n' ? first : rest.length ? '' : ' ') + rest.join('') + line;
    pending = [];
  }
  return out;
}

/** Parse a YAML document; every scalar keeps its text and its PyYAML type. */
export function parseYaml(text: string, where: string): YamlNode {
  // The parser gets '\n' for PyYAML's other line breaks (\x85 is exactly '\n' to PyYAML; \u2028 and
  // \u2029 end lines too), one code unit for one, so node ranges still index `text`; scalars whose source
  // holds \u2028 or \u2029 are then re-read from `text` with PyYAML's folding (block scalars are not).
  const normalized = text.replace(/[\x85\u2028\u2029]/g, '\n');
  // failsafe: every scalar stays a string; the PyYAML rules are applied by `convert`.
  const doc = parseDocument(normalized, { schema: 'failsafe', version: '1.1', uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!.message.split('\n')[0];
    throw fail('MALFORMED_META', `${where}: invalid YAML: ${first}`, { path: where });
  }
  return convert(doc.contents as Node | null, where, text);
}

/** Typed access to the fields of a parsed mapping, with MLflow's read rules and clear errors. */
export class YamlFields {
  constructor(
    readonly entries: Map<string, YamlNode>,
    readonly where: string,
  ) {}

  static parse(text: string, where: string): YamlFields {
    const root = parseYaml(text, where);
    if (root.kind === 'scalar' && root.pyType === 'null') {
      throw fail('MALFORMED_META', `${where}: file is empty`, { path: where });
    }
    if (root.kind !== 'map') throw fail('MALFORMED_META', `${where}: not a YAML mapping`, { path: where });
    return new YamlFields(root.entries, where);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  private bad(key: string, why: string): never {
    throw fail('MALFORMED_META', `${this.where}: field '${key}' ${why}`, { path: this.where, field: key });
  }

  private scalar(key: string): YamlScalar | undefined {
    const node = this.entries.get(key);
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar') this.bad(key, 'is not a scalar');
    return node;
  }

  /** A string field. Non-string plain scalars give their source text (MLflow casts ids with str()). */
  string(key: string): string | null | undefined {
    const node = this.scalar(key);
    if (node === undefined) return undefined;
    if (node.pyType === 'null') return null;
    return node.text;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined) this.bad(key, 'is missing');
    if (value === null) this.bad(key, 'is null');
    return value;
  }

  /** An int field (PyYAML int rules). Returns null for null, undefined when absent. */
  bigint(key: string): bigint | null | undefined {
    const node = this.scalar(key);
    if (node === undefined) return undefined;
    if (node.pyType === 'null') return null;
    if (node.pyType !== 'int') this.bad(key, `must be an integer, found '${node.text}'`);
    try {
      return pyYamlInt(node.text);
    } catch {
      return this.bad(key, `is not a valid integer: '${node.text}'`);
    }
  }

  /** An int field that must fit a JS number (timestamps, status codes, versions). */
  int(key: string): number | null | undefined {
    const value = this.bigint(key);
    if (value === undefined || value === null) return value;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) this.bad(key, `is out of range: ${value}`);
    return n;
  }

  float(key: string): number | null | undefined {
    const node = this.scalar(key);
    if (node === undefined) return undefined;
    if (node.pyType === 'null') return null;
    if (node.pyType === 'int') return Number(this.bigint(key));
    if (node.pyType !== 'float') this.bad(key, `must be a number, found '${node.text}'`);
    return pyYamlFloat(node.text);
  }

  /** A mapping of string to string (input tags, registry aliases snapshot). */
  stringMap(key: string): Record<string, string> {
    const node = this.entries.get(key);
    if (node === undefined) return {};
    if (node.kind === 'scalar' && node.pyType === 'null') return {};
    if (node.kind !== 'map') this.bad(key, 'is not a mapping');
    const out: [string, string][] = [];
    for (const [k, v] of node.entries) {
      if (v.kind !== 'scalar') this.bad(key, `entry '${k}' is not a scalar`);
      out.push([k, v.pyType === 'null' ? '' : v.text]);
    }
    // fromEntries defines own properties: `out[k] = v` would drop a key named `__proto__`.
    return Object.fromEntries(out);
  }
}
