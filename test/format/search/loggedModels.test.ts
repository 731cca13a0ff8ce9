/** search_logged_models as MLflow's SearchLoggedModelsUtils: clauses, datasets, order_by objects, tie-breakers. */
import { describe, expect, it } from 'vitest';
import { isMltrackError } from '../../../src/format/errors.js';
import { searchLoggedModels, type SearchableLoggedModel } from '../../../src/format/search/index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isMltrackError(e)) return e.code;
    throw e;
  }
  throw new Error('expected an error');
}

type Point = { value: number; timestamp: number; datasetName?: string; datasetDigest?: string };
const model = (modelId: string, created: number, extra: Partial<SearchableLoggedModel> = {}, metrics: Record<string, Point[]> = {}): SearchableLoggedModel => ({
  modelId, name: modelId, modelType: null, status: 'READY', sourceRunId: null, creationTimestamp: created, lastUpdatedTimestamp: created, tags: {}, params: {}, metrics, ...extra,
});

const models = [
  model('m-a', 10, { tags: { team: 'Growth' }, modelType: 'tree' }, { auc: [{ value: 0.7, timestamp: 1 }, { value: 0.99, timestamp: 5 }] }),
  model('m-b', 20, { params: { alpha: '1' }, status: 'PENDING' }, { auc: [{ value: 0.9, timestamp: 1, datasetName: 'eval', datasetDigest: 'x' }] }),
  model('m-c', 20, {}, {}),
];
const ids = (options: Parameters<typeof searchLoggedModels>[1]) => searchLoggedModels(models, options).items.map((m) => m.modelId);

describe('searchLoggedModels', () => {
  it('orders newest first, then by model id, by default', () => {
    expect(ids({})).toEqual(['m-b', 'm-c', 'm-a']);
  });

  it('filters attributes (with the creation_time alias), params and tags, IS NULL, ILIKE', () => {
    expect(ids({ filter: 'creation_time < 15' })).toEqual(['m-a']);
    expect(ids({ filter: "status != 'READY'" })).toEqual(['m-b']);
    expect(ids({ filter: "model_id IN ('m-a', 'm-c')" })).toEqual(['m-c', 'm-a']);
    expect(ids({ filter: 'params.alpha IS NULL' })).toEqual(['m-c', 'm-a']);
    expect(ids({ filter: "tags.team ILIKE 'growth'" })).toEqual(['m-a']);
    // A missing attribute never matches, even with !=, as in MLflow.
    expect(ids({ filter: "model_type != 'linear'" })).toEqual(['m-a']);
  });

  it('compares a metric by its first value, on the datasets when given', () => {
    expect(ids({ filter: 'metrics.auc < 0.8' })).toEqual(['m-a']);
    expect(ids({ filter: 'metrics.auc > 0.5', datasets: [{ dataset_name: 'eval' }] })).toEqual(['m-b']);
    expect(ids({ datasets: [{ dataset_name: 'eval', dataset_digest: 'other' }] })).toEqual([]);
  });

  it('orders by the latest metric value, missing last both ways', () => {
    expect(ids({ orderBy: [{ field_name: 'metrics.auc' }] })).toEqual(['m-b', 'm-a', 'm-c']);
    expect(ids({ orderBy: [{ field_name: 'metrics.auc', ascending: false }] })).toEqual(['m-a', 'm-b', 'm-c']);
    expect(ids({ orderBy: [{ field_name: 'metrics.auc', dataset_name: 'eval' }] })).toEqual(['m-b', 'm-c', 'm-a']);
  });

  it('pages with offset tokens', () => {
    const first = searchLoggedModels(models, { maxResults: 2 });
    expect(first.items.map((m) => m.modelId)).toEqual(['m-b', 'm-c']);
    const rest = searchLoggedModels(models, { maxResults: 2, pageToken: first.nextPageToken });
    expect([rest.items.map((m) => m.modelId), rest.nextPageToken]).toEqual([['m-a'], null]);
  });

  it('refuses what MLflow refuses, with stable codes', () => {
    expect(codeOf(() => ids({ filter: "flavor = 'x'" }))).toBe('INVALID_FILTER');
    expect(codeOf(() => ids({ filter: 'creation_timestamp > 1.5' }))).toBe('INVALID_FILTER');
    expect(codeOf(() => ids({ filter: "metrics.auc = 'high'" }))).toBe('INVALID_FILTER');
    expect(codeOf(() => ids({ orderBy: [{ field_name: 'tags.team' }] }))).toBe('INVALID_ORDER_BY');
    expect(codeOf(() => ids({ orderBy: [{ field_name: 'name', ascending: 'yes' as never }] }))).toBe('INVALID_ORDER_BY');
    expect(codeOf(() => ids({ pageToken: '%%%' }))).toBe('INVALID_PAGE_TOKEN');
    expect(codeOf(() => ids({ datasets: [{ dataset_name: '' }] }))).toBe('INVALID_ARGUMENT');
  });
});
