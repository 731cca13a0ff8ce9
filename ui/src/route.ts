/**
 * Deep links: every page's state lives in the URL hash (`#/experiments/1?filter=...&order=...`), so
 * reloading or sharing a link restores the same view. Hash routing works on any static host and
 * from any sub-path. `parseRoute` and `formatRoute` round-trip.
 */
import type { ViewType } from '../../src/format/entities.js';

export type XAxis = 'step' | 'relative' | 'wall';

/** How metric charts are drawn. */
export interface ChartOptions {
  x: XAxis;
  log: boolean;
  /** Exponential moving average weight, 0 (off) to 0.99. */
  smoothing: number;
}

export const DEFAULT_CHART: ChartOptions = { x: 'step', log: false, smoothing: 0 };

export type RunTab = 'overview' | 'metrics' | 'artifacts' | 'history';

export type Route =
  | { page: 'experiments' }
  | {
      page: 'runs';
      experimentId: string;
      filter: string;
      order: string[];
      /** Column ids (`metrics.loss`, `params.lr`, `tags.team`, `attributes.status`); null: the default choice. */
      columns: string[] | null;
      selected: string[];
      view: ViewType;
    }
  | { page: 'run'; runId: string; tab: RunTab; metrics: string[]; artifact: string | null; chart: ChartOptions }
  | { page: 'compare'; runIds: string[]; metrics: string[]; chart: ChartOptions; scatterX: string | null; scatterY: string | null; colourBy: string | null }
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'history'; filter: string }
  | { page: 'not-found'; path: string };

const TABS: RunTab[] = ['overview', 'metrics', 'artifacts', 'history'];
const VIEWS: ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

function list(params: URLSearchParams, key: string): string[] {
  const v = params.get(key);
  return v ? v.split(',').filter(Boolean) : [];
}

function chartFrom(params: URLSearchParams): ChartOptions {
  const x = params.get('x');
  const smoothing = Number(params.get('smooth') ?? 0);
  return {
    x: x === 'relative' || x === 'wall' ? x : 'step',
    log: params.get('log') === '1',
    smoothing: Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : 0,
  };
}

function chartTo(params: URLSearchParams, chart: ChartOptions): void {
  if (chart.x !== 'step') params.set('x', chart.x);
  if (chart.log) params.set('log', '1');
  if (chart.smoothing > 0) params.set('smooth', String(chart.smoothing));
}

/** The route of a location hash (with or without the leading `#`). */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)) || '/';
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [head, arg] = parts;
  if (parts.length === 0 || (head === 'experiments' && parts.length === 1)) return { page: 'experiments' };
  if (head === 'experiments' && arg !== undefined && parts.length === 2) {
    const view = params.get('view') as ViewType | null;
    return {
      page: 'runs',
      experimentId: arg,
      filter: params.get('filter') ?? '',
      order: params.getAll('order'),
      columns: params.has('cols') ? list(params, 'cols') : null,
      selected: list(params, 'sel'),
      view: view && VIEWS.includes(view) ? view : 'ACTIVE_ONLY',
    };
  }
  if (head === 'runs' && arg !== undefined && parts.length === 2) {
    const tab = params.get('tab') as RunTab | null;
    return {
      page: 'run',
      runId: arg,
      tab: tab && TABS.includes(tab) ? tab : 'overview',
      metrics: list(params, 'metrics'),
      artifact: params.get('path'),
      chart: chartFrom(params),
    };
  }
  if (head === 'compare' && parts.length === 1) {
    return { page: 'compare', runIds: list(params, 'runs'), metrics: list(params, 'metrics'), chart: chartFrom(params), scatterX: params.get('sx'), scatterY: params.get('sy'), colourBy: params.get('pc') };
  }
  if (head === 'models' && parts.length === 1) return { page: 'models' };
  if (head === 'models' && arg !== undefined && parts.length === 2) return { page: 'model', name: arg };
  if (head === 'history' && parts.length === 1) return { page: 'history', filter: params.get('filter') ?? '' };
  return { page: 'not-found', path };
}

/** The hash (with `#`) of a route. */
export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  let path: string;
  switch (route.page) {
    case 'experiments':
      path = '/';
      break;
    case 'runs':
      path = `/experiments/${encodeURIComponent(route.experimentId)}`;
      if (route.filter) params.set('filter', route.filter);
      for (const o of route.order) params.append('order', o);
      if (route.columns) params.set('cols', route.columns.join(','));
      if (route.selected.length) params.set('sel', route.selected.join(','));
      if (route.view !== 'ACTIVE_ONLY') params.set('view', route.view);
      break;
    case 'run':
      path = `/runs/${encodeURIComponent(route.runId)}`;
      if (route.tab !== 'overview') params.set('tab', route.tab);
      if (route.metrics.length) params.set('metrics', route.metrics.join(','));
      if (route.artifact) params.set('path', route.artifact);
      chartTo(params, route.chart);
      break;
    case 'compare':
      path = '/compare';
      params.set('runs', route.runIds.join(','));
      if (route.metrics.length) params.set('metrics', route.metrics.join(','));
      chartTo(params, route.chart);
      if (route.scatterX) params.set('sx', route.scatterX);
      if (route.scatterY) params.set('sy', route.scatterY);
      if (route.colourBy) params.set('pc', route.colourBy);
      break;
    case 'models':
      path = '/models';
      break;
    case 'model':
      path = `/models/${encodeURIComponent(route.name)}`;
      break;
    case 'history':
      path = '/history';
      if (route.filter) params.set('filter', route.filter);
      break;
    case 'not-found':
      path = route.path;
      break;
  }
  const query = params.toString();
  return `#${path}${query ? `?${query}` : ''}`;
}

/** Hash of a run's page. */
export function runHref(runId: string, extra: Partial<Extract<Route, { page: 'run' }>> = {}): string {
  return formatRoute({ page: 'run', runId, tab: 'overview', metrics: [], artifact: null, chart: DEFAULT_CHART, ...extra });
}

export function experimentHref(experimentId: string): string {
  return formatRoute({ page: 'runs', experimentId, filter: '', order: [], columns: null, selected: [], view: 'ACTIVE_ONLY' });
}

export function modelHref(name: string): string {
  return formatRoute({ page: 'model', name });
}

export function compareHref(runIds: string[]): string {
  return formatRoute({ page: 'compare', runIds, metrics: [], chart: DEFAULT_CHART, scatterX: null, scatterY: null, colourBy: null });
}

/**
 * Ask the app to show a route: `replace` for state changes that should not add a history entry
 * (typing a filter, toggling a column), otherwise a new entry (the back button returns).
 */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  window.dispatchEvent(new CustomEvent('mlt-navigate', { detail: { route, replace: options.replace ?? false } }));
}
