/**
 * The common case of a meta.yaml, read without a YAML parser: one `key: value` per line, every
 * value a one-word-or-more plain scalar, a single-quoted string on one line, empty, or `[]`, in
 * printable ASCII. That is what MLflow's `yaml.safe_dump` and our own writer produce for run,
 * experiment and registry metas. Anything else (quotes of another kind, flow collections, comments,
 * indentation, anchors, tags, line breaks other than LF, non-ASCII) returns null and the caller
 * takes the full parser, which gives the same result on every text this accepts
 * (test/property/flatMapping.test.ts).
 */
import { pyResolve } from '../pyyaml.js';
import type { YamlNode } from './readYaml.js';

const LINE = /^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'$/;
/** A plain scalar of printable ASCII that cannot start or hold an indicator, a comment or `: `. */
const PLAIN = /^(?:[A-Za-z0-9_./+=~]|-(?=[0-9.]))[A-Za-z0-9_./:+=~ ()-]*$/;

export function parseFlatMapping(text: string): Map<string, YamlNode> | null {
  if (!/^[\x20-\x7e\n]*$/.test(text)) return null;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return null;
  const entries = new Map<string, YamlNode>();
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m || entries.has(m[1]!)) return null;
    const raw = m[2];
    let node: YamlNode;
    if (raw === undefined || raw === '') node = { kind: 'scalar', pyType: 'null', text: '' };
    else if (raw === '[]') node = { kind: 'seq', items: [] };
    else if (raw[0] === "'") {
      const q = SINGLE_QUOTED.exec(raw);
      if (!q) return null;
      node = { kind: 'scalar', pyType: 'str', text: q[1]!.replace(/''/g, "'") };
    } else {
      if (!PLAIN.test(raw) || raw.endsWith(' ') || raw.includes('  ') || raw.includes(': ') || raw.endsWith(':')) return null;
      node = { kind: 'scalar', pyType: pyResolve(raw), text: raw };
    }
    entries.set(m[1]!, node);
  }
  return entries;
}
