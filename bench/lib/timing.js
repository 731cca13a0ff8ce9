// Timing helpers: wall-clock time with process.hrtime.bigint(), in milliseconds.

/** Milliseconds since `start` (a value from process.hrtime.bigint()). */
export function since(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Run `fn` (sync or async) and return { ms, result }. */
export async function time(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: since(start), result };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** 1234.5 ms -> "1.23 s"; 12.3 ms -> "12.3 ms". */
export function fmtMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** 12345.6 -> "12,346". */
export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRatio(r) {
  return `${r.toFixed(2)}x`;
}

export function fmtBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
