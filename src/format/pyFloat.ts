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

/** Python's `float(text)`; returns undefined where Python raises ValueError. */
export function parsePyFloat(text: string): number | undefined {
  const t = text.trim();
  if (PY_FLOAT.test(t)) return Number(t.replace(/_/g, ''));
  const special = PY_SPECIAL.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return undefined;
}

/** Python's `int(text)` for decimal text; bigint only when the value is beyond 2^53. */
export function parsePyInt(text: string): number | bigint | undefined {
  const t = text.trim();
  if (!PY_INT.test(t)) return undefined;
  const clean = t.replace(/_/g, '');
  const n = Number(clean);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(clean);
}
