/**
 * Reading YAML the way PyYAML does: plain scalars are resolved with PyYAML's rules from their source
 * text, and string fields take that source text, so `name: 1e3` is the string "1e3" and an 18-digit id
 * loses no digits. YAML 1.1's extra line breaks (U+0085, U+2028, U+2029) are read as PyYAML reads them.
 */
import { parseDocument, isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { fail } from '../errors.js';
import { pyResolve, type PyType } from '../pyyaml.js';


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
