/**
 * Tokens of MLflow's search grammar, lexed the way `sqlparse` lexes them where it matters:
 *
 * - identifiers: dotted chains of bare words, `backticked` and "double-quoted" segments, and after
 *   a dot also 'single-quoted' segments (`tags.mlflow.runName`, ``metrics.`my metric` ``,
 *   `params."a b"`). The raw text is kept: MLflow splits it at the first `.` and strips quotes later;
 * - strings: 'single-quoted', kept raw (no unescaping: `'it''s'` stays `it''s`, as in MLflow);
 * - numbers: `1`, `-1`, `1.5`, `.5`, `1.`, `1e-1`;
 * - comparators: runs of `<>=~!` (validated later) and LIKE / ILIKE (and RLIKE / REGEXP, rejected later);
 * - keywords AND, OR, NOT, IN, IS, NULL (case-insensitive, only as a bare single word);
 * - `(`, `)` and `,` (meaningful only in IN lists).
 */
import { fail, type ErrorCode } from '../errors.js';
import { quoteForMessage } from './python.js';

export type TokenKind =
  | 'ident'
  | 'string'
  | 'number'
  | 'comparator'
  | 'keyword'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'other';

export interface Token {
  kind: TokenKind;
  /** The token's source text. */
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just after the last character. */
  end: number;
  /** Upper-cased text for keywords and word comparators (`LIKE`); the raw text for symbol comparators. */
  upper: string;
  /** Numbers: true for an integer literal. */
  integer: boolean;
  /** Identifiers: the quote of a one-segment quoted identifier (`"` or a backtick), else ''. */
  quote: string;
}

const WORD = /[\p{L}\p{N}_][\p{L}\p{N}_$#]*/uy;
const SINGLE = /'(?:''|\\'|[^'])*'/y;
const DOUBLE = /"(?:""|\\"|[^"])*"/y;
const BACKTICK = /`(?:``|[^`])*`/y;
const NUMBER = /-?(?:\d+(?:\.\d+)?[eE]-?\d+|\d+\.\d*|\.\d+|\d+)/y;
const COMPARATOR = /[<>=~!]+/y;
const WHITESPACE = /\s+/y;
const LETTER_OR_UNDERSCORE = /[\p{L}_]/u;

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL']);
const WORD_COMPARATORS = new Set(['LIKE', 'ILIKE', 'RLIKE', 'REGEXP']);

function stickyMatch(re: RegExp, src: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(src);
  return m ? m[0] : undefined;
}

/** Lexes a filter (or an order_by clause). Unterminated quotes throw `code`. */
export function tokenize(src: string, code: ErrorCode, what = 'filter string'): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number, extra: Partial<Token> = {}): void => {
    const text = src.slice(start, end);
    tokens.push({ kind, text, start, end, upper: text, integer: false, quote: '', ...extra });
  };
  const unterminated = (at: number): never => {
    throw fail(
      code,
      `Unterminated quoted text in ${what} at column ${at + 1}: ${quoteForMessage(src.slice(at))}`,
    );
  };

  /** Reads one identifier segment at `at`; returns its end, or -1 if none starts there. */
  const segment = (at: number, afterDot: boolean): number => {
    const c = src[at];
    if (c === '"') return at + (stickyMatch(DOUBLE, src, at) ?? unterminated(at)).length;
    if (c === '`') return at + (stickyMatch(BACKTICK, src, at) ?? unterminated(at)).length;
    if (c === "'" && afterDot) return at + (stickyMatch(SINGLE, src, at) ?? unterminated(at)).length;
    const w = stickyMatch(WORD, src, at);
    return w === undefined ? -1 : at + w.length;
  };

  let i = 0;
  while (i < src.length) {
    const ws = stickyMatch(WHITESPACE, src, i);
    if (ws !== undefined) {
      i += ws.length;
      continue;
    }
    const c = src[i]!;

    if (c === "'") {
      const s = stickyMatch(SINGLE, src, i) ?? unterminated(i);
      push('string', i, i + s.length);
      i += s.length;
      continue;
    }

    const num = stickyMatch(NUMBER, src, i);
    if (num !== undefined) {
      const after = src.slice(i + num.length, i + num.length + 2);
      const glued = after !== '' && LETTER_OR_UNDERSCORE.test(String.fromCodePoint(after.codePointAt(0)!));
      if (!glued) {
        push('number', i, i + num.length, { integer: /^-?\d+$/.test(num) });
        i += num.length;
        continue;
      }
      // `1abc`: not a number; lexed below as a word when it starts with a digit.
    }

    const first = segment(i, false);
    if (first > i) {
      let end = first;
      let segments = 1;
      while (src[end] === '.') {
        const next = segment(end + 1, true);
        if (next <= end + 1) break;
        end = next;
        segments++;
      }
      const text = src.slice(i, end);
      if (segments === 1 && (c === '"' || c === '`')) {
        push('ident', i, end, { quote: c });
      } else if (segments === 1) {
        const upper = text.toUpperCase();
        if (KEYWORDS.has(upper)) push('keyword', i, end, { upper });
        else if (WORD_COMPARATORS.has(upper)) push('comparator', i, end, { upper });
        else push('ident', i, end);
      } else {
        push('ident', i, end);
      }
      i = end;
      continue;
    }

    const cmp = stickyMatch(COMPARATOR, src, i);
    if (cmp !== undefined) {
      push('comparator', i, i + cmp.length);
      i += cmp.length;
      continue;
    }
    if (c === '(') push('lparen', i, i + 1);
    else if (c === ')') push('rparen', i, i + 1);
    else if (c === ',') push('comma', i, i + 1);
    else {
      const len = String.fromCodePoint(src.codePointAt(i)!).length;
      push('other', i, i + len);
      i += len;
      continue;
    }
    i += 1;
  }
  return tokens;
}
