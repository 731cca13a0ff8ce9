/** Helpers for the launcher tests: a live `mltrack` process, the runs it wrote, and whether a pid is alive. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.js';

export interface LiveCli {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once `text` has appeared on stdout or stderr. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `mltrack ARGS` as a real process that keeps running while the test talks to it. */
export function startCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LiveCli {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const onData = () => waiters.forEach((w) => w());
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onData();
  });
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onData();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return {
    pid: proc.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (stdout.includes(text) || stderr.includes(text)) {
            resolve();
            return true;
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`timed out waiting for '${text}'\nstdout: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
        void done.then(() => {
          if (!check()) {
            clearTimeout(timer);
            reject(new Error(`mltrack exited before '${text}'\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        });
      });
    },
  };
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** The ids of every run under `mlruns/<experiment>/`. */
export function runIds(mlruns: string, experimentId = '0'): string[] {
  const dir = join(mlruns, experimentId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => /^[0-9a-f]{32}$/.test(name));
}

/** A saved output file of a run (logs/stdout.txt or logs/stderr.txt). */
export function runLog(mlruns: string, runId: string, which: 'stdout' | 'stderr', experimentId = '0'): string {
  return readFileSync(join(mlruns, experimentId, runId, 'artifacts', 'logs', `${which}.txt`), 'utf8');
}
