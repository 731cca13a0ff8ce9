/**
 * One metric chart: uPlot on a canvas, several runs overlaid, drag to zoom on x, double-click to
 * reset. The data is re-thinned to the visible range on every zoom and resize (charts/series.ts).
 */
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { align, extent, thin, type XY } from '../charts/series.js';
import { cssVar } from '../theme.js';
import { formatNumber, plural } from '../format.js';
import type { XAxis } from '../route.js';

export interface ChartSeries extends XY {
  label: string;
  colour: string;
}

const AXIS_LABEL: Record<XAxis, string> = { step: 'step', relative: 'time since run start (s)', wall: 'time' };

/** A chart of one metric for one or more runs. */
@customElement('mlt-metric-chart')
export class MltMetricChart extends LitElement {
  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-width: 0; }
      figure { margin: 0; border: 1px solid var(--border); border-radius: 6px; padding: 8px 8px 4px; background: var(--bg); }
      figcaption { font-weight: 600; font-size: 13px; margin: 0 0 4px 4px; display: flex; gap: 8px; align-items: baseline; }
      figcaption .note { color: var(--muted); font-weight: 400; font-size: 12px; }
      .plot { width: 100%; min-height: 40px; }
      .empty { color: var(--muted); padding: 24px; text-align: center; }
      .u-legend { font-size: 12px; color: var(--fg); }
      .u-legend .u-marker { border-radius: 2px; }
      .u-select { background: color-mix(in srgb, var(--accent) 18%, transparent); }
    `,
  ];

  /** The metric key (the chart's title). */
  @property() metric = '';
  /** Series to draw, x ascending. */
  @property({ attribute: false }) series: ChartSeries[] = [];
  @property() xAxis: XAxis = 'step';
  @property({ type: Boolean }) log = false;
  /** Plot height in CSS pixels. */
  @property({ type: Number }) height = 240;
  /** Show the legend (off for small multiples). */
  @property({ type: Boolean }) legend = true;

  @query('.plot') private _target!: HTMLDivElement;

  private _plot: uPlot | null = null;
  private _resize: ResizeObserver | null = null;
  private _ownScaleChange = false;
  private _drawWaiters: ((ms: number) => void)[] = [];
  private _drawStart = 0;
  /** Milliseconds the last redraw took (thinning + setData + canvas), for the benchmark. */
  lastRedrawMs = 0;

  override render() {
    const points = this.series.reduce((n, s) => n + s.x.length, 0);
    const label = `Chart of ${this.metric} by ${AXIS_LABEL[this.xAxis]} for ${plural(this.series.length, 'run')}, ${plural(points, 'point')}${this.log ? ', log scale' : ''}`;
    return html`<figure role="img" aria-label=${label}>
      <figcaption>${this.metric}<span class="note">${points.toLocaleString('en-US')} points</span></figcaption>
      ${points === 0 ? html`<div class="empty">No values to draw</div>` : ''}
      <div class="plot" ?hidden=${points === 0}></div>
    </figure>`;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('mlt-theme-changed', this._onTheme);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('mlt-theme-changed', this._onTheme);
    this._resize?.disconnect();
    this._resize = null;
    this._plot?.destroy();
    this._plot = null;
  }

  override firstUpdated(): void {
    this._resize = new ResizeObserver(() => {
      const width = this._width();
      if (this._plot && width > 0 && Math.abs(this._plot.width - width) > 1) {
        this._plot.setSize({ width, height: this.height });
        this._refresh();
      }
    });
    this._resize.observe(this._target);
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('xAxis') || changed.has('log') || changed.has('height') || changed.has('legend') || !this._plot) this._create();
    else if (changed.has('series')) this._refresh(true);
  }

  /**
   * Zoom x to [min, max] (null: the full extent) and resolve with the milliseconds the redraw took,
   * measured from the request to the end of uPlot's draw (thinning included).
   */
  redraw(min: number | null = null, max: number | null = null): Promise<number> {
    const plot = this._plot;
    if (!plot) return Promise.resolve(0);
    const full = extent(this.series);
    const done = new Promise<number>((resolve) => this._drawWaiters.push(resolve));
    this._drawStart = performance.now();
    plot.setScale('x', { min: min ?? full?.[0] ?? 0, max: max ?? full?.[1] ?? 1 });
    return done;
  }

  private _width(): number {
    return Math.floor(this._target?.clientWidth ?? 0);
  }

  private _keep = (v: number) => Number.isFinite(v) && (!this.log || v > 0);

  /** Thinned, aligned data for the window [min, max]. */
  private _data(min: number, max: number, width: number): uPlot.AlignedData {
    const buckets = Math.max(16, Math.round(width));
    return align(this.series.map((s) => thin(s, min, max, buckets, this._keep))) as uPlot.AlignedData;
  }

  private _create(): void {
    this._plot?.destroy();
    this._plot = null;
    const full = extent(this.series);
    const width = this._width();
    if (!full || !this._target || width <= 0) {
      if (full && this._target) requestAnimationFrame(() => this._width() > 0 && !this._plot && this._create());
      return;
    }
    const fg = cssVar('--muted') || '#666';
    const grid = cssVar('--grid') || '#ddd';
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width,
      height: this.height,
      legend: { show: this.legend, live: true },
      cursor: { drag: { x: true, y: false, setScale: true }, focus: { prox: 16 } },
      focus: { alpha: 0.35 },
      scales: {
        x: { time: this.xAxis === 'wall' },
        y: this.log ? { distr: 3 } : {},
      },
      axes: [
        { ...axis, label: AXIS_LABEL[this.xAxis], labelSize: 18, labelFont: '11px system-ui, sans-serif' },
        { ...axis, size: 60, values: (_u, splits) => splits.map((v) => formatNumber(v, 4)) },
      ],
      series: [
        { label: this.xAxis },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.colour,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatNumber(v, 6)),
        })),
      ],
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || this._ownScaleChange) return;
            if (!this._drawWaiters.length) this._drawStart = performance.now();
            const { min, max } = u.scales.x;
            if (min === undefined || max === undefined) return;
            this._ownScaleChange = true;
            try {
              u.setData(this._data(min, max, u.width), false);
            } finally {
              this._ownScaleChange = false;
            }
          },
        ],
        draw: [
          () => {
            if (this._drawStart) this.lastRedrawMs = performance.now() - this._drawStart;
            this._drawStart = 0;
            const waiters = this._drawWaiters.splice(0);
            for (const w of waiters) w(this.lastRedrawMs);
          },
        ],
      },
    };
    this._drawStart = performance.now();
    this._plot = new uPlot(opts, this._data(full[0], full[1], width), this._target);
  }

  /** New data for the current window (or the full extent when `reset`). */
  private _refresh(reset = false): void {
    const plot = this._plot;
    if (!plot) return this._create();
    if (plot.series.length !== this.series.length + 1) return this._create();
    const full = extent(this.series);
    if (!full) return this._create();
    const min = reset ? full[0] : (plot.scales.x.min ?? full[0]);
    const max = reset ? full[1] : (plot.scales.x.max ?? full[1]);
    this._drawStart = performance.now();
    this._ownScaleChange = true;
    try {
      plot.setData(this._data(min, max, plot.width), reset);
    } finally {
      this._ownScaleChange = false;
    }
  }

  private _onTheme = () => this._create();
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-metric-chart': MltMetricChart;
  }
}
