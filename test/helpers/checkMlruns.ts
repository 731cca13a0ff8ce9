/** The shared checker: PyYAML and MLflow's type rules over a whole tree. Every tree a test writes should pass it. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHECK_MLRUNS = fileURLToPath(new URL('../../../shared/tools/check-mlruns', import.meta.url));

export function checkMlruns(dir: string): { ok: boolean; output: string } {
  if (!existsSync(CHECK_MLRUNS)) throw new Error(`check-mlruns not found at ${CHECK_MLRUNS}`);
  const result = spawnSync('python3', [CHECK_MLRUNS, dir], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
