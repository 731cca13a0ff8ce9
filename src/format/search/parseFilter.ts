/**
 * Filter strings to clauses. Two steps, like MLflow:
 *
 * 1. `parseFilterSyntax` finds the comparisons (`<identifier> <comparator> <value>`,
 *    `<identifier> [NOT] IN (<strings>)`, `<identifier> IS [NOT] NULL`) joined by AND. Anything
 *    else (OR, NOT, parenthesised groups, stray tokens) is "Invalid clause(s) in filter string".
 * 2. Each entity (runs, experiments, registered models, model versions) resolves identifiers and
 *    values with its own rules (runFilter.ts, experimentFilter.ts, modelFilter.ts) into
 *    `FilterClause`s `{type, key, comparator, value}` and compiles them to a predicate.
 */
import { fail, type ErrorCode } from '../errors.js';
import { tokenize, type Token } from './lexer.js';
import { evalPyStringLiterals, oneLine, quoteForMessage } from './python.js';

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type Comparator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

/** One resolved comparison. `value` is a number, a string, a list of strings (IN), or null (IS NULL). */
export interface FilterClause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: number | string | string[] | null;
}

/** The right-hand side of a comparison as written. */
export type ValueNode =
  /** 'single-quoted' (sqlparse String.Single); `raw` includes the quotes. */
  | { kind: 'string'; raw: string }
  /** An identifier-like token: "double-quoted", `backticked`, a bare word or a dotted chain. */
  | { kind: 'ident'; raw: string }
  | { kind: 'number'; raw: string; integer: boolean }
  /** A parenthesised list after IN / NOT IN; `items` are the Python string values. */
  | { kind: 'list'; raw: string; items: string[] }
  /** IS NULL / IS NOT NULL has no value. */
  | { kind: 'none'; raw: '' };

export interface SyntaxClause {
  /** The identifier's raw text, e.g. ``metrics.`my metric` ``. */
  identifier: string;
  /** Upper-case comparator as written: `=`, `<>`, `LIKE`, `NOT LIKE`, `IN`, `NOT IN`, `IS NULL`, ... */
  comparator: string;
  value: ValueNode;
  /** The clause's source text (for messages). */
  text: string;
  /** Column (1-based) where the clause starts. */
  column: number;
}

const q = quoteForMessage;

/** True if `value` is at least 2 characters and starts and ends with `quote`. */
export function isQuoted(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote);
}

/** MLflow's `_trim_backticks`: removes one pair of surrounding backticks. */
export function trimBackticks(value: string): string {
  return isQuoted(value, '`') ? value.slice(1, -1) : value;
}

/** MLflow's `_strip_quotes`: removes one pair of surrounding single or double quotes. */
export function stripQuotes(value: string): string {
  return isQuoted(value, "'") || isQuoted(value, '"') ? value.slice(1, -1) : value;
}

/** `identifier.split(".", 1)`: the entity prefix (or null) and the key. */
export function splitIdentifier(identifier: string): { prefix: string | null; key: string } {
  const dot = identifier.indexOf('.');
  if (dot < 0) return { prefix: null, key: identifier };
  return { prefix: identifier.slice(0, dot), key: identifier.slice(dot + 1) };
}

/**
 * A string value from a value token, as MLflow's `_strip_quotes(..., expect_quoted_value=True)`:
 * 'single' or "double" quotes are removed; anything else (a bare word, a backticked name) fails.
 */
export function quotedStringValue(value: ValueNode, code: ErrorCode, context: string): string {
  if ((value.kind === 'string' || value.kind === 'ident') && (isQuoted(value.raw, "'") || isQuoted(value.raw, '"'))) {
    return value.raw.slice(1, -1);
  }
  throw fail(
    code,
    `Expected a quoted string value for ${context} (e.g. 'my-value'), got ${value.kind === 'none' ? 'no value' : oneLine(value.raw)}; use single or double quotes`,
  );
}

function isValueToken(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'string' || t.kind === 'ident' || t.kind === 'number');
}

function startsClause(tokens: Token[], i: number): boolean {
  const t = tokens[i];
  const n = tokens[i + 1];
  if (t?.kind !== 'ident' || n === undefined) return false;
  return n.kind === 'comparator' || (n.kind === 'keyword' && (n.upper === 'IN' || n.upper === 'NOT' || n.upper === 'IS'));
}

/**
 * Splits a filter string into comparisons. Clauses are joined by AND (case-insensitive); as in
 * MLflow, a leading, trailing or doubled AND is tolerated. Throws INVALID_FILTER.
 */
export function parseFilterSyntax(filter: string): SyntaxClause[] {
  const code: ErrorCode = 'INVALID_FILTER';
  const tokens = tokenize(filter, code);
  const clauses: SyntaxClause[] = [];
  const invalid: string[] = [];
  const source = (from: Token, to: Token): string => filter.slice(from.start, to.end);
  let expectAnd = false;
  let i = 0;

  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'keyword' && t.upper === 'AND') {
      expectAnd = false;
      i++;
      continue;
    }
    if (startsClause(tokens, i)) {
      const { clause, next } = parseClause(filter, tokens, i);
      if (expectAnd) invalid.push(`${q(clause.text)} at column ${clause.column} (missing AND before it)`);
      clauses.push(clause);
      expectAnd = true;
      i = next;
      continue;
    }
    // Not a clause: a parenthesised group is reported whole, anything else token by token.
    let end = i;
    if (t.kind === 'lparen') {
      let depth = 0;
      for (; end < tokens.length; end++) {
        if (tokens[end]!.kind === 'lparen') depth++;
        else if (tokens[end]!.kind === 'rparen' && --depth === 0) break;
      }
      end = Math.min(end, tokens.length - 1);
    }
    invalid.push(`${q(source(t, tokens[end]!))} at column ${t.start + 1}`);
    expectAnd = false;
    i = end + 1;
  }

  if (invalid.length > 0) {
    throw fail(
      code,
      `Invalid clause(s) in filter string: ${invalid.join(', ')}. ` +
        'Clauses must be comparisons joined by AND; OR, NOT and parenthesised groups are not supported',
    );
  }
  return clauses;
}

function parseClause(filter: string, tokens: Token[], at: number): { clause: SyntaxClause; next: number } {
  const code: ErrorCode = 'INVALID_FILTER';
  const ident = tokens[at]!;
  let i = at + 1;
  const op = tokens[i]!;
  const bad = (why: string, last: Token): never => {
    throw fail(code, `Invalid comparison clause ${q(filter.slice(ident.start, last.end))} at column ${ident.start + 1}: ${why}`);
  };
  const make = (comparator: string, value: ValueNode, last: Token): { clause: SyntaxClause; next: number } => ({
    clause: {
      identifier: ident.text,
      comparator,
      value,
      text: filter.slice(ident.start, last.end),
      column: ident.start + 1,
    },
    next: i,
  });

  if (op.kind === 'keyword' && op.upper === 'IS') {
    i++;
    let t = tokens[i];
    let comparator = 'IS NULL';
    if (t?.kind === 'keyword' && t.upper === 'NOT') {
      comparator = 'IS NOT NULL';
      i++;
      t = tokens[i];
    }
    if (t?.kind !== 'keyword' || t.upper !== 'NULL') bad('expected NULL after IS / IS NOT', t ?? tokens[i - 1]!);
    i++;
    return make(comparator, { kind: 'none', raw: '' }, t!);
  }

  if (op.kind === 'keyword' && op.upper === 'NOT') {
    i++;
    const t = tokens[i];
    if (t?.kind === 'keyword' && t.upper === 'IN') {
      i++;
      return parseInList(filter, tokens, ident, i, 'NOT IN', make, bad);
    }
    if (t?.kind === 'comparator' && /^[A-Z]+$/.test(t.upper)) {
      // `NOT LIKE` and friends: sqlparse makes them one comparator, which MLflow then rejects.
      i++;
      const v = tokens[i];
      if (!isValueToken(v)) bad(`expected a value after 'NOT ${t.upper}'`, v ?? t);
      i++;
      return make(`NOT ${t.upper}`, valueNode(v!), v!);
    }
    return bad('expected IN or LIKE after NOT', t ?? op);
  }

  if (op.kind === 'keyword' && op.upper === 'IN') {
    i++;
    return parseInList(filter, tokens, ident, i, 'IN', make, bad);
  }

  // op.kind === 'comparator'
  i++;
  const v = tokens[i];
  if (!isValueToken(v)) bad(`expected a value after ${q(op.text)}`, v ?? op);
  i++;
  return make(op.upper, valueNode(v!), v!);
}

function valueNode(t: Token): ValueNode {
  if (t.kind === 'number') return { kind: 'number', raw: t.text, integer: t.integer };
  if (t.kind === 'string') return { kind: 'string', raw: t.text };
  return { kind: 'ident', raw: t.text };
}

/** `( 'a', "b", ... )`: non-empty, strings only, optional trailing comma; values as Python reads them. */
function parseInList(
  filter: string,
  tokens: Token[],
  ident: Token,
  at: number,
  comparator: 'IN' | 'NOT IN',
  make: (comparator: string, value: ValueNode, last: Token) => { clause: SyntaxClause; next: number },
  bad: (why: string, last: Token) => never,
): { clause: SyntaxClause; next: number } {
  const code: ErrorCode = 'INVALID_FILTER';
  const open = tokens[at];
  if (open?.kind !== 'lparen') return bad(`expected a parenthesised list after ${comparator}`, open ?? tokens[at - 1]!);
  let i = at + 1;
  let depth = 1;
  let close: Token | undefined;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen' && --depth === 0) {
      close = t;
      break;
    }
  }
  if (close === undefined) return bad('the list is not closed with )', tokens[tokens.length - 1]!);
  const raw = filter.slice(open.start, close.end);
  const illFormed = (): never => {
    throw fail(code, `While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list ${q(raw)}`);
  };

  const items: string[] = [];
  let current: Token[] = [];
  const flush = (): void => {
    const value = evalPyStringLiterals(current.map((t) => t.text).join(' '));
    if (value === undefined) illFormed();
    items.push(value!);
    current = [];
  };
  let sawComma = false;
  for (; tokens[i] !== close; i++) {
    const t = tokens[i]!;
    if (t.kind === 'string' || (t.kind === 'ident' && t.quote === '"')) {
      current.push(t);
    } else if (t.kind === 'comma') {
      if (current.length === 0) illFormed();
      flush();
      sawComma = true;
    } else if (t.kind === 'number') {
      throw fail(code, `While parsing a list in the query, expected string values, but got a number ${q(t.text)} in list ${q(raw)}`);
    } else {
      illFormed();
    }
  }
  if (current.length > 0) flush();
  if (items.length === 0) {
    if (sawComma) illFormed();
    throw fail(code, `While parsing a list in the query, expected a non-empty list of string values, but got empty list ${q(raw)}`);
  }
  i++; // past ')'
  const result = make(comparator, { kind: 'list', raw, items }, close);
  result.next = i;
  return result;
}
