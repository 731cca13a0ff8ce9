/**
 * Parallel coordinates over params and metrics for a few runs, in SVG: one vertical axis per
 * dimension (numeric ones linear, others as ordered categories), one polyline per run.
 */
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber } from '../format.js';

export interface PcRun {
  label: string;
  colour: string;
  /** Dimension id → value (numbers for metrics, strings for params). */
  values: Record<string, number | string | undefined>;
}

export interface PcDimension {
  id: string;
  label: string;
}

interface Axis {
  dim: PcDimension;
  numeric: boolean;
  min: number;
  max: number;
  categories: string[];
}

function asNumber(v: number | string | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Builds each axis: numeric when every present value reads as a number. */
export function buildAxes(dims: PcDimension[], runs: PcRun[]): Axis[] {
  return dims.map((dim) => {
    const present = runs.map((r) => r.values[dim.id]).filter((v) => v !== undefined);
    const numbers = present.map(asNumber);
    if (present.length > 0 && numbers.every((n) => n !== null)) {
      const ns = numbers as number[];
      return { dim, numeric: true, min: Math.min(...ns), max: Math.max(...ns), categories: [] };
    }
    const categories = [...new Set(present.map(String))].sort();
    return { dim, numeric: false, min: 0, max: Math.max(1, categories.length - 1), categories };
  });
}

/** Position of a value on an axis, 0 (bottom) to 1 (top); null when the run lacks it. */
export function axisPosition(axis: Axis, v: number | string | undefined): number | null {
  if (v === undefined) return null;
  if (axis.numeric) {
    const n = asNumber(v);
    if (n === null) return null;
    return axis.max === axis.min ? 0.5 : (n - axis.min) / (axis.max - axis.min);
  }
  const i = axis.categories.indexOf(String(v));
  if (i < 0) return null;
  return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
}

/** The parallel coordinates plot. */
@customElement('mlt-parallel-coords')
export class MltParallelCoords extends LitElement {
  static override styles = css`
    :host { display: block; overflow-x: auto; }
    svg { display: block; font: 11px system-ui, sans-serif; }
    .axis { stroke: var(--muted); stroke-width: 1; }
    .label { fill: var(--fg); font-weight: 600; }
    .tick { fill: var(--muted); }
    polyline { fill: none; stroke-width: 2; opacity: 0.85; }
    polyline:hover { stroke-width: 4; opacity: 1; }
  `;

  @property({ attribute: false }) dimensions: PcDimension[] = [];
  @property({ attribute: false }) runs: PcRun[] = [];

  override render() {
    if (this.dimensions.length < 2) return html`<p style="color:var(--muted)">Needs at least two params or metrics.</p>`;
    const axes = buildAxes(this.dimensions, this.runs);
    const gap = 130;
    const top = 36;
    const height = 240;
    const width = 60 + gap * (axes.length - 1) + 60;
    const x = (i: number) => 60 + i * gap;
    const y = (p: number) => top + (1 - p) * height;
    const describe = this.runs.map((r) => `${r.label}: ${axes.map((a) => `${a.dim.label} ${r.values[a.dim.id] ?? 'none'}`).join(', ')}`).join('; ');
    return html`<svg width=${width} height=${top + height + 30} role="img" aria-label=${`Parallel coordinates of ${this.runs.length} runs over ${axes.length} dimensions. ${describe}`}>
      ${axes.map((a, i) => svg`
        <line class="axis" x1=${x(i)} x2=${x(i)} y1=${top} y2=${top + height}></line>
        <text class="label" x=${x(i)} y=${14} text-anchor="middle">${a.dim.label.length > 22 ? a.dim.label.slice(0, 21) + '…' : a.dim.label}<title>${a.dim.label}</title></text>
        ${a.numeric
          ? svg`<text class="tick" x=${x(i) + 4} y=${top + 4}>${formatNumber(a.max, 4)}</text><text class="tick" x=${x(i) + 4} y=${top + height}>${formatNumber(a.min, 4)}</text>`
          : a.categories.map((c, j) => svg`<text class="tick" x=${x(i) + 4} y=${y(a.categories.length === 1 ? 0.5 : j / (a.categories.length - 1)) + 4}>${c.length > 14 ? c.slice(0, 13) + '…' : c}</text>`)}
      `)}
      ${this.runs.map((r) => {
        const points: string[] = [];
        axes.forEach((a, i) => {
          const p = axisPosition(a, r.values[a.dim.id]);
          if (p !== null) points.push(`${x(i)},${y(p)}`);
        });
        return svg`<polyline points=${points.join(' ')} stroke=${r.colour}><title>${r.label}</title></polyline>`;
      })}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-parallel-coords': MltParallelCoords;
  }
}
