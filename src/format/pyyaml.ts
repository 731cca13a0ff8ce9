/**
 * PyYAML's YAML 1.1 implicit resolvers. MLflow reads every meta.yaml with `yaml.safe_load`, so a
 * plain (unquoted) scalar means whatever these rules say, not what a YAML 1.2 parser thinks.
 */

export type PyType = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'str' | 'special';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** The type PyYAML gives a plain scalar with this text. */
export function pyResolve(plain: string): PyType {
  if (plain === '<<' || plain === '=') return 'special';
  if (NULL.test(plain)) return 'null';
  if (BOOL.test(plain)) return 'bool';
  if (INT.test(plain)) return 'int';
  if (FLOAT.test(plain)) return 'float';
  if (TIMESTAMP.test(plain)) return 'timestamp';
  return 'str';
}

/** The value of a plain scalar PyYAML resolves as int (octal, hex, binary, sexagesimal, underscores). */
export function pyYamlInt(plain: string): bigint {
  let text = plain.replace(/_/g, '');
  let sign = 1n;
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1n;
    text = text.slice(1);
  }
  if (text === '0') return 0n;
  // Like PyYAML's int(value[2:], base), '0b_' and '0x_' (no digits left) are errors.
  if ((text.startsWith('0b') || text.startsWith('0x')) && text.length === 2) throw new Error(`invalid YAML int '${plain}'`);
  if (text.startsWith('0b')) return sign * BigInt(text);
  if (text.startsWith('0x')) return sign * BigInt(text);
  if (text[0] === '0') return sign * BigInt('0o' + text.slice(1));
  if (text.includes(':')) {
    let value = 0n;
    for (const part of text.split(':')) value = value * 60n + BigInt(part);
    return sign * value;
  }
  return sign * BigInt(text);
}

/** The value of a plain scalar PyYAML resolves as float. */
export function pyYamlFloat(plain: string): number {
  const text = plain.replace(/_/g, '').toLowerCase();
  if (text.endsWith('.nan')) return NaN;
  if (text.endsWith('.inf')) return text[0] === '-' ? -Infinity : Infinity;
  if (text.includes(':')) {
    // PyYAML's order of float operations: sum of digit * 60^k from the last part up.
    const sign = text[0] === '-' ? -1 : 1;
    let value = 0;
    let base = 1;
    for (const part of text.replace(/^[-+]/, '').split(':').reverse()) {
      value += Number(part) * base;
      base *= 60;
    }
    return sign * value;
  }
  return Number(text);
}

/**
 * Characters PyYAML's reader accepts in a stream. Anything else must be escaped inside a
 * double-quoted scalar, or PyYAML refuses the whole file.
 */
const PRINTABLE = /^[\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

export function isPyYamlPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}
