/**
 * Python's float text: `repr(float)` for writing (what MLflow writes into metric files) and
 * `float(str)` / `int(str)` for reading (what MLflow accepts).
 */

/** `repr(x)` for a Python float: shortest round-trip digits, `.0` on integral values, e-notation below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Between 1e-4 and 1e16 both languages print the same shortest digits in fixed notation
  // (JavaScript switches to exponents only below 1e-6 and from 1e21); Python adds '.0' to integers.
  const abs = x < 0 ? -x : x;
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(x);
    return Number.isInteger(x) ? text + '.0' : text;
  }
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    const expSign = exp < 0 ? '-' : '+';
    return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const PY_FLOAT = /^[-+]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][-+]?\d(?:_?\d)*)?$/;
const PY_SPECIAL = /^([-+]?)(nan|inf|infinity)$/i;
const PY_INT = /^[-+]?\d(?:_?\d)*$/;

/** Python's str.isspace() set (JS `\s` differs: it lacks \x1c-\x1f and \x85, and has \ufeff). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
/** int() and float() strip less: of ASCII only C isspace(), so \x1c-\x1f stay (and make the text invalid). */
const NUMBER_SPACE = PY_SPACE.replace('\\x1c-\\x1f', '');
const NUMBER_STRIP = new RegExp(`^[${NUMBER_SPACE}]+|[${NUMBER_SPACE}]+$`, 'g');
const ND = /\p{Nd}/u;
const NON_ASCII = /[^\x00-\x7f]/u;

/** Python's `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/**
 * What Python's int() and float() parse: surrounding whitespace stripped and every decimal
 * digit of any script (category Nd, e.g. Arabic-Indic `١٢`) read as its ASCII digit. MLflow itself
 * writes ASCII, but its reader accepts these, so ours does too. Nd digits come in runs of ten from 0.
 */
function pyNumberText(text: string): string {
  const t = text.replace(NUMBER_STRIP, '');
  if (!NON_ASCII.test(t)) return t;
  let out = '';
  for (const ch of t) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || !ND.test(ch)) {
      out += ch;
      continue;
    }
    let start = cp;
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    out += String((cp - start) % 10);
  }
  return out;
}

/** Python's `float(text)`; returns undefined where Python raises ValueError. */
export function parsePyFloat(text: string): number | undefined {
  const t = pyNumberText(text);
  if (PY_FLOAT.test(t)) return Number(t.replace(/_/g, ''));
  const special = PY_SPECIAL.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return undefined;
}

/** Python's `int(text)` for decimal text; bigint only when the value is beyond 2^53 - 1. Never -0. */
export function parsePyInt(text: string): number | bigint | undefined {
  const t = pyNumberText(text);
  if (!PY_INT.test(t)) return undefined;
  const clean = t.replace(/_/g, '');
  const n = Number(clean);
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  return BigInt(clean);
}
