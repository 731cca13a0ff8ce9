/**
 * Several runs side by side: overlaid metric histories, parallel coordinates over params and
 * metrics, a scatter of any param or metric against any metric, and a diff table that highlights
 * what differs.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { metricValueFromJson, type SiteRun } from '../../../src/format/siteFormat.js';
import { colour } from '../charts/series.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { toUiError } from '../data/errors.js';
import { formatDuration, formatNumber, formatTime, plural } from '../format.js';
import { navigate, runHref, type ChartOptions, type Route } from '../route.js';
import { shared } from '../styles.js';
import './mlt-metrics-panel.js';
import type { PanelRun } from './mlt-metrics-panel.js';
import './mlt-parallel-coords.js';
import type { PcDimension, PcRun } from './mlt-parallel-coords.js';
import './mlt-scatter.js';

type CompareRoute = Extract<Route, { page: 'compare' }>;

/** At most this many runs are compared; a larger selection shows its first ones and says so. */
export const MAX_COMPARED = 100;
/** Run files fetched at once, so a large selection does not flood the server. */
export const FETCH_CONCURRENCY = 8;

interface Compared {
  runs: SiteRun[];
  /** Runs that could not be loaded, each with why (not in the site, a network failure). */
  missing: { runId: string; reason: string }[];
  requested: number;
  capped: boolean;
}

/** Loads the runs to compare, FETCH_CONCURRENCY at a time; one missing run leaves the others shown. */
async function loadCompared(requested: string[], signal: AbortSignal): Promise<Compared> {
  const unique = [...new Set(requested)];
  const ids = unique.slice(0, MAX_COMPARED);
  const results: (SiteRun | { error: string })[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length && !signal.aborted) {
      const i = next++;
      try {
        results[i] = await site.run(ids[i]!);
      } catch (err) {
        const e = toUiError(err);
        results[i] = { error: e.status === 404 ? 'not in this site' : e.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, ids.length) }, worker));
  const runs: SiteRun[] = [];
  const missing: Compared['missing'] = [];
  results.forEach((r, i) => ('error' in r ? missing.push({ runId: ids[i]!, reason: r.error }) : runs.push(r)));
  return { runs, missing, requested: unique.length, capped: unique.length > MAX_COMPARED };
}

interface Row {
  group: string;
  key: string;
  values: string[];
  differs: boolean;
}

function metricOf(run: SiteRun, key: string): number | undefined {
  const m = run.metrics[key];
  return m ? metricValueFromJson(m.value) : undefined;
}

/** The compare page. */
@customElement('mlt-compare-page')
export class MltComparePage extends LitElement {
  static override styles = [
    shared,
    css`
      .runs { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0; list-style: none; padding: 0; }
      .runs li { display: inline-flex; align-items: center; gap: 4px; }
      .runs button { padding: 0 6px; font-size: 12px; }
      tr.differs td { background: var(--diff); }
      tr.group th { background: var(--bg-sunken); text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: 0.4px; color: var(--muted); }
      .scatter-controls { display: flex; gap: 12px; flex-wrap: wrap; margin: 6px 0; }
      .diff-table { overflow-x: auto; }
      .missing { border: 1px solid var(--warn); border-left-width: 4px; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
      .missing ul { margin: 4px 0 0; padding-left: 18px; }
      .missing button { padding: 0 6px; font-size: 12px; }
      .warn { color: var(--fg); border-left: 4px solid var(--warn); padding-left: 8px; }
    `,
  ];

  @property({ attribute: false }) route!: CompareRoute;
  @property({ type: Number }) generation = 0;

  @state() private _onlyDiffs = false;

  private _data = new Loader<Compared, [string, number]>(
    this,
    async ([ids], signal) => loadCompared(ids.split(',').filter(Boolean), signal),
    () => [this.route.runIds.join(','), this.generation],
  );

  private _panelCache: { key: string; runs: PanelRun[] } | null = null;

  override render() {
    return html`<div class="page">
      <h1>Compare runs</h1>
      ${this.route.runIds.length < 2 ? html`<p class="muted">Select two or more runs in a runs table and press Compare.</p>` : ''}
      ${this._data.render({
        pending: () => html`<p class="loading">Loading runs…</p>`,
        complete: (c) => html`${this._notes(c)}${c.runs.length ? this._body(c.runs) : ''}`,
        error: (e) => html`<p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _notes(c: Compared) {
    return html`
      ${c.capped ? html`<p class="warn capped" role="status">Showing the first ${MAX_COMPARED} of ${plural(c.requested, 'selected run')}: compare at most ${MAX_COMPARED} runs at a time.</p>` : ''}
      ${c.missing.length
        ? html`<div class="missing" role="status"><strong>${plural(c.missing.length, 'run')} could not be shown:</strong>
            <ul>${c.missing.map((m) => html`<li><span class="mono">${m.runId}</span>: ${m.reason}
              <button aria-label=${`Remove ${m.runId} from the comparison`} @click=${() => this._go({ runIds: this.route.runIds.filter((x) => x !== m.runId) })}>✕</button></li>`)}</ul></div>`
        : ''}
      ${c.runs.length === 0 ? html`<p class="muted">None of the selected runs is in this site.</p>` : ''}
    `;
  }

  private _panelRuns(runs: SiteRun[]): PanelRun[] {
    const key = runs.map((r) => r.info.runId).join(',');
    if (this._panelCache?.key !== key) this._panelCache = { key, runs: runs.map((r) => ({ runId: r.info.runId, label: r.info.runName ?? r.info.runId, startTime: r.info.startTime })) };
    return this._panelCache.runs;
  }

  private _body(runs: SiteRun[]) {
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    const differingParams = paramKeys.filter((k) => new Set(runs.map((r) => r.params[k])).size > 1);
    const dims: PcDimension[] = [...(differingParams.length ? differingParams : paramKeys).slice(0, 8).map((k) => ({ id: `params.${k}`, label: k })), ...metricKeys.slice(0, 6).map((k) => ({ id: `metrics.${k}`, label: k }))];
    const pcRuns: PcRun[] = runs.map((r, i) => ({
      label: r.info.runName ?? r.info.runId,
      colour: colour(i),
      values: Object.fromEntries([...paramKeys.map((k) => [`params.${k}`, r.params[k]]), ...metricKeys.map((k) => [`metrics.${k}`, metricOf(r, k)])]),
    }));
    const colourBy = this.route.colourBy && metricKeys.includes(this.route.colourBy.replace(/^metrics\./, '')) ? this.route.colourBy : null;
    const sx = this.route.scatterX ?? (differingParams[0] ? `params.${differingParams[0]}` : paramKeys[0] ? `params.${paramKeys[0]}` : metricKeys[0] ? `metrics.${metricKeys[0]}` : null);
    const sy = this.route.scatterY ?? (metricKeys[0] ? `metrics.${metricKeys[metricKeys.length > 1 ? metricKeys.length - 1 : 0]}` : null);
    const options = [...paramKeys.map((k) => ({ id: `params.${k}`, label: `param ${k}` })), ...metricKeys.map((k) => ({ id: `metrics.${k}`, label: `metric ${k}` }))];
    const value = (r: SiteRun, id: string | null) => (id === null ? undefined : id.startsWith('params.') ? r.params[id.slice(7)] : metricOf(r, id.slice(8)));
    return html`
      <ul class="runs" aria-label="Runs compared">
        ${runs.map((r, i) => html`<li>
          <span class="swatch" style="background:${colour(i)}" aria-hidden="true"></span>
          <a href=${runHref(r.info.runId)}>${r.info.runName ?? r.info.runId}</a>
          <button aria-label=${`Remove ${r.info.runName ?? r.info.runId} from the comparison`} @click=${() => this._go({ runIds: this.route.runIds.filter((x) => x !== r.info.runId) })}>✕</button>
        </li>`)}
      </ul>
      <section aria-labelledby="h-charts">
        <h2 id="h-charts">Metric histories</h2>
        <mlt-metrics-panel
          .runs=${this._panelRuns(runs)}
          .keys=${metricKeys}
          .selected=${this.route.metrics}
          .chart=${this.route.chart}
          .generation=${this.generation}
          @chart-change=${(e: CustomEvent<{ metrics?: string[]; chart?: ChartOptions }>) => this._go({ ...(e.detail.metrics ? { metrics: e.detail.metrics } : {}), ...(e.detail.chart ? { chart: e.detail.chart } : {}) }, true)}
        ></mlt-metrics-panel>
      </section>
      <section aria-labelledby="h-pc">
        <h2 id="h-pc">Parallel coordinates</h2>
        <label class="toolbar">Colour by <select aria-label="Colour lines by metric" @change=${(e: Event) => this._go({ colourBy: (e.target as HTMLSelectElement).value || null }, true)}>
          <option value="" ?selected=${!colourBy}>run (one colour each)</option>
          ${metricKeys.map((k) => html`<option value=${`metrics.${k}`} ?selected=${colourBy === `metrics.${k}`}>metric ${k}</option>`)}
        </select></label>
        <mlt-parallel-coords .dimensions=${dims} .runs=${pcRuns} .colourBy=${colourBy}></mlt-parallel-coords>
      </section>
      <section aria-labelledby="h-scatter">
        <h2 id="h-scatter">Scatter</h2>
        <div class="scatter-controls">
          <label>X <select aria-label="Scatter x axis" @change=${(e: Event) => this._go({ scatterX: (e.target as HTMLSelectElement).value }, true)}>
            ${options.map((o) => html`<option value=${o.id} ?selected=${o.id === sx}>${o.label}</option>`)}
          </select></label>
          <label>Y <select aria-label="Scatter y axis" @change=${(e: Event) => this._go({ scatterY: (e.target as HTMLSelectElement).value }, true)}>
            ${options.filter((o) => o.id.startsWith('metrics.')).map((o) => html`<option value=${o.id} ?selected=${o.id === sy}>${o.label}</option>`)}
          </select></label>
        </div>
        <mlt-scatter
          .points=${runs.map((r, i) => ({ label: r.info.runName ?? r.info.runId, colour: colour(i), x: value(r, sx), y: value(r, sy) as number | undefined }))}
          .xLabel=${sx ? sx.replace(/^(params|metrics)\./, '') : ''}
          .yLabel=${sy ? sy.replace(/^metrics\./, '') : ''}
        ></mlt-scatter>
      </section>
      <section aria-labelledby="h-diff">
        <h2 id="h-diff">Differences</h2>
        <label class="toolbar"><input type="checkbox" .checked=${this._onlyDiffs} @change=${(e: Event) => (this._onlyDiffs = (e.target as HTMLInputElement).checked)} /> Only rows that differ</label>
        ${this._diffTable(runs, metricKeys, paramKeys)}
      </section>
    `;
  }

  private _rows(runs: SiteRun[], metricKeys: string[], paramKeys: string[]): Row[] {
    const rows: Row[] = [];
    const add = (group: string, key: string, values: string[]) => rows.push({ group, key, values, differs: new Set(values).size > 1 });
    add('Run', 'Status', runs.map((r) => r.info.status));
    add('Run', 'Started', runs.map((r) => formatTime(r.info.startTime)));
    add('Run', 'Duration', runs.map((r) => (r.info.endTime === null ? '–' : formatDuration(r.info.endTime - r.info.startTime))));
    add('Run', 'User', runs.map((r) => r.info.userId));
    add('Run', 'Code commit', runs.map((r) => r.tags['mlflow.source.git.commit']?.slice(0, 10) ?? '–'));
    add('Run', 'Datasets', runs.map((r) => r.inputs.map((i) => `${i.name}@${i.digest.slice(0, 8)}`).join(', ') || '–'));
    for (const k of paramKeys) add('Parameters', k, runs.map((r) => r.params[k] ?? '–'));
    for (const k of metricKeys) add('Metrics', k, runs.map((r) => formatNumber(metricOf(r, k), 6)));
    const tagKeys = [...new Set(runs.flatMap((r) => Object.keys(r.tags)))].filter((k) => !k.startsWith('mlflow.')).sort();
    for (const k of tagKeys) add('Tags', k, runs.map((r) => r.tags[k] ?? '–'));
    return rows;
  }

  private _diffTable(runs: SiteRun[], metricKeys: string[], paramKeys: string[]) {
    const rows = this._rows(runs, metricKeys, paramKeys).filter((r) => !this._onlyDiffs || r.differs);
    const groups = [...new Set(rows.map((r) => r.group))];
    return html`<div class="diff-table"><table class="data" aria-label="Differences between runs">
      <thead><tr><th scope="col">Field</th>${runs.map((r, i) => html`<th scope="col"><span class="swatch" style="background:${colour(i)}" aria-hidden="true"></span>${r.info.runName ?? r.info.runId}</th>`)}</tr></thead>
      ${groups.map((g) => html`<tbody>
        <tr class="group"><th colspan=${runs.length + 1} scope="colgroup">${g}</th></tr>
        ${rows.filter((r) => r.group === g).map((r) => html`<tr class=${r.differs ? 'differs' : ''}>
          <th scope="row">${r.key}${r.differs ? html`<span class="visually-hidden"> (differs)</span>` : ''}</th>
          ${r.values.map((v) => html`<td class="value">${v}</td>`)}
        </tr>`)}
      </tbody>`)}
    </table></div>`;
  }

  private _go(change: Partial<CompareRoute>, replace = false) {
    navigate({ ...this.route, ...change }, { replace });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-compare-page': MltComparePage;
  }
}
