/**
 * Small pieces of Python semantics the search grammar depends on: string ordering by code point,
 * `str.islower()`, Python string literals (what
 * `ast.literal_eval` makes of an IN list) and `int(str)`.
 */

/**
 * Python's `a < b` on `str`: compares code points. JavaScript's `<` compares UTF-16 code units,
 * which disagrees when a character above U+FFFF meets one in U+E000..U+FFFF.
 */
export function pyCompareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF, so it sorts after any BMP character.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const HAS_UPPER_OR_TITLE = /[\p{Uppercase}\p{Lt}]/u;
const HAS_LOWER = /\p{Lowercase}/u;

/** Python's `str.islower()`: at least one cased character and no upper-case or title-case one. */
export function pyIsLower(s: string): boolean {
  return !HAS_UPPER_OR_TITLE.test(s) && HAS_LOWER.test(s);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * The value of one or more adjacent Python string literals (`'a'`, `"b"`, `'a' "b"`, `'it''s'`),
 * as `ast.literal_eval` reads them. Returns undefined where Python raises SyntaxError.
 */
export function evalPyStringLiterals(raw: string): string | undefined {
  let out = '';
  let i = 0;
  let literals = 0;
  while (i < raw.length) {
    const q = raw[i]!;
    if (q === ' ' || q === '\t' || q === '\n' || q === '\r' || q === '\f') {
      i++;
      continue;
    }
    if (q !== "'" && q !== '"') return undefined;
    literals++;
    i++;
    for (;;) {
      if (i >= raw.length) return undefined;
      const c = raw[i]!;
      if (c === q) {
        i++;
        break;
      }
      if (c === '\n' || c === '\r') return undefined;
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = raw[i + 1];
      if (e === undefined) return undefined;
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        i += 2;
      } else if (e === '\n') {
        i += 2;
      } else if (e >= '0' && e <= '7') {
        const m = /^[0-7]{1,3}/.exec(raw.slice(i + 1))![0];
        out += String.fromCodePoint(parseInt(m, 8));
        i += 1 + m.length;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = raw.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += 2 + len;
      } else if (e === 'N') {
        return undefined; // \N{NAME}: needs the Unicode name table; treated as ill-formed.
      } else {
        out += '\\' + e; // Python keeps unknown escapes verbatim.
        i += 2;
      }
    }
  }
  return literals > 0 ? out : undefined;
}

const PY_INT = /^\s*([-+]?)(\d(?:_?\d)*)\s*$/;

/** Python's `int(text)` for decimal text; undefined where Python raises (or beyond 2^53). */
export function parsePyInt(text: string): number | undefined {
  const m = PY_INT.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]!.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** Text for a one-line error message: control characters escaped, long text cut. */
export function oneLine(text: string, max = 200): string {
  let t = text.replace(/[\n\r\t\x00-\x1f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
  if (t.length > max) t = t.slice(0, max) + '…';
  return t;
}

/** A value quoted for a one-line error message. */
export function quoteForMessage(text: string, max = 200): string {
  return `'${oneLine(text, max)}'`;
}
