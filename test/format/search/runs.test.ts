import { describe, it, expect } from 'vitest';
import type { DatasetInput, Metric, Run, RunStatus, Step } from '../../../src/format/entities.js';
import { isMltrackError } from '../../../src/format/errors.js';
import {
  compileRunFilter,
  compileRunOrder,
  parseRunFilter,
  searchRuns,
} from '../../../src/format/search/index.js';

const R_A = '0123456789abcdef0123456789abcdef';
const R_B = 'fedcba9876543210fedcba9876543210';

interface RunSpec {
  id: string;
  name?: string | null;
  status?: RunStatus;
  start?: number;
  end?: number | null;
  metrics?: Record<string, number>;
  steps?: Record<string, Step>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  inputs?: DatasetInput[];
  deleted?: boolean;
}

function makeRun(s: RunSpec): Run {
  const metrics: Record<string, Metric> = {};
  for (const [key, value] of Object.entries(s.metrics ?? {})) {
    metrics[key] = { key, value, timestamp: 1700000000000, step: s.steps?.[key] ?? 0 };
  }
  const name = s.name === undefined ? null : s.name;
  const tags: Record<string, string> = { ...(s.tags ?? {}) };
  if (name !== null && tags['mlflow.runName'] === undefined) tags['mlflow.runName'] = name;
  return {
    info: {
      runId: s.id,
      runName: name,
      experimentId: '123',
      userId: 'alice',
      status: s.status ?? 'FINISHED',
      startTime: s.start ?? 1700000000000,
      endTime: s.end === undefined ? null : s.end,
      artifactUri: `file:///tmp/mlruns/123/${s.id}/artifacts`,
      lifecycleStage: s.deleted ? 'deleted' : 'active',
    },
    data: { metrics, params: { ...(s.params ?? {}) }, tags },
    inputs: s.inputs ?? [],
  };
}

const runA = makeRun({
  id: R_A,
  name: 'hand-run',
  status: 'FINISHED',
  start: 1700000000000,
  end: 1700000001000,
  metrics: { loss: 0.25 },
  params: { lr: '0.01' },
});
const runB = makeRun({
  id: R_B,
  name: 'other run',
  status: 'RUNNING',
  start: 1700000005000,
  metrics: { loss: 0.9, 'my metric': 7 },
  params: { lr: '0.1' },
});
const fixture = [runA, runB];

function names(runs: Run[]): string[] {
  return runs.map((r) => (r === runA ? 'A' : r === runB ? 'B' : r.info.runName ?? r.info.runId));
}
function search(filter?: string, orderBy?: string[]): string[] {
  return names(searchRuns(fixture, { filter, orderBy }).items);
}
function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isMltrackError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('spec 14 case 19: search filters on the two-run fixture', () => {
  const rows: [string, string[]][] = [
    ['metrics.loss < 0.3', ['A']],
    ['params.lr = "0.1"', ['B']],
    ["tags.mlflow.runName = 'hand-run'", ['A']],
    ['metrics.`my metric` = 7', ['B']],
    ["attributes.status = 'FINISHED'", ['A']],
    ["status = 'finished'", []],
    ["`Run name` ILIKE 'HAND%'", ['A']],
    [`run_id IN ('${R_A}')`, ['A']],
    ['start_time > 1700000001000', ['B']],
    ["params.lr LIKE '0_1'", ['B']],
  ];
  for (const [filter, expected] of rows) {
    it(`${filter} -> [${expected.join(', ')}]`, () => {
      expect(search(filter)).toEqual(expected);
    });
  }

  it('params.lr = 0.1 (unquoted) -> error', () => {
    const e = errorOf(() => search('params.lr = 0.1'));
    expect(e.code).toBe('INVALID_FILTER');
    expect(e.message).toContain('Expected a quoted string value');
    expect(e.message).toContain('0.1');
  });

  it("metrics.loss > '0.1' -> error", () => {
    const e = errorOf(() => search("metrics.loss > '0.1'"));
    expect(e.code).toBe('INVALID_FILTER');
    expect(e.message).toContain("Expected numeric value type for metric. Found '0.1'");
  });

  it('… OR … -> error with a one-line message', () => {
    const e = errorOf(() => search("metrics.loss < 0.3 OR params.lr = '0.1'"));
    expect(e.code).toBe('INVALID_FILTER');
    expect(e.message).toMatch(/^Invalid clause\(s\) in filter string: 'OR' at column 20/);
    expect(e.message).not.toContain('\n');
  });

  it("lifecycle_stage = 'active' -> error", () => {
    const e = errorOf(() => search("lifecycle_stage = 'active'"));
    expect(e.code).toBe('INVALID_FILTER');
    expect(e.message).toContain("Invalid attribute key 'lifecycle_stage'");
  });

  it('empty filter, default order -> [B, A]', () => {
    expect(search()).toEqual(['B', 'A']);
    expect(search('')).toEqual(['B', 'A']);
    expect(search('   ')).toEqual(['B', 'A']);
  });

  it('order_by ["metrics.loss"] -> [A, B]', () => {
    expect(search(undefined, ['metrics.loss'])).toEqual(['A', 'B']);
  });

  it('order_by ["params.lr ASC"] -> [A, B]', () => {
    expect(search(undefined, ['params.lr ASC'])).toEqual(['A', 'B']);
  });
});

describe('run filter grammar', () => {
  it('joins clauses with AND, case-insensitive', () => {
    expect(search("metrics.loss > 0.1 and params.lr = '0.1'")).toEqual(['B']);
    expect(search("metrics.loss > 0.1 AnD params.lr = '0.01'")).toEqual(['A']);
  });

  it('tolerates a leading, trailing or doubled AND like MLflow, but not a missing one', () => {
    expect(search('AND metrics.loss > 0.5')).toEqual(['B']);
    expect(search('metrics.loss > 0.5 AND')).toEqual(['B']);
    expect(search("metrics.loss > 0.1 AND AND params.lr = '0.1'")).toEqual(['B']);
    const e = errorOf(() => search("metrics.loss > 0.1 params.lr = '0.1'"));
    expect(e.message).toContain('missing AND');
  });

  it('rejects NOT and parenthesised groups', () => {
    expect(errorOf(() => search('NOT metrics.loss > 0.5')).message).toContain("'NOT' at column 1");
    const e = errorOf(() => search('(metrics.loss > 0.5)'));
    expect(e.message).toContain("'(metrics.loss > 0.5)' at column 1");
  });

  it('accepts every entity alias', () => {
    for (const p of ['metric', 'metrics']) expect(search(`${p}.loss > 0.5`)).toEqual(['B']);
    for (const p of ['param', 'params', 'parameter', 'parameters']) expect(search(`${p}.lr = '0.1'`)).toEqual(['B']);
    for (const p of ['tag', 'tags']) expect(search(`${p}.mlflow.runName = 'other run'`)).toEqual(['B']);
    for (const p of ['attribute', 'attributes', 'attr', 'run', '`attributes`']) {
      expect(search(`${p}.status = 'RUNNING'`)).toEqual(['B']);
    }
    expect(errorOf(() => search("foo.bar = 'x'")).message).toContain("Invalid entity type 'foo'");
  });

  it('splits the prefix at the first dot only, and accepts quoted keys', () => {
    expect(search('tags."mlflow.runName" = \'hand-run\'')).toEqual(['A']);
    expect(search("tags.`mlflow.runName` = 'hand-run'")).toEqual(['A']);
    expect(search('metrics."my metric" >= 7')).toEqual(['B']);
    expect(search("metrics.'my metric' >= 7")).toEqual(['B']);
  });

  it('maps the attribute aliases', () => {
    expect(search('created > 1700000001000')).toEqual(['B']);
    expect(search('Created < 1700000001000')).toEqual(['A']);
    expect(search('attributes.`run name` = \'other run\'')).toEqual(['B']);
    expect(search('"Run Name" LIKE \'hand%\'')).toEqual(['A']);
  });

  it('parses numeric literals: sign, decimals and exponents', () => {
    expect(search('metrics.loss < 3e-1')).toEqual(['A']);
    expect(search('metrics.loss > -1')).toEqual(['B', 'A']);
    expect(search('metrics.loss>-1E2')).toEqual(['B', 'A']);
    expect(search('metrics.loss < .3')).toEqual(['A']);
    expect(search('metrics.loss = 0.25')).toEqual(['A']);
    expect(search('metrics.loss != 0.25')).toEqual(['B']);
  });

  it('requires integer literals for numeric attributes', () => {
    expect(errorOf(() => search('start_time > 1.5')).message).toContain('integer');
    expect(errorOf(() => search("start_time > '1'")).message).toContain('Expected numeric value type for numeric attribute: start_time');
  });

  it('a run lacking the metric, param or tag does not match, even for !=', () => {
    expect(search('metrics.`my metric` != 1')).toEqual(['B']);
    expect(search("params.missing != 'x'")).toEqual([]);
    expect(search("tags.missing != 'x'")).toEqual([]);
  });

  it('a null end_time does not match numeric comparisons', () => {
    expect(search('end_time > 0')).toEqual(['A']);
    expect(search('end_time != 5')).toEqual(['A']);
  });

  it('run_id IN / NOT IN keep only ids Python calls lower-case', () => {
    expect(search(`run_id IN ('${R_A}', '${R_B}')`)).toEqual(['B', 'A']);
    expect(search(`run_id NOT IN ('${R_A}')`)).toEqual(['B']);
    expect(search(`run_id IN ('${R_A.toUpperCase()}')`)).toEqual([]);
    const digits = makeRun({ id: '01234567890123456789012345678901' });
    expect(searchRuns([digits], { filter: "run_id IN ('01234567890123456789012345678901')" }).items).toEqual([]);
    expect(searchRuns([digits], { filter: "run_id = '01234567890123456789012345678901'" }).items).toEqual([digits]);
    expect(search(`run_id IN ("${R_A}",)`)).toEqual(['A']);
  });

  it('rejects lists anywhere but run_id and dataset keys, and ill-formed lists', () => {
    expect(errorOf(() => search("status IN ('FINISHED')")).message).toContain("Only the 'run_id' attribute");
    expect(errorOf(() => search("params.lr IN ('0.1')")).message).toContain('Expected a quoted string value');
    expect(errorOf(() => search('run_id IN ()')).message).toContain('empty list');
    expect(errorOf(() => search('run_id IN (1, 2)')).message).toContain('expected string values');
    expect(errorOf(() => search("run_id IN ('a',, 'b')")).message).toContain('ill-formed');
    expect(errorOf(() => search("run_id IN ('a'")).code).toBe('INVALID_FILTER');
  });

  it('status is compared with the upper-case names', () => {
    expect(search("status != 'RUNNING'")).toEqual(['A']);
    expect(search("status ILIKE 'finished'")).toEqual(['A']);
  });

  it('rejects comparators that do not fit the entity', () => {
    expect(errorOf(() => search("params.lr > '0'")).message).toContain("Invalid comparator '>'");
    expect(errorOf(() => search('metrics.loss == 1')).message).toContain("Invalid comparator '=='");
    expect(errorOf(() => search("params.lr NOT LIKE '0%'")).message).toContain("Invalid comparator 'NOT LIKE'");
    expect(errorOf(() => search("status > 'A'")).message).toContain("Invalid comparator '>'");
    expect(errorOf(() => search('metrics.loss <> 1')).message).toContain("Invalid comparator '<>'");
  });

  it('rejects unquoted and backticked string values, accepts both quote types', () => {
    expect(errorOf(() => search('params.lr = abc')).message).toContain('abc');
    expect(errorOf(() => search('params.lr = `0.1`')).message).toContain('`0.1`');
    expect(search('params.lr = "0.1"')).toEqual(['B']);
    expect(search("params.lr = '0.1'")).toEqual(['B']);
  });

  it('keeps quoted values raw, as MLflow does (no unescaping)', () => {
    const r = makeRun({ id: R_A, params: { q: "it''s", b: 'a\\b' } });
    expect(searchRuns([r], { filter: "params.q = 'it''s'" }).items).toHaveLength(1);
    expect(searchRuns([r], { filter: "params.b = 'a\\b'" }).items).toHaveLength(1);
  });

  it('reports unterminated quotes and dangling comparisons in one line', () => {
    for (const f of ["params.lr = '0.1", 'metrics.loss >', 'metrics.loss', 'params.lr IS', 'metrics.`x = 1', "metrics.loss > 'a\nb'", 'params.x = abc\ndef']) {
      const e = errorOf(() => search(f));
      expect(e.code).toBe('INVALID_FILTER');
      expect(e.message).not.toContain('\n');
    }
  });

  it('parses clauses to {type, key, comparator, value}', () => {
    expect(parseRunFilter("metrics.loss < 0.3 and tags.`a b` ilike '%x' and run_id in ('ab', 'CD')")).toEqual([
      { type: 'metric', key: 'loss', comparator: '<', value: 0.3 },
      { type: 'tag', key: 'a b', comparator: 'ILIKE', value: '%x' },
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['ab'] },
    ]);
  });

  it('own keys only: a param named like an Object.prototype member', () => {
    expect(search("params.constructor = 'x'")).toEqual([]);
    expect(search('params.toString IS NOT NULL')).toEqual([]);
  });

  it('translates key aliases for every entity, as MLflow does', () => {
    const r = makeRun({ id: R_A, params: { start_time: 'p' } });
    expect(searchRuns([r], { filter: "params.created = 'p'" }).items).toHaveLength(1);
  });
});

describe('LIKE and ILIKE', () => {
  const run = (value: string): Run => makeRun({ id: R_A, tags: { t: value } });
  const matches = (value: string, op: string, pattern: string): boolean =>
    compileRunFilter(`tags.t ${op} '${pattern}'`)(run(value));

  it('_ is one character, % any run, anchored unless the pattern ends or starts with %', () => {
    expect(matches('0.1', 'LIKE', '0_1')).toBe(true);
    expect(matches('0.01', 'LIKE', '0_1')).toBe(false);
    expect(matches('abc', 'LIKE', 'a%')).toBe(true);
    expect(matches('xabc', 'LIKE', 'a%')).toBe(false);
    expect(matches('xabc', 'LIKE', '%bc')).toBe(true);
    expect(matches('xabcx', 'LIKE', '%bc')).toBe(false);
    expect(matches('xabcx', 'LIKE', '%b%')).toBe(true);
    expect(matches('anything', 'LIKE', '%')).toBe(true);
    expect(matches('', 'LIKE', '%')).toBe(true);
    expect(matches('', 'LIKE', '')).toBe(true);
    expect(matches('a', 'LIKE', '')).toBe(false);
  });

  it('is case-sensitive; ILIKE is not', () => {
    expect(matches('Hand-Run', 'LIKE', 'hand%')).toBe(false);
    expect(matches('Hand-Run', 'ILIKE', 'hand%')).toBe(true);
    expect(matches('Hand-Run', 'like', 'Hand%')).toBe(true);
    expect(matches('ÄBC', 'ILIKE', 'äbc')).toBe(true);
  });

  it('treats regex metacharacters in the pattern literally', () => {
    expect(matches('a.c', 'LIKE', 'a.c')).toBe(true);
    expect(matches('abc', 'LIKE', 'a.c')).toBe(false);
    expect(matches('a+', 'LIKE', 'a+')).toBe(true);
    expect(matches('aa', 'LIKE', 'a+')).toBe(false);
    expect(matches('(x)[y]{2}|$^\\/?*', 'LIKE', '(x)[y]{2}|$^\\/?*')).toBe(true);
    expect(matches('x', 'LIKE', '(')).toBe(false);
  });

  it('follows Python re on newlines: % and _ stop at \\n, $ accepts one trailing \\n', () => {
    expect(matches('multi\nline\n', 'LIKE', 'multi%')).toBe(true);
    expect(matches('multi\nline\n', 'LIKE', '%line%')).toBe(false);
    expect(matches('abc\n', 'LIKE', 'abc')).toBe(true);
    expect(matches('a\nc', 'LIKE', 'a_c')).toBe(false);
  });

  it('_ matches one code point, also outside the BMP', () => {
    expect(matches('a😀c', 'LIKE', 'a_c')).toBe(true);
  });
});

describe('IS NULL / IS NOT NULL (3.x, params and tags only)', () => {
  it('selects runs lacking or having the key', () => {
    expect(search('tags.mlflow.runName IS NOT NULL')).toEqual(['B', 'A']);
    expect(search('params.lr IS NULL')).toEqual([]);
    expect(search('params.missing is null')).toEqual(['B', 'A']);
    expect(search("params.missing IS NULL AND params.lr = '0.1'")).toEqual(['B']);
  });

  it('is rejected for metrics, attributes and datasets', () => {
    for (const f of ['metrics.loss IS NULL', 'end_time IS NULL', 'dataset.name IS NOT NULL']) {
      expect(errorOf(() => search(f)).message).toContain('only supported for params and tags');
    }
    expect(errorOf(() => search('params.lr IS 5')).message).toContain('expected NULL');
  });
});

describe('dataset filters', () => {
  const input = (name: string, digest: string, context?: string): DatasetInput => ({
    dataset: { name, digest, sourceType: 'local', source: '{}', schema: null, profile: null },
    tags: context === undefined ? {} : { 'mlflow.data.context': context },
  });
  const d1 = makeRun({ id: 'aaaa', start: 3, inputs: [input('mydata', 'a27a57c9', 'training')] });
  const d2 = makeRun({ id: 'bbbb', start: 2, inputs: [input('mydata', 'ffff0000', 'eval'), input('other', 'abcd')] });
  const d3 = makeRun({ id: 'cccc', start: 1 });
  const runs = [d1, d2, d3];
  const ids = (filter: string): string[] => searchRuns(runs, { filter }).items.map((r) => r.info.runId);

  it('matches when any dataset input matches', () => {
    expect(ids("dataset.context = 'training'")).toEqual(['aaaa']);
    expect(ids("datasets.name = 'other'")).toEqual(['bbbb']);
    expect(ids("dataset.digest LIKE 'a%'")).toEqual(['aaaa', 'bbbb']);
    expect(ids("dataset.name != 'mydata'")).toEqual(['bbbb']);
    expect(ids("dataset.context ILIKE 'EV%'")).toEqual(['bbbb']);
  });

  it('inputs without a context tag never match a context clause; runs without inputs never match', () => {
    expect(ids("dataset.context != 'training'")).toEqual(['bbbb']);
    expect(ids("dataset.name != 'nothing'")).toEqual(['aaaa', 'bbbb']);
  });

  it('supports IN / NOT IN lists (filtered by str.islower like run ids)', () => {
    expect(ids("dataset.name IN ('other', 'x')")).toEqual(['bbbb']);
    expect(ids("dataset.context NOT IN ('training')")).toEqual(['bbbb']);
    expect(ids("dataset.name IN ('MyData')")).toEqual([]);
  });

  it('rejects unknown dataset keys and dataset order_by', () => {
    expect(errorOf(() => ids("dataset.source = 'x'")).message).toContain("Invalid dataset key 'source'");
    expect(errorOf(() => compileRunOrder(['dataset.name'])).code).toBe('INVALID_ORDER_BY');
  });
});

describe('run order_by', () => {
  const order = (runs: Run[], orderBy: string[]): string[] => [...runs].sort(compileRunOrder(orderBy)).map((r) => r.info.runId);
  const m = (id: string, value: number | undefined, start = 0): Run =>
    makeRun({ id, start, metrics: value === undefined ? {} : { m: value } });
  const runs = [m('nan', NaN), m('none', undefined), m('two', 2), m('inf', Infinity), m('one', 1), m('ninf', -Infinity)];

  it('ASC: real values ascending, then NaN, then missing', () => {
    expect(order(runs, ['metrics.m'])).toEqual(['ninf', 'one', 'two', 'inf', 'nan', 'none']);
    expect(order(runs, ['metrics.m asc'])).toEqual(['ninf', 'one', 'two', 'inf', 'nan', 'none']);
  });

  it('DESC: real values descending, then NaN, then missing', () => {
    expect(order(runs, ['metrics.m DESC'])).toEqual(['inf', 'two', 'one', 'ninf', 'nan', 'none']);
  });

  it('applies clauses lexicographically, ending with start_time DESC, run_id ASC', () => {
    const rs = [
      makeRun({ id: 'c', start: 5, params: { p: 'x' } }),
      makeRun({ id: 'b', start: 5, params: { p: 'x' } }),
      makeRun({ id: 'a', start: 1, params: { p: 'x' } }),
      makeRun({ id: 'd', start: 9, params: { p: 'y' } }),
      makeRun({ id: 'e', start: 9 }),
    ];
    expect(order(rs, ['params.p'])).toEqual(['b', 'c', 'a', 'd', 'e']);
    expect(order(rs, ['params.p DESC'])).toEqual(['d', 'b', 'c', 'a', 'e']);
    expect(order(rs, [])).toEqual(['d', 'e', 'b', 'c', 'a']);
    expect(order(rs, ['params.p DESC', 'attributes.run_id DESC'])).toEqual(['d', 'c', 'b', 'a', 'e']);
  });

  it('orders by attributes, including missing end_time and run_name, and the created alias', () => {
    const rs = [
      makeRun({ id: 'x', start: 2, end: 10, name: 'beta' }),
      makeRun({ id: 'y', start: 3, end: null, name: null }),
      makeRun({ id: 'z', start: 1, end: 5, name: 'alpha' }),
    ];
    expect(order(rs, ['end_time'])).toEqual(['z', 'x', 'y']);
    expect(order(rs, ['end_time DESC'])).toEqual(['x', 'z', 'y']);
    expect(order(rs, ['attribute.run_name DESC'])).toEqual(['x', 'z', 'y']);
    expect(order(rs, ['created'])).toEqual(['z', 'x', 'y']);
    expect(order(rs, ['`metrics`.`my metric` DESC'])).toEqual(['y', 'x', 'z']);
  });

  it('compares strings by code point, like Python', () => {
    const rs = [makeRun({ id: 'p', params: { s: '\uff61' } }), makeRun({ id: 'q', params: { s: '😀' } })];
    expect(order(rs, ['params.s'])).toEqual(['p', 'q']);
  });

  it('rejects bad clauses with INVALID_ORDER_BY', () => {
    for (const bad of ['', 'metrics.m UP', 'metrics.m ASC DESC', 'lifecycle_stage', '`Run name`', 'foo.bar', "'metrics.m'", 'metrics.m, params.p']) {
      const e = errorOf(() => compileRunOrder([bad]));
      expect(e.code, bad).toBe('INVALID_ORDER_BY');
      expect(e.message).not.toContain('\n');
    }
  });

  it('orders with bigint steps present without trouble', () => {
    const big = makeRun({ id: 'big', metrics: { m: 3 }, steps: { m: 2n ** 62n } });
    expect(order([...runs, big], ['metrics.m DESC']).slice(0, 3)).toEqual(['inf', 'big', 'two']);
    expect(searchRuns([big], { filter: 'metrics.m = 3' }).items).toEqual([big]);
  });
});

describe('searchRuns view type', () => {
  const live = makeRun({ id: 'live', start: 2 });
  const gone = makeRun({ id: 'gone', start: 1, deleted: true });
  const ids = (viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'): string[] =>
    searchRuns([live, gone], viewType ? { viewType } : {}).items.map((r) => r.info.runId);

  it('defaults to ACTIVE_ONLY and honours DELETED_ONLY and ALL', () => {
    expect(ids()).toEqual(['live']);
    expect(ids('ACTIVE_ONLY')).toEqual(['live']);
    expect(ids('DELETED_ONLY')).toEqual(['gone']);
    expect(ids('ALL')).toEqual(['live', 'gone']);
  });
});
