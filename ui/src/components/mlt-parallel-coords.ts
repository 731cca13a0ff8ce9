/**
 * Parallel coordinates over params and metrics for a few runs, in SVG: one vertical axis per
 * dimension (numeric ones linear, others as ordered categories), one polyline per run.
 */
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber, niceTicks } from '../format.js';

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
  /** A dimension id whose values colour the lines (a scale from its min to max); null: one colour per run. */
  @property({ attribute: false }) colourBy: string | null = null;

  override render() {
    if (this.dimensions.length < 2) return html`<p style="color:var(--muted)">Needs at least two params or metrics.</p>`;
    const axes = buildAxes(this.dimensions, this.runs);
    const gap = 150;
    // Labels sit on two alternating rows, so long neighbouring names do not overlap.
    const top = 52;
    const height = 240;
    const left = 70;
    const width = left + gap * (axes.length - 1) + 110;
    const x = (i: number) => left + i * gap;
    const y = (p: number) => top + (1 - p) * height;
    const scale = this.colourBy ? colourScale(this.runs.map((r) => r.values[this.colourBy!])) : null;
    const stroke = (r: PcRun) => {
      if (!scale) return r.colour;
      const n = asNumber(r.values[this.colourBy!]);
      return n === null ? 'var(--muted)' : scale.colour(n);
    };
    const describe = this.runs.map((r) => `${r.label}: ${axes.map((a) => `${a.dim.label} ${r.values[a.dim.id] ?? 'none'}`).join(', ')}`).join('; ');
    const legendX = width - 70;
    return html`<svg width=${width} height=${top + height + 30} role="img" aria-label=${`Parallel coordinates of ${this.runs.length} runs over ${axes.length} dimensions${scale ? `, coloured by ${this.colourBy}` : ''}. ${describe}`}>
      ${axes.map((a, i) => svg`
        <line class="axis" x1=${x(i)} x2=${x(i)} y1=${top} y2=${top + height}></line>
        <text class="label" x=${x(i)} y=${i % 2 === 0 ? 16 : 34} text-anchor="middle">${shorten(a.dim.label, 24)}<title>${a.dim.label}</title></text>
        ${a.numeric
          ? niceTicks(a.min, a.max, 4).map((t) => svg`<text class="tick" x=${x(i) - 6} y=${y(a.max === a.min ? 0.5 : (t - a.min) / (a.max - a.min)) + 4} text-anchor="end">${formatNumber(t, 4)}</text>`)
          : a.categories.map((c, j) => svg`<text class="tick" x=${x(i) - 6} y=${y(a.categories.length === 1 ? 0.5 : j / (a.categories.length - 1)) + 4} text-anchor="end">${shorten(c, 14)}<title>${c}</title></text>`)}
      `)}
      ${this.runs.map((r) => {
        const points: string[] = [];
        axes.forEach((a, i) => {
          const p = axisPosition(a, r.values[a.dim.id]);
          if (p !== null) points.push(`${x(i)},${y(p)}`);
        });
        return svg`<polyline points=${points.join(' ')} stroke=${stroke(r)}><title>${r.label}</title></polyline>`;
      })}
      ${scale
        ? svg`<g class="legend" aria-hidden="true">
            <defs><linearGradient id="pc-scale" x1="0" x2="0" y1="1" y2="0">${RAMP.map((c, i) => svg`<stop offset=${i / (RAMP.length - 1)} stop-color=${c}></stop>`)}</linearGradient></defs>
            <rect x=${legendX} y=${top} width="12" height=${height} fill="url(#pc-scale)"></rect>
            <text class="tick" x=${legendX + 16} y=${top + 4}>${formatNumber(scale.max, 4)}</text>
            <text class="tick" x=${legendX + 16} y=${top + height}>${formatNumber(scale.min, 4)}</text>
            <text class="label" x=${legendX + 6} y=${top + height + 22} text-anchor="middle">${shorten(this.colourBy!.replace(/^metrics\./, ''), 16)}</text>
          </g>`
        : ''}
    </svg>`;
  }
}

function shorten(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** A perceptual ramp (viridis stops): low values dark blue, high values yellow. */
const RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `rgb(${pa.map((v, i) => Math.round(v + (pb[i]! - v) * t)).join(', ')})`;
}

/** Colours runs by a numeric value, min to max along RAMP; null when no run has a number. */
export function colourScale(values: (number | string | undefined)[]): { min: number; max: number; colour: (v: number) => string } | null {
  const ns = values.map(asNumber).filter((n): n is number => n !== null);
  if (ns.length === 0) return null;
  const min = Math.min(...ns);
  const max = Math.max(...ns);
  return {
    min,
    max,
    colour: (v) => {
      const t = max === min ? 0.5 : Math.min(1, Math.max(0, (v - min) / (max - min)));
      const pos = t * (RAMP.length - 1);
      const i = Math.min(RAMP.length - 2, Math.floor(pos));
      return mix(RAMP[i]!, RAMP[i + 1]!, pos - i);
    },
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-parallel-coords': MltParallelCoords;
  }
}
