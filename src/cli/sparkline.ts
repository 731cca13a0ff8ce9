/** A metric history as one line of block characters: a picture of the curve where a table of numbers would not help. */
const BLOCKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width = 32): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  // Thin to `width` buckets, keeping each bucket's mean so the shape survives.
  const buckets: number[] = [];
  const per = Math.max(1, values.length / width);
  for (let start = 0; start < values.length; start += per) {
    const slice = values.slice(Math.floor(start), Math.floor(start + per)).filter((v) => Number.isFinite(v));
    if (slice.length) buckets.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  const min = Math.min(...buckets);
  const max = Math.max(...buckets);
  const span = max - min || 1;
  return buckets.map((v) => BLOCKS[Math.min(7, Math.floor(((v - min) / span) * 8))]).join('');
}
