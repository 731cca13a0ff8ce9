/**
 * LIKE / ILIKE: the linear matcher keeps the semantics of the regular expression it replaced
 * (MLflow's file store: Python `re` over the converted pattern), and a pattern that makes a
 * backtracking engine take exponential time finishes at once.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { likeMatcher } from '../../../src/format/search/likeMatcher.js';
import type { Run } from '../../../src/format/entities.js';
import { compileRunFilter } from '../../../src/format/search/index.js';

/** The reference: the former implementation, a regex built from the pattern (backtracks). */
function referenceLike(pattern: string, caseInsensitive: boolean): RegExp {
  let body = '';
  for (const ch of pattern) {
    if (ch === '%') body += '[^\\n]*';
    else if (ch === '_') body += '[^\\n]';
    else if (/[\\^$.*+?()[\]{}|/]/.test(ch)) body += '\\' + ch;
    else body += ch;
  }
  const end = pattern.endsWith('%') ? '' : '\\n?$';
  return new RegExp('^' + body + end, caseInsensitive ? 'iu' : 'u');
}

// Small alphabets so that matches are frequent; case pairs, folding oddities (ſ, K), astral and lone surrogates.
const VALUE_CHARS = ['a', 'b', 'A', 'B', '\n', 'ſ', 's', 'S', 'K', 'k', '😀', '\ud800', '.', '%', '_'];
const PATTERN_CHARS = [...VALUE_CHARS, '%', '%', '_', '_'];
const text = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));

describe('LIKE matcher', () => {
  it('agrees with the regex it replaced, for LIKE and ILIKE, on short random strings', () => {
    fc.assert(
      fc.property(text(PATTERN_CHARS, 8), text(VALUE_CHARS, 10), fc.boolean(), (pattern, value, ci) => {
        expect(likeMatcher(pattern, ci)(value)).toBe(referenceLike(pattern, ci).test(value));
      }),
      { numRuns: 20000 },
    );
  });

  it('values built to match (pattern pieces filled in) agree too', () => {
    const piece = fc.oneof(fc.constantFrom('%', '_'), fc.constantFrom(...VALUE_CHARS));
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, text(VALUE_CHARS, 3)), { maxLength: 6 }), fc.boolean(), fc.boolean(), (pieces, ci, trailingNewline) => {
        const pattern = pieces.map(([p]) => p).join('');
        const value = pieces.map(([p, fill]) => (p === '%' ? fill.replace(/\n/g, '') : p === '_' ? 'x' : p)).join('') + (trailingNewline ? '\n' : '');
        expect(likeMatcher(pattern, ci)(value)).toBe(referenceLike(pattern, ci).test(value));
      }),
      { numRuns: 10000 },
    );
  });

  it('known cases', () => {
    const like = (p: string, v: string, ci = false) => likeMatcher(p, ci)(v);
    expect(like('', '')).toBe(true);
    expect(like('', '\n')).toBe(true);
    expect(like('', '\n\n')).toBe(false);
    expect(like('abc', 'abc\n')).toBe(true);
    expect(like('a%', 'ab\ncd')).toBe(true); // prefix match: no end anchor
    expect(like('a%d', 'ab\ncd')).toBe(false); // % does not cross a newline
    expect(like('a_c', 'a\nc')).toBe(false);
    expect(like('a_c', 'a😀c')).toBe(true); // _ is one code point
    expect(like('A%', 'abc', true)).toBe(true);
    expect(like('s', 'ſ', true)).toBe(true); // simple case folding, as the `iu` regex did
    expect(like('a.c', 'abc')).toBe(false); // regex syntax is literal
  });

  it("'%a%a%a%a%a%a%a%a%a%a%b' against 'a' x 100000 finishes (a backtracking engine would not)", () => {
    const pattern = '%a%a%a%a%a%a%a%a%a%a%b';
    const value = 'a'.repeat(100000);
    expect(likeMatcher(pattern, false)(value)).toBe(false);
    expect(likeMatcher(pattern, true)(value)).toBe(false);
    expect(likeMatcher(pattern, false)(value + 'b')).toBe(true);
    // Through the filter compiler the CLI and the browser share (compileRunFilter in src/format).
    const matches = compileRunFilter(`params.p LIKE '${pattern}'`);
    expect(matches(runWithParam(value))).toBe(false);
    expect(matches(runWithParam(value + 'b'))).toBe(true);
    expect(compileRunFilter(`params.p ILIKE '${pattern.toUpperCase()}'`)(runWithParam(value))).toBe(false);
  });
});

function runWithParam(value: string): Run {
  return {
    info: { runId: 'abc', runName: null, experimentId: '0', userId: 'u', status: 'RUNNING', startTime: 0, endTime: null, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: {}, params: { p: value }, tags: {} },
  } as unknown as Run;
}
