/**
 * Metric charts for one or more runs: pick the metrics, the x axis (step, time since start, wall
 * time), log scale and smoothing; histories are loaded only now, one file per run.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { colour, smooth, sortByX } from '../charts/series.js';
import { Loader } from '../data/Loader.js';
import { metricColumns, type MetricColumns } from '../data/metricColumns.js';
import { site } from '../data/siteData.js';
import type { ChartOptions, XAxis } from '../route.js';
import { shared } from '../styles.js';
import type { ChartSeries } from './mlt-metric-chart.js';
import './mlt-metric-chart.js';

export interface PanelRun {
  runId: string;
  label: string;
  /** Run start, ms (the origin of the relative time axis). */
  startTime: number;
}

/** Parsed histories, kept across pages: (run, key) → columns. */
const parsed = new Map<string, MetricColumns>();

async function historyOf(runId: string, key: string, generation: number): Promise<MetricColumns | null> {
  const id = `${generation}\u0000${runId}\u0000${key}`;
  const hit = parsed.get(id);
  if (hit) return hit;
  const file = await site.histories(runId);
  const text = file.metrics[key];
  if (text === undefined) return null;
  const columns = metricColumns(key, text);
  parsed.set(id, columns);
  return columns;
}

/**
 * @fires chart-change - detail: { metrics?: string[]; chart?: ChartOptions } (for the URL)
 */
@customElement('mlt-metrics-panel')
export class MltMetricsPanel extends LitElement {
  static override styles = [
    shared,
    css`
      .keys { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 4px 0 10px; }
      .keys label { font-size: 13px; display: inline-flex; gap: 4px; align-items: center; }
      .cards { grid-template-columns: repeat(auto-fill, minmax(${420}px, 1fr)); }
      :host([single]) .cards { grid-template-columns: 1fr; }
    `,
  ];

  @property({ attribute: false }) runs: PanelRun[] = [];
  /** Every metric key of these runs. */
  @property({ attribute: false }) keys: string[] = [];
  /** Keys to chart; empty: the first few. */
  @property({ attribute: false }) selected: string[] = [];
  @property({ attribute: false }) chart: ChartOptions = { x: 'step', log: false, smoothing: 0 };
  @property({ type: Number }) generation = 0;

  private _series = new Loader<Map<string, ChartSeries[]>, readonly unknown[]>(
    this,
    async () => {
      const { x, smoothing } = this.chart;
      const out = new Map<string, ChartSeries[]>();
      for (const key of this._shown()) {
        const series: ChartSeries[] = [];
        for (const [i, run] of this.runs.entries()) {
          const cols = await historyOf(run.runId, key, this.generation);
          if (!cols) continue;
          const xs = x === 'step' ? cols.step : x === 'relative' ? cols.time.map((t) => (t - run.startTime) / 1000) : cols.time.map((t) => t / 1000);
          const sorted = x === 'step' ? { x: xs, y: cols.value } : sortByX({ x: xs, y: cols.value });
          series.push({ label: run.label, colour: colour(i), x: sorted.x, y: smooth(sorted.y, smoothing) });
        }
        out.set(key, series);
      }
      return out;
    },
    () => [this.runs.map((r) => `${r.runId}:${r.startTime}:${r.label}`).join('\n'), this._shown().join('\n'), this.chart.x, this.chart.smoothing, this.generation],
  );

  private _shown(): string[] {
    const wanted = this.selected.filter((k) => this.keys.includes(k));
    return wanted.length ? wanted : this.keys.slice(0, 6);
  }

  override render() {
    const shown = this._shown();
    const c = this.chart;
    return html`
      <div class="toolbar" role="group" aria-label="Chart options">
        <label>X axis
          <select .value=${c.x} @change=${(e: Event) => this._emit({ chart: { ...c, x: (e.target as HTMLSelectElement).value as XAxis } })}>
            <option value="step">Step</option>
            <option value="relative">Time since start</option>
            <option value="wall">Wall time</option>
          </select>
        </label>
        <label><input type="checkbox" .checked=${c.log} @change=${(e: Event) => this._emit({ chart: { ...c, log: (e.target as HTMLInputElement).checked } })} /> Log scale</label>
        <label>Smoothing
          <input type="range" min="0" max="0.99" step="0.01" .value=${String(c.smoothing)} aria-valuetext=${String(c.smoothing)}
            @change=${(e: Event) => this._emit({ chart: { ...c, smoothing: Number((e.target as HTMLInputElement).value) } })} />
          <span class="mono">${c.smoothing.toFixed(2)}</span>
        </label>
      </div>
      ${this.keys.length > 1
        ? html`<fieldset class="keys" style="border:none;padding:0">
            <legend class="visually-hidden">Metrics to chart</legend>
            ${this.keys.map((k) => html`<label><input type="checkbox" .checked=${shown.includes(k)} @change=${(e: Event) => this._toggleKey(k, (e.target as HTMLInputElement).checked)} />${k}</label>`)}
          </fieldset>`
        : ''}
      ${this.keys.length === 0 ? html`<p class="muted">No metrics logged.</p>` : ''}
      ${this._series.render({
        pending: () => html`<p class="loading">Loading histories…</p>`,
        complete: (map) => html`<div class="cards">
          ${shown.map((k) => html`<mlt-metric-chart .metric=${k} .series=${map.get(k) ?? []} .xAxis=${c.x} ?log=${c.log} .legend=${this.runs.length > 1}></mlt-metric-chart>`)}
        </div>`,
        error: (e) => html`<p class="error">${e.message}</p>`,
      })}
    `;
  }

  private _toggleKey(key: string, on: boolean) {
    const current = new Set(this._shown());
    if (on) current.add(key);
    else current.delete(key);
    this._emit({ metrics: this.keys.filter((k) => current.has(k)) });
  }

  private _emit(detail: { metrics?: string[]; chart?: ChartOptions }) {
    this.dispatchEvent(new CustomEvent('chart-change', { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-metrics-panel': MltMetricsPanel;
  }
}
