import { describe, it, expect } from 'vitest';
import type { Experiment } from '../../../src/format/entities.js';
import { isMltrackError } from '../../../src/format/errors.js';
import {
  compileExperimentFilter,
  compileExperimentOrder,
  decodePageToken,
  parseExperimentFilter,
  searchExperiments,
} from '../../../src/format/search/index.js';

function exp(id: string, name: string, creationTime: number | null, tags: Record<string, string> = {}, lastUpdateTime = creationTime): Experiment {
  return {
    experimentId: id,
    name,
    artifactLocation: `file:///tmp/mlruns/${id}`,
    lifecycleStage: 'active',
    creationTime,
    lastUpdateTime,
    tags,
  };
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

const handmade = exp('123', 'handmade', 1700000000000, { team: 'v1' });
const dflt = exp('0', 'Default', 1600000000000);
const exps = [dflt, handmade];
const ids = (filter?: string, orderBy?: string[]): string[] =>
  searchExperiments(exps, { filter, orderBy }).items.map((e) => e.experimentId);

describe('spec 14 case 20: experiment search', () => {
  it("name = 'handmade' AND tags.team = 'v1' -> match", () => {
    expect(ids("name = 'handmade' AND tags.team = 'v1'")).toEqual(['123']);
  });

  it("experiment_id = '123' -> error", () => {
    const e = errorOf(() => ids("experiment_id = '123'"));
    expect(e.code).toBe('INVALID_FILTER');
    expect(e.message).toContain("Invalid attribute key 'experiment_id'");
  });

  it('order_by ["tags.team"] -> error', () => {
    const e = errorOf(() => ids(undefined, ['tags.team']));
    expect(e.code).toBe('INVALID_ORDER_BY');
    expect(e.message).toContain('Invalid order_by entity: tag');
  });

  it('max_results=1 over 2 experiments -> next_page_token "eyJvZmZzZXQiOiAxfQ=="', () => {
    const page = searchExperiments(exps, { maxResults: 1 });
    expect(page.items.map((e) => e.experimentId)).toEqual(['123']);
    expect(page.nextPageToken).toBe('eyJvZmZzZXQiOiAxfQ==');
    expect(decodePageToken(page.nextPageToken!)).toBe(1);
    const next = searchExperiments(exps, { maxResults: 1, pageToken: page.nextPageToken });
    expect(next.items.map((e) => e.experimentId)).toEqual(['0']);
    expect(next.nextPageToken).toBeNull();
  });
});

describe('experiment filters', () => {
  it('filters on name with LIKE / ILIKE / !=', () => {
    expect(ids("name LIKE 'hand%'")).toEqual(['123']);
    expect(ids("name ILIKE 'DEF%'")).toEqual(['0']);
    expect(ids("attribute.name != 'Default'")).toEqual(['123']);
    expect(ids('name = "Default"')).toEqual(['0']);
  });

  it('filters on creation_time and last_update_time, int or float literals', () => {
    expect(ids('creation_time > 1650000000000')).toEqual(['123']);
    expect(ids('last_update_time <= 1.6e12')).toEqual(['0']);
  });

  it('experiments without a timestamp do not match numeric comparisons', () => {
    const old = exp('7', 'old', null);
    expect(searchExperiments([old], { filter: 'creation_time > 0' }).items).toEqual([]);
    expect(searchExperiments([old], { filter: 'creation_time != 0' }).items).toEqual([]);
  });

  it('tags: tag/tags prefixes, missing tags never match, IS NULL / IS NOT NULL', () => {
    expect(ids("tag.team = 'v1'")).toEqual(['123']);
    expect(ids("tags.team != 'v2'")).toEqual(['123']);
    expect(ids('tags.team IS NULL')).toEqual(['0']);
    expect(ids('tags.team IS NOT NULL')).toEqual(['123']);
    expect(ids("tags.`team` LIKE 'v%'")).toEqual(['123']);
  });

  it('accepts only attribute, tag and tags prefixes', () => {
    for (const p of ['attributes', 'attr', 'run', 'params', 'metrics', '`tags`']) {
      const e = errorOf(() => ids(`${p}.name = 'x'`));
      expect(e.code).toBe('INVALID_FILTER');
      expect(e.message).toContain('Invalid entity type');
    }
  });

  it('rejects bad values and comparators', () => {
    expect(errorOf(() => ids("creation_time > '1'")).message).toContain('Expected numeric value type');
    expect(errorOf(() => ids('name = 5')).message).toContain('Expected a quoted string value');
    expect(errorOf(() => ids("name IN ('a')")).message).toContain('list');
    expect(errorOf(() => ids("name > 'a'")).message).toContain("Invalid comparator '>'");
    expect(errorOf(() => ids('creation_time LIKE 1')).message).toContain("Invalid comparator 'LIKE'");
    expect(errorOf(() => ids('name IS NULL')).message).toContain('only supported for tags');
    expect(errorOf(() => ids("name = 'a' OR name = 'b'")).message).toMatch(/^Invalid clause\(s\) in filter string: 'OR'/);
  });

  it('compiles to a predicate and parses to clauses', () => {
    expect(compileExperimentFilter("tags.team = 'v1'")(handmade)).toBe(true);
    expect(compileExperimentFilter(undefined)(dflt)).toBe(true);
    expect(parseExperimentFilter('tags."a.b" = \'x\' AND creation_time >= 5')).toEqual([
      { type: 'tag', key: 'a.b', comparator: '=', value: 'x' },
      { type: 'attribute', key: 'creation_time', comparator: '>=', value: 5 },
    ]);
  });
});

describe('experiment order_by', () => {
  const a = exp('10', 'b', 5);
  const b = exp('9', 'a', 5);
  const c = exp('100', 'c', null);
  const d = exp('2', 'a', 7);
  const sorted = (orderBy?: string[]): string[] => [a, b, c, d].sort(compileExperimentOrder(orderBy)).map((e) => e.experimentId);

  it('defaults to creation_time DESC, experiment_id ASC (string order), missing times last', () => {
    expect(sorted()).toEqual(['2', '10', '9', '100']);
    expect(sorted([])).toEqual(['2', '10', '9', '100']);
  });

  it('appends experiment_id DESC as the tie-breaker when experiment_id is not named', () => {
    expect(sorted(['name'])).toEqual(['9', '2', '10', '100']);
    expect(sorted(['creation_time'])).toEqual(['9', '10', '2', '100']);
    expect(sorted(['creation_time', 'experiment_id'])).toEqual(['10', '9', '2', '100']);
  });

  it('keeps missing values last in both directions', () => {
    expect(sorted(['creation_time DESC'])).toEqual(['2', '9', '10', '100']);
  });

  it('orders experiment_id as a string', () => {
    expect(sorted(['experiment_id'])).toEqual(['10', '100', '2', '9']);
    expect(sorted(['attribute.experiment_id DESC'])).toEqual(['9', '2', '100', '10']);
  });

  it('rejects keys outside name, experiment_id, creation_time, last_update_time', () => {
    for (const bad of ['lifecycle_stage', 'tags.team', 'metrics.x', 'name sideways']) {
      expect(errorOf(() => sorted([bad])).code).toBe('INVALID_ORDER_BY');
    }
  });
});
