/** Deep links: every page state survives formatRoute → parseRoute, whatever the filter holds. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatRoute, parseRoute, type Route } from '../../ui/src/route.js';

describe('routes', () => {
  it('round-trip through the hash', () => {
    const routes: Route[] = [
      { page: 'experiments' },
      { page: 'runs', experimentId: '12', filter: "metrics.rmse < 7 and params.lr = '0.1' & tags.`a b` LIKE '%#?%'", order: ['metrics.rmse DESC', 'params.lr ASC'], columns: ['metrics.rmse', 'params.lr', 'tags.a b'], selected: ['a'.repeat(32), 'b'.repeat(32)], view: 'ALL' },
      { page: 'runs', experimentId: '0', filter: '', order: [], columns: [], selected: [], view: 'ACTIVE_ONLY' },
      { page: 'run', runId: 'c'.repeat(32), tab: 'artifacts', metrics: [], artifact: 'model/My File #1.json', chart: { x: 'step', log: false, smoothing: 0 } },
      { page: 'run', runId: 'c'.repeat(32), tab: 'metrics', metrics: ['val loss', 'acc'], artifact: null, chart: { x: 'wall', log: true, smoothing: 0.6 } },
      { page: 'compare', runIds: ['a', 'b', 'c'], metrics: ['m'], chart: { x: 'relative', log: false, smoothing: 0 }, scatterX: 'params.lr', scatterY: 'metrics.m', colourBy: 'metrics.m' },
      { page: 'models' },
      { page: 'model', name: 'churn model/#1 é' },
      { page: 'history', filter: 'alice run' },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it('keep any filter text intact', () => {
    fc.assert(
      fc.property(fc.string(), (filter) => {
        const r: Route = { page: 'runs', experimentId: '1', filter, order: [], columns: null, selected: [], view: 'ACTIVE_ONLY' };
        expect(parseRoute(formatRoute(r))).toEqual(r);
      }),
    );
  });

  it('sends unknown paths to not-found and defaults what is missing', () => {
    expect(parseRoute('#/nope/1')).toEqual({ page: 'not-found', path: '/nope/1' });
    expect(parseRoute('')).toEqual({ page: 'experiments' });
    expect(parseRoute('#/runs/abc?tab=bogus&smooth=7')).toMatchObject({ tab: 'overview', chart: { smoothing: 0.99 } });
  });
});
