/**
 * Chart data in uPlot's columnar contract: one ascending x array plus one y array per series, `null`
 * for gaps. Histories are smoothed first, then thinned to the visible x range: once a series has
 * more than four points per pixel column, each column keeps only its min and max (in the order they
 * occur), so a million-point history draws as fast as a thousand-point one and no spike is lost.
 */

/** One series: x ascending, y the same length. */
export interface XY {
  x: Float64Array;
  y: Float64Array;
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not pulled to 0).
 * Non-finite values stay as they are and do not enter the average.
 */
export function smooth(y: Float64Array, weight: number): Float64Array {
  if (!(weight > 0)) return y;
  const out = new Float64Array(y.length);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

/** First index with x[i] >= value (x ascending). */
export function lowerBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with x[i] > value. */
export function upperBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Thinned {
  x: number[];
  y: number[];
  /** True when buckets replaced the raw points. */
  thinned: boolean;
}

/**
 * The points to draw for the window [xmin, xmax] at `buckets` pixel columns: every point in the
 * window when there are at most 4 per column, else each column's min and max placed at fixed
 * positions in the column (so thinned series share x values). One neighbour outside each edge
 * keeps lines running to the border, and the first and last points keep the full extent known.
 * Points whose y is not drawable (`keep` false: NaN, or <= 0 on a log scale) are left out.
 */
export function thin(series: XY, xmin: number, xmax: number, buckets: number, keep: (y: number) => boolean = Number.isFinite): Thinned {
  const { x, y } = series;
  const n = x.length;
  const out: Thinned = { x: [], y: [], thinned: false };
  if (n === 0) return out;
  const first = lowerBound(x, xmin);
  const last = upperBound(x, xmax) - 1;
  const lo = Math.max(0, first - 1);
  const hi = Math.min(n - 1, last + 1);
  const push = (xv: number, yv: number) => {
    if (keep(yv)) {
      out.x.push(xv);
      out.y.push(yv);
    }
  };
  if (lo > 0) push(x[0]!, y[0]!);
  const inside = last - first + 1;
  if (inside <= 4 * buckets || !(xmax > xmin)) {
    for (let i = lo; i <= hi; i++) push(x[i]!, y[i]!);
  } else {
    out.thinned = true;
    if (lo < first) push(x[lo]!, y[lo]!);
    const width = (xmax - xmin) / buckets;
    let bucket = -1;
    let minI = -1;
    let maxI = -1;
    const flush = () => {
      if (bucket < 0 || minI < 0) return;
      const left = xmin + (bucket + 0.25) * width;
      const right = xmin + (bucket + 0.75) * width;
      if (minI === maxI) push(left, y[minI]!);
      else if (minI < maxI) {
        push(left, y[minI]!);
        push(right, y[maxI]!);
      } else {
        push(left, y[maxI]!);
        push(right, y[minI]!);
      }
    };
    for (let i = first; i <= last; i++) {
      const b = Math.min(buckets - 1, Math.floor((x[i]! - xmin) / width));
      if (b !== bucket) {
        flush();
        bucket = b;
        minI = -1;
        maxI = -1;
      }
      const v = y[i]!;
      if (!keep(v)) continue;
      if (minI < 0 || v < y[minI]!) minI = i;
      if (maxI < 0 || v > y[maxI]!) maxI = i;
    }
    flush();
    if (hi > last) push(x[hi]!, y[hi]!);
  }
  if (hi < n - 1) push(x[n - 1]!, y[n - 1]!);
  return out;
}

/** uPlot's aligned data: the union of x values, each series' y at those x (null where it has none). */
export type AlignedData = [number[], ...(number | null)[][]];

export function align(parts: Thinned[]): AlignedData {
  if (parts.length === 1) return [parts[0]!.x, parts[0]!.y];
  const all = new Set<number>();
  for (const p of parts) for (const v of p.x) all.add(v);
  const xs = Float64Array.from(all).sort();
  const index = new Map<number, number>();
  xs.forEach((v, i) => index.set(v, i));
  const out: AlignedData = [Array.from(xs)];
  for (const p of parts) {
    const ys: (number | null)[] = new Array(xs.length).fill(null);
    for (let i = 0; i < p.x.length; i++) ys[index.get(p.x[i]!)!] = p.y[i]!;
    out.push(ys);
  }
  return out;
}

/** Full x extent over every series, or null when all are empty. */
export function extent(series: XY[]): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    if (s.x.length === 0) continue;
    min = Math.min(min, s.x[0]!);
    max = Math.max(max, s.x[s.x.length - 1]!);
  }
  return min <= max ? [min, max] : null;
}

/** Sort a series by x (time axes: steps may not be logged in time order). */
export function sortByX(series: XY): XY {
  const { x, y } = series;
  let sorted = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i]! < x[i - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return series;
  const order = Array.from(x.keys()).sort((a, b) => x[a]! - x[b]! || a - b);
  return { x: Float64Array.from(order, (i) => x[i]!), y: Float64Array.from(order, (i) => y[i]!) };
}

/** Ten colours that stay apart on light and dark backgrounds. */
export const PALETTE = ['#1f77b4', '#e8710a', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
