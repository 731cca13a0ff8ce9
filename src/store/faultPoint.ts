/**
 * Deterministic fault injection for crash tests: when `MLTRACK_FAULT` names this point (a
 * comma-separated list is accepted), the process kills itself with SIGKILL right here, as a power
 * cut or `kill -9` would. Costs one environment lookup when unset.
 */
export function faultPoint(name: string): void {
  const wanted = process.env.MLTRACK_FAULT;
  if (!wanted) return;
  if (wanted.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}
