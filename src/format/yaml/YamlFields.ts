/** Typed access to the fields of a parsed meta.yaml mapping, with MLflow's read rules and clear errors. */
import { fail } from '../errors.js';
import { pyYamlFloat, pyYamlInt } from '../pyyaml.js';
import { parseFlatMapping } from './flatMapping.js';
import { parseYaml, type YamlNode, type YamlScalar } from './readYaml.js';

export class YamlFields {
  constructor(
    readonly entries: Map<string, YamlNode>,
    readonly where: string,
  ) {}

  static parse(text: string, where: string): YamlFields {
    const flat = parseFlatMapping(text);
    if (flat) return new YamlFields(flat, where);
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
