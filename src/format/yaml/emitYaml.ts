/**
 * Writing meta.yaml files the way MLflow's PyYAML does: PyYAML's own emitter, ported (byte-identical
 * to SafeDumper output), so every string that PyYAML 1.1 would read as something else is quoted:
 * `on`, `1:20`, `2024-01-01` or `null` stay strings.
 */
import { pyFloatRepr } from '../pyFloat.js';
import { pyResolve } from '../pyyaml.js';


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
