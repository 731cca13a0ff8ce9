/**
 * The runs index (columns) as MLflow `Run` objects, so the browser filters and sorts with the CLI's
 * own search code (src/format/search): `compileRunFilter`, `compileRunOrder`.
 */
import type { DatasetInput, Metric, Run, RunStatus, ViewType } from '../../../src/format/entities.js';
import { compileRunFilter, compileRunOrder } from '../../../src/format/search/index.js';
import { metricValueFromJson, stepFromJson, type RunsIndex, type SiteExperiment } from '../../../src/site/siteFormat.js';

const CONTEXT_TAG = 'mlflow.data.context';

/** Runs of an index. Metric timestamps are not in the index (0 here); run pages load them. */
export function indexToRuns(index: RunsIndex, experiment: Pick<SiteExperiment, 'artifactLocation'>): Run[] {
  const runs: Run[] = new Array(index.count);
  const root = experiment.artifactLocation.replace(/\/+$/, '');
  const metricKeys = Object.keys(index.metrics);
  const paramKeys = Object.keys(index.params);
  const tagKeys = Object.keys(index.tags);
  for (let i = 0; i < index.count; i++) {
    const runId = index.runId[i]!;
    const metrics: Record<string, Metric> = {};
    for (const key of metricKeys) {
      const col = index.metrics[key]!;
      const v = col.value[i];
      if (v === null || v === undefined) continue;
      metrics[key] = { key, value: metricValueFromJson(v), timestamp: 0, step: stepFromJson(col.step[i] ?? 0) };
    }
    const params: Record<string, string> = {};
    for (const key of paramKeys) {
      const v = index.params[key]![i];
      if (v !== null && v !== undefined) params[key] = v;
    }
    const tags: Record<string, string> = {};
    for (const key of tagKeys) {
      const v = index.tags[key]![i];
      if (v !== null && v !== undefined) tags[key] = v;
    }
    const inputs: DatasetInput[] = (index.datasets[i] ?? []).map(([name, digest, context]) => ({
      dataset: { name, digest, sourceType: '', source: '', schema: null, profile: null },
      tags: (context === null ? {} : { [CONTEXT_TAG]: context }) as Record<string, string>,
    }));
    runs[i] = {
      info: {
        runId,
        runName: index.runName[i] ?? null,
        experimentId: index.experimentId,
        userId: index.userId[i] ?? '',
        status: index.status[i] as RunStatus,
        startTime: index.startTime[i]!,
        endTime: index.endTime[i] ?? null,
        artifactUri: index.artifactUri[i] ?? `${root}/${runId}/artifacts`,
        lifecycleStage: index.lifecycleStage[i] === 'deleted' ? 'deleted' : 'active',
      },
      data: { metrics, params, tags },
      inputs,
    };
  }
  return runs;
}

export interface RunQuery {
  filter: string;
  order: string[];
  view: ViewType;
}

export interface QueryResult {
  runs: Run[];
  /** The filter's error, if it does not parse (the runs are then unfiltered). */
  filterError: string | null;
  orderError: string | null;
}

/** Filter and sort with MLflow's semantics; a bad filter or order is reported, not thrown. */
export function queryRuns(all: readonly Run[], query: RunQuery): QueryResult {
  let filterError: string | null = null;
  let orderError: string | null = null;
  let matches: (run: Run) => boolean = () => true;
  try {
    matches = compileRunFilter(query.filter.trim() || undefined);
  } catch (err) {
    filterError = (err as Error).message;
  }
  let order: (a: Run, b: Run) => number;
  try {
    order = compileRunOrder(query.order.length ? query.order : undefined);
  } catch (err) {
    orderError = (err as Error).message;
    order = compileRunOrder(undefined);
  }
  const inView = query.view === 'ALL' ? () => true : query.view === 'DELETED_ONLY' ? (r: Run) => r.info.lifecycleStage === 'deleted' : (r: Run) => r.info.lifecycleStage === 'active';
  const runs = all.filter((r) => inView(r) && matches(r));
  runs.sort(order);
  return { runs, filterError, orderError };
}

/** A key as an order_by / filter identifier: backquoted unless it is a plain name. */
export function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? key : '`' + key.replace(/`/g, '') + '`';
}

export type ColumnKind = 'attributes' | 'metrics' | 'params' | 'tags';

export interface ColumnId {
  kind: ColumnKind;
  key: string;
}

/** `metrics.val loss` → { kind: 'metrics', key: 'val loss' }; null for an unknown prefix. */
export function parseColumnId(id: string): ColumnId | null {
  const dot = id.indexOf('.');
  if (dot < 0) return null;
  const kind = id.slice(0, dot);
  if (kind !== 'attributes' && kind !== 'metrics' && kind !== 'params' && kind !== 'tags') return null;
  return { kind, key: id.slice(dot + 1) };
}

/** The order_by term for sorting by a column, or null when MLflow cannot sort by it. */
export function orderTerm(column: ColumnId, descending: boolean): string | null {
  const dir = descending ? 'DESC' : 'ASC';
  if (column.kind === 'attributes') {
    const attr: Record<string, string> = { run_name: 'attributes.run_name', status: 'attributes.status', start_time: 'attributes.start_time', end_time: 'attributes.end_time', user_id: 'attributes.user_id' };
    return attr[column.key] ? `${attr[column.key]} ${dir}` : null;
  }
  return `${column.kind}.${quoteKey(column.key)} ${dir}`;
}

/** Which column an order_by term sorts and in which direction (for the header's aria-sort). */
export function parseOrderTerm(term: string): { id: string; descending: boolean } | null {
  const m = /^\s*(attributes|attribute|attr|run|metrics|metric|params|param|parameters|parameter|tags|tag)\.(`[^`]*`|"[^"]*"|\S+)\s*(ASC|DESC)?\s*$/i.exec(term);
  if (!m) return null;
  const prefix = m[1]!.toLowerCase();
  const kind = prefix.startsWith('metric') ? 'metrics' : prefix.startsWith('param') ? 'params' : prefix.startsWith('tag') ? 'tags' : 'attributes';
  const key = m[2]!.replace(/^[`"]|[`"]$/g, '');
  return { id: `${kind}.${key}`, descending: (m[3] ?? 'ASC').toUpperCase() === 'DESC' };
}
