/** Running the CLI: in-process through main() for speed, or as a real process for exit codes and signals. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const BIN = fileURLToPath(new URL('../../bin/mltrack.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** In-process run with captured output (no TTY, so no colour or progress). */
export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd: options.cwd,
    streams: {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: options.env ?? { NO_COLOR: '1' },
    },
  });
  return { code, stdout, stderr };
}

/** A real `mltrack` process (the compiled bin), for what only a process shows. */
export function spawnCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
