/** How values read on screen: times, durations, numbers, sizes. Pure functions, no markup. */

const two = (n: number) => String(n).padStart(2, '0');

/** `2026-11-23 14:05:09` in local time; '–' for null. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `3 min ago`, `2 days ago` relative to now. */
export function formatAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return s <= 1 ? 'just now' : `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0 || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${two(Math.round(s % 60))} s`;
  return `${Math.floor(m / 60)} h ${two(m % 60)} min`;
}

/** A metric value in at most `digits` significant digits (exponent for very large or small). */
export function formatNumber(v: number | null | undefined, digits = 5): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) return v.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(digits)));
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '–';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function shortId(id: string | null | undefined, n = 8): string {
  return id ? id.slice(0, n) : '–';
}

/** An http(s) URL from data, or null: a link built from a run's tags must never be `javascript:`. */
export function safeHttpUrl(text: string | null | undefined): string | null {
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
}

/** A web link to a commit when the repository URL is a known forge's (GitHub, GitLab, Bitbucket), else null. */
export function commitUrl(repoUrl: string | null | undefined, commit: string | null | undefined): string | null {
  if (!repoUrl || !commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  let base = repoUrl.trim().replace(/\.git$/, '');
  const ssh = /^git@([^:]+):(.+)$/.exec(base);
  if (ssh) base = `https://${ssh[1]}/${ssh[2]}`;
  const safe = safeHttpUrl(base);
  if (!safe || !/^https?:\/\/(github\.com|gitlab\.com|bitbucket\.org)\//.test(safe)) return null;
  return `${safe.replace(/\/$/, '')}/commit/${commit}`;
}

/** `1 version`, `2 versions`, `1,024 runs`: a count with its noun in the right number. */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : many}`;
}

/**
 * Round tick values for an axis from `lo` to `hi` (about `count` of them, at 1, 2 or 5 × 10^k), as
 * charts draw them: 0.2, 0.4, 0.6 rather than 0.1837, 0.3674.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  if (lo > hi) [lo, hi] = [hi, lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step); i * step <= hi + step * 1e-9; i++) {
    // Multiply, then round off binary noise (0.30000000000000004).
    out.push(Number((i * step).toPrecision(12)));
  }
  return out;
}
