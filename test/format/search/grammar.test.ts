import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Run } from '../../../src/format/entities.js';
import { isMltrackError } from '../../../src/format/errors.js';
import {
  compileRunFilter,
  decodePageToken,
  encodePageToken,
  parseFilterSyntax,
  parseOrderByTerm,
  tokenize,
} from '../../../src/format/search/index.js';

const kinds = (src: string): string[] => tokenize(src, 'INVALID_FILTER').map((t) => `${t.kind}:${t.text}`);

describe('lexer', () => {
  it('lexes dotted, quoted and backticked identifiers as one token', () => {
    expect(kinds('tags.mlflow.runName')).toEqual(['ident:tags.mlflow.runName']);
    expect(kinds('metrics.`my metric`')).toEqual(['ident:metrics.`my metric`']);
    expect(kinds('params."a b".c')).toEqual(['ident:params."a b".c']);
    expect(kinds("tags.'x y'")).toEqual(["ident:tags.'x y'"]);
    expect(kinds('`Run name`')).toEqual(['ident:`Run name`']);
  });

  it('lexes strings, numbers, comparators, keywords and list punctuation', () => {
    expect(kinds("a>=-1.5e3 AND b like 'x''y' and c not in ('p',\"q\")")).toEqual([
      'ident:a',
      'comparator:>=',
      'number:-1.5e3',
      'keyword:AND',
      'ident:b',
      'comparator:like',
      "string:'x''y'",
      'keyword:and',
      'ident:c',
      'keyword:not',
      'keyword:in',
      'lparen:(',
      "string:'p'",
      'comma:,',
      'ident:"q"',
      'rparen:)',
    ]);
    expect(kinds('x = .5')).toEqual(['ident:x', 'comparator:=', 'number:.5']);
    expect(kinds('x = 1abc')).toEqual(['ident:x', 'comparator:=', 'ident:1abc']);
  });

  it('reports unterminated quotes with the column', () => {
    try {
      tokenize("a = 'oops", 'INVALID_FILTER');
      throw new Error('no error');
    } catch (e) {
      expect(isMltrackError(e) && e.message).toContain('column 5');
    }
  });
});

describe('syntax', () => {
  it('gives one clause per comparison with comparator and value node', () => {
    expect(parseFilterSyntax("metrics.a > 1 AND tags.b IS NOT NULL AND run_id NOT IN ('x', 'y''z')")).toMatchObject([
      { identifier: 'metrics.a', comparator: '>', value: { kind: 'number', raw: '1', integer: true } },
      { identifier: 'tags.b', comparator: 'IS NOT NULL', value: { kind: 'none' } },
      { identifier: 'run_id', comparator: 'NOT IN', value: { kind: 'list', items: ['x', 'yz'] } },
    ]);
  });

  it('reads IN lists as Python does: escapes, adjacent literals, trailing comma', () => {
    const items = (list: string): string[] => {
      const [c] = parseFilterSyntax(`run_id IN ${list}`);
      return c!.value.kind === 'list' ? c!.value.items : [];
    };
    expect(items("('a\\nb', \"c\")")).toEqual(['a\nb', 'c']);
    expect(items("('a' 'b',)")).toEqual(['ab']);
    expect(items("('\\x41\\u00e9')")).toEqual(['Aé']);
  });

  it('parses order_by terms, removing quotes the way shlex does', () => {
    expect(parseOrderByTerm('metrics.`my metric` DESC')).toEqual({ identifier: 'metrics.my metric', ascending: false });
    expect(parseOrderByTerm('params."a.b"')).toEqual({ identifier: 'params.a.b', ascending: true });
    expect(parseOrderByTerm('  start_time   asc ')).toEqual({ identifier: 'start_time', ascending: true });
  });
});

describe('properties', () => {
  const runWithTag = (value: string): Run => ({
    info: {
      runId: 'abc',
      runName: null,
      experimentId: '0',
      userId: 'u',
      status: 'RUNNING',
      startTime: 0,
      endTime: null,
      artifactUri: '',
      lifecycleStage: 'active',
    },
    data: { metrics: {}, params: {}, tags: { t: value } },
    inputs: [],
  });
  const noQuoteOrWildcard = fc.string({ maxLength: 20 }).filter((s) => !/['%_\n]/.test(s));

  it('a LIKE pattern without wildcards matches exactly itself', () => {
    fc.assert(
      fc.property(noQuoteOrWildcard, noQuoteOrWildcard, (pattern, value) => {
        const matches = compileRunFilter(`tags.t LIKE '${pattern}'`);
        expect(matches(runWithTag(pattern))).toBe(true);
        expect(matches(runWithTag(value))).toBe(value === pattern);
      }),
    );
  });

  it("'%' + p + '%' matches any value containing p (no newlines)", () => {
    fc.assert(
      fc.property(noQuoteOrWildcard, noQuoteOrWildcard, noQuoteOrWildcard, (a, p, b) => {
        expect(compileRunFilter(`tags.t LIKE '%${p}%'`)(runWithTag(a + p + b))).toBe(true);
      }),
    );
  });

  it('page tokens round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(decodePageToken(encodePageToken(n))).toBe(n);
        expect(atob(encodePageToken(n))).toBe(`{"offset": ${n}}`);
      }),
    );
  });
});
