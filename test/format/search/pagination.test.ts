import { describe, it, expect } from 'vitest';
import type { Experiment, Run } from '../../../src/format/entities.js';
import { isMltrackError } from '../../../src/format/errors.js';
import {
  decodePageToken,
  encodePageToken,
  paginate,
  searchExperiments,
  searchModelVersions,
  searchRegisteredModels,
  searchRuns,
} from '../../../src/format/search/index.js';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isMltrackError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

function run(i: number): Run {
  const id = `r${String(i).padStart(3, '0')}`;
  return {
    info: {
      runId: id,
      runName: id,
      experimentId: '1',
      userId: 'u',
      status: 'FINISHED',
      startTime: 1000 - i,
      endTime: null,
      artifactUri: '',
      lifecycleStage: 'active',
    },
    data: { metrics: {}, params: {}, tags: {} },
    inputs: [],
  };
}

describe('page tokens', () => {
  it('encodes like base64(json.dumps({"offset": N}))', () => {
    expect(encodePageToken(1)).toBe('eyJvZmZzZXQiOiAxfQ==');
    expect(encodePageToken(2)).toBe('eyJvZmZzZXQiOiAyfQ==');
    expect(encodePageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
    expect(encodePageToken(25000)).toBe('eyJvZmZzZXQiOiAyNTAwMH0=');
    expect(atob(encodePageToken(12345))).toBe('{"offset": 12345}');
  });

  it('decodes what MLflow produces, and compact JSON too', () => {
    expect(decodePageToken('eyJvZmZzZXQiOiAxfQ==')).toBe(1);
    expect(decodePageToken(btoa('{"offset":7}'))).toBe(7);
    expect(decodePageToken(btoa('{"offset": "12"}'))).toBe(12);
    expect(decodePageToken('')).toBe(0);
    for (let n = 1; n < 2000; n += 37) expect(decodePageToken(encodePageToken(n))).toBe(n);
  });

  it('skips characters outside the base64 alphabet, as Python does', () => {
    expect(decodePageToken('eyJvZmZz\nZXQiOiAxfQ==')).toBe(1);
    expect(decodePageToken('eyJvZmZzZXQiOiAxfQ==trailing')).toBe(1);
  });

  it('rejects bad tokens with INVALID_PAGE_TOKEN', () => {
    const bad = [
      'eyJvZmZzZXQiOiAxfQ', // missing padding
      'x', // dangling character
      '!!!!', // nothing left after skipping
      'é', // not ASCII
      btoa('not json'),
      btoa('[1]'),
      btoa('{"offset": 0}'),
      btoa('{}'),
      btoa('{"offset": -3}'),
      btoa('{"offset": 1.5}'),
      btoa('{"offset": "abc"}'),
      btoa('{"offset": true}'),
      btoa('{"offset": null}'),
      btoa('\xff\xfe'),
    ];
    for (const token of bad) {
      const e = errorOf(() => decodePageToken(token));
      expect(e.code, token).toBe('INVALID_PAGE_TOKEN');
      expect(e.message).toContain('Invalid page token');
      expect(e.message).not.toContain('\n');
    }
  });

  it('refuses to encode a negative or fractional offset', () => {
    expect(errorOf(() => encodePageToken(-1)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => encodePageToken(1.5)).code).toBe('INVALID_ARGUMENT');
  });

  it('paginate returns a token only while offset + max_results < total', () => {
    expect(paginate([1, 2, 3], null, 3)).toEqual({ items: [1, 2, 3], nextPageToken: null });
    expect(paginate([1, 2, 3], null, 2)).toEqual({ items: [1, 2], nextPageToken: encodePageToken(2) });
    expect(paginate([1, 2, 3], encodePageToken(2), 2)).toEqual({ items: [3], nextPageToken: null });
    expect(paginate([1, 2, 3], encodePageToken(9), 2)).toEqual({ items: [], nextPageToken: null });
  });
});

describe('pagination over 3 pages', () => {
  const runs = Array.from({ length: 7 }, (_, i) => run(i));

  it('walks the pages with the tokens until there is none', () => {
    const seen: string[] = [];
    const tokens: (string | null)[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = searchRuns(runs, { maxResults: 3, pageToken: token });
      seen.push(...page.items.map((r) => r.info.runId));
      token = page.nextPageToken;
      tokens.push(token);
      pages++;
    } while (token !== null && pages < 10);
    expect(pages).toBe(3);
    expect(tokens).toEqual([encodePageToken(3), encodePageToken(6), null]);
    expect(seen).toEqual(runs.map((r) => r.info.runId));
  });

  it('an exact multiple of max_results ends without a token', () => {
    const six = runs.slice(0, 6);
    const p1 = searchRuns(six, { maxResults: 3 });
    const p2 = searchRuns(six, { maxResults: 3, pageToken: p1.nextPageToken });
    expect(p2.items).toHaveLength(3);
    expect(p2.nextPageToken).toBeNull();
  });

  it('a bad token fails the search', () => {
    expect(errorOf(() => searchRuns(runs, { pageToken: 'garbage' })).code).toBe('INVALID_PAGE_TOKEN');
  });
});

describe('max_results bounds', () => {
  const exps: Experiment[] = [];

  it('runs: default 1000, 1..50000', () => {
    const many = Array.from({ length: 1001 }, (_, i) => run(i));
    expect(searchRuns(many, {}).items).toHaveLength(1000);
    expect(searchRuns(many, { maxResults: 50000 }).items).toHaveLength(1001);
    for (const bad of [0, -1, 1.5, 50001, NaN]) {
      const e = errorOf(() => searchRuns([], { maxResults: bad }));
      expect(e.code, String(bad)).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('max_results');
    }
  });

  it('experiments: 1..50000', () => {
    expect(searchExperiments(exps, { maxResults: 50000 }).items).toEqual([]);
    expect(errorOf(() => searchExperiments(exps, { maxResults: 50001 })).message).toContain('at most 50000');
    expect(errorOf(() => searchExperiments(exps, { maxResults: 0 })).message).toContain('positive integer');
  });

  it('registered models: 1..1000; model versions: 1..200000', () => {
    expect(searchRegisteredModels([], { maxResults: 1000 }).items).toEqual([]);
    expect(errorOf(() => searchRegisteredModels([], { maxResults: 1001 })).code).toBe('INVALID_ARGUMENT');
    expect(searchModelVersions([], { maxResults: 200000 }).items).toEqual([]);
    expect(errorOf(() => searchModelVersions([], { maxResults: 200001 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => searchModelVersions([], { maxResults: 0 })).code).toBe('INVALID_ARGUMENT');
  });

  it('checks max_results before the filter, like MLflow', () => {
    expect(errorOf(() => searchRuns([], { maxResults: 0, filter: 'bad filter' })).code).toBe('INVALID_ARGUMENT');
  });
});
