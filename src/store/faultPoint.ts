/**
 * Deterministic crash points for the fault-injection tests. `MLTRACK_FAULT=<point>:<n>` makes the
 * process SIGKILL itself the n-th time it reaches `<point>` (n defaults to 1), so a test can stop a
 * command at an exact place, never by timing. Unset, a call is one comparison.
 */
const spec = process.env.MLTRACK_FAULT;
const parsed = spec ? /^(.+?)(?::(\d+))?$/.exec(spec) : null;
const target = parsed?.[1] ?? null;
let remaining = parsed?.[2] ? Number(parsed[2]) : 1;

export function faultPoint(point: string): void {
  if (target === null || point !== target) return;
  if (--remaining > 0) return;
  process.kill(process.pid, 'SIGKILL');
}
