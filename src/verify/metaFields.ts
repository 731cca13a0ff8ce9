/**
 * Field rules shared by every meta.yaml check: a key that must be there, an int, a string that
 * PyYAML must read back as a string. Each records a problem and returns the value when it is usable.
 */
import type { YamlFields, YamlNode } from '../format/yaml.js';
import type { VerifyContext } from './VerifyContext.js';

/** Python's name for the type PyYAML gives a node, for messages. */
export function pyTypeName(node: YamlNode): string {
  if (node.kind === 'map') return 'dict';
  if (node.kind === 'seq') return 'list';
  switch (node.pyType) {
    case 'null':
      return 'None';
    case 'timestamp':
      return 'date';
    case 'special':
      return 'a tagged value';
    default:
      return node.pyType;
  }
}

export interface FieldRule {
  /** The key must be present (its value may still be null when `nullable`). */
  required?: boolean;
  nullable?: boolean;
  /** What MLflow does when the rule is broken, appended to the message. */
  consequence?: string;
}

function suffix(rule: FieldRule): string {
  return rule.consequence ? `: ${rule.consequence}` : '';
}

/** An int field (PyYAML int). Returns the number, null for null, undefined when absent or wrong. */
export function intField(ctx: VerifyContext, path: string, f: YamlFields, key: string, rule: FieldRule = {}): number | null | undefined {
  const node = f.entries.get(key);
  if (node === undefined) {
    if (rule.required) ctx.problems.error(path, `field '${key}' is missing${suffix(rule)}`, 'MALFORMED_META');
    return undefined;
  }
  if (node.kind === 'scalar' && node.pyType === 'null') {
    if (!rule.nullable) ctx.problems.error(path, `field '${key}' is null, an int is required${suffix(rule)}`, 'MALFORMED_META');
    return null;
  }
  if (node.kind !== 'scalar' || node.pyType !== 'int') {
    const found = node.kind === 'scalar' ? `${pyTypeName(node)} '${node.text}'` : pyTypeName(node);
    ctx.problems.error(path, `field '${key}' must be an int, found ${found}${suffix(rule)}`, 'MALFORMED_META');
    return undefined;
  }
  try {
    return f.int(key) ?? null;
  } catch {
    ctx.problems.error(path, `field '${key}' is out of range: ${node.text}`, 'MALFORMED_META');
    return undefined;
  }
}

/** A string field: PyYAML must read a str (an unquoted `2024-01-01` is a date, `on` a bool, `~` None). */
export function stringField(ctx: VerifyContext, path: string, f: YamlFields, key: string, rule: FieldRule = {}): string | null | undefined {
  const node = f.entries.get(key);
  if (node === undefined) {
    if (rule.required) ctx.problems.error(path, `field '${key}' is missing${suffix(rule)}`, 'MALFORMED_META');
    return undefined;
  }
  if (node.kind === 'scalar' && node.pyType === 'null') {
    if (!rule.nullable) ctx.problems.error(path, `field '${key}' is null, a string is required${suffix(rule)}`, 'MALFORMED_META');
    return null;
  }
  if (node.kind !== 'scalar' || node.pyType !== 'str') {
    const found = node.kind === 'scalar' ? `${pyTypeName(node)} ${node.text}` : pyTypeName(node);
    ctx.problems.error(path, `field '${key}' reads back in PyYAML as ${found}, not a string: quote it`, 'MALFORMED_META');
    return node.kind === 'scalar' ? node.text : undefined;
  }
  return node.text;
}

/**
 * An id field (`experiment_id`): MLflow casts an int to str, so an unquoted id reads, but only
 * quoted is what MLflow writes. Returns the id's text.
 */
export function idField(ctx: VerifyContext, path: string, f: YamlFields, key: string, rule: FieldRule = {}): string | undefined {
  const node = f.entries.get(key);
  if (node === undefined || (node.kind === 'scalar' && node.pyType === 'null')) {
    ctx.problems.error(path, `field '${key}' is ${node === undefined ? 'missing' : 'null'}${suffix(rule)}`, 'MALFORMED_META');
    return undefined;
  }
  if (node.kind !== 'scalar') {
    ctx.problems.error(path, `field '${key}' is a ${pyTypeName(node)}, not an id`, 'MALFORMED_META');
    return undefined;
  }
  if (node.pyType === 'int') {
    ctx.problems.warning(path, `field '${key}' is an unquoted int (${node.text}): MLflow casts it to a string, but writes ids quoted ('${node.text}')`, 'MALFORMED_META');
  } else if (node.pyType !== 'str') {
    ctx.problems.error(path, `field '${key}' reads back in PyYAML as ${pyTypeName(node)} ${node.text}, not a string: quote it`, 'MALFORMED_META');
  }
  return node.text;
}
