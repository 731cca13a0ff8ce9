/**
 * Reading and writing meta.yaml files the way MLflow's PyYAML does.
 *
 * Writing: block style, keys sorted, and every string that PyYAML 1.1 would read as something else
 * is quoted, so `on`, `1:20`, `2024-01-01` or `null` survive as strings.
 * Reading: plain scalars are resolved with PyYAML's rules from their source text, and string fields
 * take that source text, so `name: 1e3` is the string "1e3" and an 18-digit id loses no digits.
 */
import { parseDocument, isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { fail } from './errors.js';
import { pyFloatRepr } from './pyFloat.js';
import { isPyYamlPrintable, pyResolve, pyYamlFloat, pyYamlInt, type PyType } from './pyyaml.js';

// ---------------------------------------------------------------- writing

export type YamlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | YamlValue[]
  | { [key: string]: YamlValue };

/** A string may stay plain only when it is made of ordinary characters and resolves to a str. */
const PLAIN_SAFE = /^[\p{L}\p{N}_][\p{L}\p{N}_ .\/:\-+@~()=,]*$/u;

function quoteString(value: string): string {
  const plain =
    PLAIN_SAFE.test(value) &&
    !value.endsWith(' ') &&
    !value.endsWith(':') &&
    !value.includes(': ') &&
    !value.includes(' #') &&
    pyResolve(value) === 'str';
  if (plain) return value;
  if (isPyYamlPrintable(value) && !/[\n\r\t\x85\u2028\u2029]/u.test(value) && !/^\s|\s$/u.test(value)) {
    return `'${value.replace(/'/g, "''")}'`;
  }
  return doubleQuote(value);
}

function doubleQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp === 0x20 || (cp > 0x20 && cp < 0x7f) || (isPyYamlPrintable(ch) && cp > 0xa0 && cp !== 0x2028 && cp !== 0x2029 && cp !== 0xfeff)) out += ch;
    else if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

function scalar(value: YamlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Object.is(value, -0)) return String(value);
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    // PyYAML writes repr(), with '.0' added to a bare exponent form so it still resolves as float.
    const text = pyFloatRepr(value);
    return text.includes('.') ? text : text.replace('e', '.0e');
  }
  if (typeof value === 'string') return quoteString(value);
  throw new TypeError('not a scalar');
}

function isEmptyCollection(value: YamlValue): string | null {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : null;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0 ? '{}' : null;
  return null;
}

function emitMapping(obj: { [key: string]: YamlValue }, indent: string, sortKeys: boolean, out: string[]): void {
  const keys = Object.keys(obj);
  if (sortKeys) keys.sort(comparePythonStrings);
  for (const key of keys) {
    const value = obj[key]!;
    const head = `${indent}${quoteString(key)}:`;
    const empty = isEmptyCollection(value);
    if (empty) out.push(`${head} ${empty}`);
    else if (Array.isArray(value)) {
      out.push(head);
      emitSequence(value, indent, sortKeys, out);
    } else if (value !== null && typeof value === 'object') {
      out.push(head);
      emitMapping(value, indent + '  ', sortKeys, out);
    } else out.push(`${head} ${scalar(value)}`);
  }
}

function emitSequence(items: YamlValue[], indent: string, sortKeys: boolean, out: string[]): void {
  for (const item of items) {
    const empty = isEmptyCollection(item);
    if (empty) out.push(`${indent}- ${empty}`);
    else if (Array.isArray(item)) {
      out.push(`${indent}-`);
      emitSequence(item, indent + '  ', sortKeys, out);
    } else if (item !== null && typeof item === 'object') {
      const nested: string[] = [];
      emitMapping(item, indent + '  ', sortKeys, nested);
      nested[0] = `${indent}- ${nested[0]!.slice(indent.length + 2)}`;
      out.push(...nested);
    } else out.push(`${indent}- ${scalar(item)}`);
  }
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

/** Serialise a mapping as PyYAML's `yaml.safe_dump(default_flow_style=False, sort_keys=True)` would. */
export function dumpYaml(obj: { [key: string]: YamlValue }, options: { sortKeys?: boolean } = {}): string {
  const out: string[] = [];
  emitMapping(obj, '', options.sortKeys ?? true, out);
  return out.join('\n') + '\n';
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

function convert(node: Node | null | undefined, where: string): YamlNode {
  if (node == null) return { kind: 'scalar', pyType: 'null', text: '' };
  if (isScalar(node)) {
    const text = String(node.value ?? '');
    const plain = node.type === Scalar.PLAIN;
    return { kind: 'scalar', pyType: plain ? pyResolve(text) : 'str', text };
  }
  if (isMap(node)) {
    const entries = new Map<string, YamlNode>();
    for (const pair of node.items) {
      const key = convert(pair.key as Node, where);
      if (key.kind !== 'scalar') throw fail('MALFORMED_META', `${where}: a mapping key is not a scalar`);
      entries.set(key.text, convert(pair.value as Node, where));
    }
    return { kind: 'map', entries };
  }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((item) => convert(item as Node, where)) };
  throw fail('MALFORMED_META', `${where}: unsupported YAML node (aliases and tags are not used by mlruns files)`);
}

/** Parse a YAML document; every scalar keeps its text and its PyYAML type. */
export function parseYaml(text: string, where: string): YamlNode {
  // failsafe: every scalar stays a string; the PyYAML rules are applied by `convert`.
  const doc = parseDocument(text, { schema: 'failsafe', version: '1.1', uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!.message.split('\n')[0];
    throw fail('MALFORMED_META', `${where}: invalid YAML: ${first}`, { path: where });
  }
  return convert(doc.contents as Node | null, where);
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
    return pyYamlInt(node.text);
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
    if (node.pyType === 'int') return Number(pyYamlInt(node.text));
    if (node.pyType !== 'float') this.bad(key, `must be a number, found '${node.text}'`);
    return pyYamlFloat(node.text);
  }

  /** A mapping of string to string (input tags, registry aliases snapshot). */
  stringMap(key: string): Record<string, string> {
    const node = this.entries.get(key);
    if (node === undefined) return {};
    if (node.kind === 'scalar' && node.pyType === 'null') return {};
    if (node.kind !== 'map') this.bad(key, 'is not a mapping');
    const out: Record<string, string> = {};
    for (const [k, v] of node.entries) {
      if (v.kind !== 'scalar') this.bad(key, `entry '${k}' is not a scalar`);
      out[k] = v.pyType === 'null' ? '' : v.text;
    }
    return out;
  }
}
