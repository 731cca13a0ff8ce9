import { describe, it, expect } from 'vitest';
import { isMltrackError } from '../../../src/format/errors.js';
import {
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelOrder,
  parseModelVersionFilter,
  searchModelVersions,
  searchRegisteredModels,
  type SearchableModelVersion,
  type SearchableRegisteredModel,
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

const rm = (name: string, created: number, updated: number, tags: Record<string, string> = {}): SearchableRegisteredModel => ({
  name,
  creationTimestamp: created,
  lastUpdatedTimestamp: updated,
  tags,
});

const models = [
  rm('zeta', 3, 30, { team: 'a' }),
  rm('alpha', 2, 50),
  rm('Beta', 1, 40, { team: 'b' }),
  rm('alphabet', 4, 50, { 'mlflow.prompt.is_prompt': 'true' }),
];
const modelNames = (filter?: string, orderBy?: string[]): string[] =>
  searchRegisteredModels(models, { filter, orderBy }).items.map((m) => m.name);

describe('search_registered_models', () => {
  it('defaults to name ASC (code point order)', () => {
    expect(modelNames()).toEqual(['Beta', 'alpha', 'alphabet', 'zeta']);
  });

  it('filters on name with =, !=, LIKE, ILIKE', () => {
    expect(modelNames("name = 'alpha'")).toEqual(['alpha']);
    expect(modelNames("name != 'alpha'")).toEqual(['Beta', 'alphabet', 'zeta']);
    expect(modelNames("name LIKE 'alpha%'")).toEqual(['alpha', 'alphabet']);
    expect(modelNames("name LIKE '%ta'")).toEqual(['Beta', 'zeta']);
    expect(modelNames("name ILIKE 'b%'")).toEqual(['Beta']);
    expect(modelNames("attribute.name = 'zeta'")).toEqual(['zeta']);
  });

  it('filters on tags; a missing tag never matches', () => {
    expect(modelNames("tags.team = 'a'")).toEqual(['zeta']);
    expect(modelNames("tag.team != 'a'")).toEqual(['Beta']);
    expect(modelNames("tags.team LIKE '%' AND name LIKE '%a'")).toEqual(['Beta', 'zeta']);
  });

  it("treats the 3.x prompt tag as 'false' when absent", () => {
    expect(modelNames("tags.`mlflow.prompt.is_prompt` != 'true'")).toEqual(['Beta', 'alpha', 'zeta']);
    expect(modelNames("tags.`mlflow.prompt.is_prompt` = 'false'")).toEqual(['Beta', 'alpha', 'zeta']);
    expect(modelNames("tags.`mlflow.prompt.is_prompt` = 'true'")).toEqual(['alphabet']);
  });

  it('orders by creation_timestamp / last_updated_timestamp with name ASC as tie-breaker', () => {
    expect(modelNames(undefined, ['creation_timestamp DESC'])).toEqual(['alphabet', 'zeta', 'alpha', 'Beta']);
    expect(modelNames(undefined, ['last_updated_timestamp DESC'])).toEqual(['alpha', 'alphabet', 'Beta', 'zeta']);
    expect(modelNames(undefined, ['name DESC'])).toEqual(['zeta', 'alphabet', 'alpha', 'Beta']);
  });

  it('rejects other keys, prefixes and comparators', () => {
    expect(errorOf(() => modelNames("description = 'x'")).message).toContain("Invalid attribute key 'description'");
    expect(errorOf(() => modelNames("`name` = 'x'")).message).toContain("Invalid attribute key '`name`'");
    expect(errorOf(() => modelNames("params.x = 'y'")).message).toContain('Invalid entity type');
    expect(errorOf(() => modelNames("name > 'a'")).message).toContain("Invalid comparator '>'");
    expect(errorOf(() => modelNames("name IN ('a')")).message).toContain("Only the 'run_id' attribute");
    expect(errorOf(() => modelNames('tags.team IS NULL')).message).toContain('not supported');
    expect(errorOf(() => modelNames(undefined, ['tags.team'])).code).toBe('INVALID_ORDER_BY');
    expect(errorOf(() => modelNames(undefined, ['timestamp'])).code).toBe('INVALID_ORDER_BY');
    expect(errorOf(() => compileRegisteredModelOrder(['version_number'])).code).toBe('INVALID_ORDER_BY');
  });

  it('paginates', () => {
    const p1 = searchRegisteredModels(models, { maxResults: 3 });
    expect(p1.items.map((m) => m.name)).toEqual(['Beta', 'alpha', 'alphabet']);
    const p2 = searchRegisteredModels(models, { maxResults: 3, pageToken: p1.nextPageToken });
    expect(p2.items.map((m) => m.name)).toEqual(['zeta']);
    expect(p2.nextPageToken).toBeNull();
  });
});

const RUN1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const RUN2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const mv = (
  name: string,
  version: number,
  updated: number,
  runId: string | null,
  extra: Partial<SearchableModelVersion> = {},
): SearchableModelVersion => ({
  name,
  version,
  source: `file:///models/${name}/${version}`,
  runId,
  currentStage: 'None',
  creationTimestamp: version,
  lastUpdatedTimestamp: updated,
  tags: {},
  ...extra,
});

const versions = [
  mv('M', 1, 10, RUN1, { tags: { env: 'prod' } }),
  mv('M', 2, 20, RUN2),
  mv('M', 3, 20, null, { currentStage: 'Deleted_Internal' }),
  mv('N', 1, 20, RUN1, { source: 's3://bucket/n1' }),
  mv('N', 2, 5, null),
];
const vs = (filter?: string, orderBy?: string[]): string[] =>
  searchModelVersions(versions, { filter, orderBy }).items.map((v) => `${v.name}/${v.version}`);

describe('search_model_versions', () => {
  it('defaults to last_updated_timestamp DESC, name ASC, version_number DESC and excludes Deleted_Internal', () => {
    expect(vs()).toEqual(['M/2', 'N/1', 'M/1', 'N/2']);
  });

  it('Deleted_Internal versions never match, whatever the filter', () => {
    expect(vs("name = 'M'")).toEqual(['M/2', 'M/1']);
    expect(vs('version_number = 3')).toEqual([]);
    expect(compileModelVersionFilter(undefined)(versions[2]!)).toBe(false);
  });

  it('filters on version_number numerically; quoted digits work and floats truncate, like MLflow', () => {
    expect(vs('version_number = 1')).toEqual(['N/1', 'M/1']);
    expect(vs('version_number > 1')).toEqual(['M/2', 'N/2']);
    expect(vs("version_number = '2'")).toEqual(['M/2', 'N/2']);
    expect(vs('version_number = 1.9')).toEqual(['N/1', 'M/1']);
    expect(errorOf(() => vs("version_number = 'two'")).message).toContain('integer');
  });

  it('filters on run_id with =, IN and LIKE; a version without a run never matches', () => {
    expect(vs(`run_id = '${RUN1}'`)).toEqual(['N/1', 'M/1']);
    expect(vs(`run_id IN ('${RUN2}', '${RUN1.toUpperCase()}')`)).toEqual(['M/2']);
    expect(vs(`run_id != '${RUN1}'`)).toEqual(['M/2']);
    expect(vs("run_id LIKE 'a%'")).toEqual(['N/1', 'M/1']);
    expect(errorOf(() => vs(`run_id NOT IN ('${RUN1}')`)).message).toContain("Invalid comparator 'NOT IN'");
  });

  it('filters on source_path (compared with source) and tags', () => {
    expect(vs("source_path LIKE 's3://%'")).toEqual(['N/1']);
    expect(vs("tags.env = 'prod'")).toEqual(['M/1']);
    expect(vs("name = 'M' AND tags.env != 'prod'")).toEqual([]);
  });

  it('rejects bad keys, values and comparators', () => {
    expect(errorOf(() => vs("version = '1'")).message).toContain("Invalid attribute key 'version'");
    expect(errorOf(() => vs('name = 5')).message).toContain('numeric values');
    expect(errorOf(() => vs("name IN ('M')")).message).toContain("Only the 'run_id' attribute");
    expect(errorOf(() => vs("version_number LIKE '1'")).message).toContain("Invalid comparator 'LIKE'");
    expect(errorOf(() => vs("name < 'M'")).message).toContain("Invalid comparator '<'");
    expect(errorOf(() => vs('tags.env = 1')).message).toContain('Expected a quoted string value');
  });

  it('orders by the allowed keys with name ASC then version_number DESC as tie-breakers', () => {
    expect(vs(undefined, ['version_number'])).toEqual(['M/1', 'N/1', 'M/2', 'N/2']);
    expect(vs(undefined, ['creation_timestamp DESC'])).toEqual(['M/2', 'N/2', 'M/1', 'N/1']);
    expect(vs(undefined, ['name DESC'])).toEqual(['N/2', 'N/1', 'M/2', 'M/1']);
    expect(errorOf(() => compileModelVersionOrder(['run_id'])).code).toBe('INVALID_ORDER_BY');
  });

  it('parses clauses', () => {
    expect(parseModelVersionFilter(`name = 'M' and run_id in ('${RUN1}') and version_number >= 2`)).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'M' },
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: [RUN1] },
      { type: 'attribute', key: 'version_number', comparator: '>=', value: 2 },
    ]);
  });
});
