/** A scatter of one param (or metric) against one metric across runs, in SVG; categorical x values are spread evenly. */
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber, niceTicks } from '../format.js';

export interface ScatterPoint {
  label: string;
  colour: string;
  x: number | string | undefined;
  y: number | undefined;
}

/** The scatter plot. */
@customElement('mlt-scatter')
export class MltScatter extends LitElement {
  static override styles = css`
    :host { display: block; }
    svg { display: block; font: 11px system-ui, sans-serif; max-width: 100%; }
    .axis { stroke: var(--muted); }
    .grid { stroke: var(--grid); }
    text { fill: var(--muted); }
    .title { fill: var(--fg); font-weight: 600; }
    circle { stroke: var(--bg); stroke-width: 1.5; }
    circle:hover { r: 8; }
  `;

  @property({ attribute: false }) points: ScatterPoint[] = [];
  @property() xLabel = '';
  @property() yLabel = '';

  override render() {
    const pts = this.points.filter((p) => p.x !== undefined && p.y !== undefined && Number.isFinite(p.y));
    if (pts.length === 0) return html`<p style="color:var(--muted)">No run has both values.</p>`;
    const numericX = pts.every((p) => typeof p.x === 'number' || (typeof p.x === 'string' && p.x.trim() !== '' && Number.isFinite(Number(p.x))));
    const categories = numericX ? [] : [...new Set(pts.map((p) => String(p.x)))].sort();
    const xs = pts.map((p) => (numericX ? Number(p.x) : categories.indexOf(String(p.x))));
    const ys = pts.map((p) => p.y as number);
    const [w, h, left, bottom, top, right] = [560, 320, 64, 40, 16, 20];
    const range = (v: number[]) => {
      let lo = Math.min(...v);
      let hi = Math.max(...v);
      if (lo === hi) {
        lo -= 0.5;
        hi += 0.5;
      }
      const pad = (hi - lo) * 0.06;
      return [lo - pad, hi + pad] as const;
    };
    const [x0, x1] = numericX ? range(xs) : ([-0.5, categories.length - 0.5] as const);
    const [y0, y1] = range(ys);
    const sx = (v: number) => left + ((v - x0) / (x1 - x0)) * (w - left - right);
    const sy = (v: number) => h - bottom - ((v - y0) / (y1 - y0)) * (h - bottom - top);
    const yTicks = niceTicks(y0, y1, 5);
    const xTicks = numericX ? niceTicks(x0, x1, 5) : categories.map((_, i) => i);
    const summary = pts.map((p) => `${p.label}: ${this.xLabel} ${p.x}, ${this.yLabel} ${formatNumber(p.y)}`).join('; ');
    return html`<svg viewBox="0 0 ${w} ${h}" width=${w} height=${h} role="img" aria-label=${`Scatter of ${this.yLabel} against ${this.xLabel}. ${summary}`}>
      ${yTicks.map((t) => svg`<line class="grid" x1=${left} x2=${w - right} y1=${sy(t)} y2=${sy(t)}></line><text class="ytick" x=${left - 6} y=${sy(t) + 4} text-anchor="end">${formatNumber(t, 4)}</text>`)}
      ${xTicks.map((t) => svg`<text class="xtick" x=${sx(t)} y=${h - bottom + 16} text-anchor="middle">${numericX ? formatNumber(t, 4) : categories[t]}</text>`)}
      <line class="axis" x1=${left} x2=${w - right} y1=${h - bottom} y2=${h - bottom}></line>
      <line class="axis" x1=${left} x2=${left} y1=${top} y2=${h - bottom}></line>
      <text class="title" x=${(left + w - right) / 2} y=${h - 6} text-anchor="middle">${this.xLabel}</text>
      <text class="title" transform="rotate(-90)" x=${-(top + h - bottom) / 2} y=${14} text-anchor="middle">${this.yLabel}</text>
      ${pts.map((p, i) => svg`<circle cx=${sx(xs[i]!)} cy=${sy(ys[i]!)} r="6" fill=${p.colour}><title>${p.label}: ${this.xLabel} = ${String(p.x)}, ${this.yLabel} = ${String(p.y)}</title></circle>`)}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-scatter': MltScatter;
  }
}
