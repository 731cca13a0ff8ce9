/** A real `mltrack server` process on 127.0.0.1 and an ephemeral port, stopped by the test that started it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { BIN } from './cli.js';

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

const running: ServerProcess[] = [];

afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

/** Starts `mltrack server --port 0 --json ...args`; resolves with its URL once it listens, rejects with its error when it exits. */
export function startServerProcess(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--json', ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      try {
        const info = JSON.parse(out) as { url: string; port: number };
        const server: ServerProcess = {
          url: info.url,
          port: info.port,
          child,
          stderr: () => err,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        };
        running.push(server);
        resolve(server);
      } catch {
        // not the whole JSON yet
      }
    });
    void exited.then((code) => reject(Object.assign(new Error(`server exited ${code}: ${err.trim()}`), { code, stderr: err })));
  });
}

export interface Reply {
  status: number;
  body: any;
}

/** One MLflow REST call: GET with a query string, other methods with a JSON body. */
export async function call(base: string, method: string, path: string, args: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Reply> {
  let url = `${base}${path.startsWith('/api') || path.startsWith('/ajax-api') ? '' : '/api/2.0/mlflow'}${path}`;
  const init: RequestInit = { method, headers: { ...headers } };
  if (method === 'GET') {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
    if ([...query].length) url += `?${query}`;
  } else {
    init.body = JSON.stringify(args);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // artifact downloads are not JSON
  }
  return { status: res.status, body };
}
