/**
 * The runs index (columns) as MLflow `Run` objects, so the browser filters and sorts with the CLI's
 * own search code (src/format/search): `compileRunFilter`, `compileRunOrder`.
 */
import type { DatasetInput, Metric, Run, RunStatus, ViewType } from '../../../src/format/entities.js';
import { compileRunFilter, compileRunOrder } from '../../../src/format/search/index.js';
import { metricValueFromJson, stepFromJson, type RunsIndex, type SiteExperiment } from '../../../src/format/siteFormat.js';

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

/**
 * The UI's own sort key beyond MLflow's order_by: `attributes.duration` (end − start; runs without
 * an end sort last, as missing values do). It is sorted as a metric under a name no metric has.
 */
export const DURATION_ORDER = /^\s*attributes\.duration(?:\s+(ASC|DESC))?\s*$/i;
const DURATION_KEY = 'duration (end - start) of the mltrack ui';

function durationAsMetric(order: string[], runs: readonly Run[]): { order: string[]; runs: readonly Run[]; back: Map<Run, Run> | null } {
  if (!order.some((o) => DURATION_ORDER.test(o))) return { order, runs, back: null };
  const back = new Map<Run, Run>();
  const withDuration = runs.map((r) => {
    const metrics = { ...r.data.metrics };
    if (r.info.endTime !== null) metrics[DURATION_KEY] = { key: DURATION_KEY, value: r.info.endTime - r.info.startTime, timestamp: 0, step: 0 };
    const copy: Run = { ...r, data: { ...r.data, metrics } };
    back.set(copy, r);
    return copy;
  });
  const rewritten = order.map((o) => {
    const m = DURATION_ORDER.exec(o);
    return m ? `metrics.\`${DURATION_KEY}\` ${(m[1] ?? 'ASC').toUpperCase()}` : o;
  });
  return { order: rewritten, runs: withDuration, back };
}

/**
 * Filter and sort with MLflow's semantics; a bad filter or order is reported, not thrown. A filter
 * that does not parse matches nothing (the table empties rather than showing stale rows).
 */
export function queryRuns(all: readonly Run[], query: RunQuery): QueryResult {
  let filterError: string | null = null;
  let orderError: string | null = null;
  let matches: (run: Run) => boolean = () => true;
  try {
    matches = compileRunFilter(query.filter.trim() || undefined);
  } catch (err) {
    filterError = (err as Error).message;
  }
  if (filterError !== null) return { runs: [], filterError, orderError: null };
  const sortable = durationAsMetric(query.order, all);
  let order: (a: Run, b: Run) => number;
  try {
    order = compileRunOrder(sortable.order.length ? sortable.order : undefined);
  } catch (err) {
    orderError = (err as Error).message;
    order = compileRunOrder(undefined);
  }
  const inView = query.view === 'ALL' ? () => true : query.view === 'DELETED_ONLY' ? (r: Run) => r.info.lifecycleStage === 'deleted' : (r: Run) => r.info.lifecycleStage === 'active';
  let runs = sortable.runs.filter((r) => inView(r) && matches(r));
  runs.sort(order);
  if (sortable.back) runs = runs.map((r) => sortable.back!.get(r)!);
  return { runs, filterError, orderError };
}

/** A row of the runs table: a run, how deep it is nested, and its children in view. */
export interface TableRow {
  run: Run;
  depth: number;
  /** Child runs (tag `mlflow.parentRunId`) among the runs shown. */
  children: number;
  expanded: boolean;
}

export const PARENT_TAG = 'mlflow.parentRunId';

/**
 * Nests child runs under their parent, as MLflow's table does: a run whose parent is among `runs`
 * follows it (in the same order as sorted), one level deeper; a run whose parent is not shown stays
 * at the top level. Children of a collapsed parent are left out. Cycles (bad data) are broken.
 */
export function nestRuns(runs: readonly Run[], expanded: ReadonlySet<string>): TableRow[] {
  const ids = new Set(runs.map((r) => r.info.runId));
  const children = new Map<string, Run[]>();
  const roots: Run[] = [];
  for (const run of runs) {
    const parent = run.data.tags[PARENT_TAG];
    if (parent && parent !== run.info.runId && ids.has(parent)) {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(run);
    } else roots.push(run);
  }
  const rows: TableRow[] = [];
  const placed = new Set<string>();
  const visit = (run: Run, depth: number, visible: boolean) => {
    if (placed.has(run.info.runId)) return;
    placed.add(run.info.runId);
    const kids = children.get(run.info.runId) ?? [];
    const open = expanded.has(run.info.runId);
    if (visible) rows.push({ run, depth, children: kids.length, expanded: open });
    for (const kid of kids) visit(kid, depth + 1, visible && open);
  };
  for (const run of roots) visit(run, 0, true);
  // Runs in a parent cycle have no root: show them at the top level.
  for (const run of runs) if (!placed.has(run.info.runId)) visit(run, 0, true);
  return rows;
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
  if (column.kind === 'attributes' && column.key === 'duration') return `attributes.duration ${dir}`;
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
