/**
 * `mltrack ui`: a static file server on localhost for a site that is rebuilt when the mlruns tree
 * changes. Each build goes into a fresh directory and the server switches to it only when it is
 * complete; the app notices the new `builtAt` in site.json and reloads its data.
 */
import { createReadStream, existsSync, readdirSync, rmSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, relative, sep } from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.yml': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
  '.woff2': 'font/woff2',
};

/** A file under `root` for a URL path, or null (outside the root, missing, or a directory without index.html). */
export function resolveStatic(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const abs = normalize(join(root, path));
  if (abs !== root && !abs.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    const stat = statSync(abs);
    if (stat.isDirectory()) {
      const index = join(abs, 'index.html');
      return existsSync(index) ? index : null;
    }
    return stat.isFile() ? abs : null;
  } catch {
    return null;
  }
}

export interface StaticServer {
  server: Server;
  url: string;
  port: number;
  /** Serve from this directory from now on. */
  setRoot(dir: string): void;
  close(): Promise<void>;
}

/** Response headers for a file: artifact copies are never a document (sandboxed, downloads unless an image or text). */
export function headersFor(file: string, root: string): Record<string, string> {
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  const rel = relative(root, file).split(sep).join('/');
  if (/^data\/runs\/[^/]+\/artifacts\//.test(rel)) {
    headers['Content-Security-Policy'] = "sandbox; default-src 'none'; img-src 'self'";
    if (!/^(image\/|text\/plain|text\/csv|application\/json)/.test(type)) headers['Content-Disposition'] = 'attachment';
  }
  return headers;
}

/** The Host header values a server on `host:port` answers to; null (any) when it listens on every address. */
export function hostsFor(host: string, port: number): Set<string> | null {
  if (host === '0.0.0.0' || host === '::' || host === '') return null;
  const names = new Set([`${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase()]);
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(`${n}:${port}`);
  return names;
}

/**
 * Serve files from a switchable root directory on `host:port` (port 0: any free port). Requests
 * whose Host header is not this address get 421, so DNS rebinding cannot read the site.
 */
export function startStaticServer(root: string, port: number, host = '127.0.0.1'): Promise<StaticServer> {
  let current = root;
  let allowedHosts: Set<string> | null = new Set();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    // DNS rebinding: a page on another name that resolves to this address must not read the runs.
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Misdirected request: this server answers only to ${[...allowedHosts].join(', ')}\n`);
      return;
    }
    const file = resolveStatic(current, new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    res.writeHead(200, headersFor(file, current));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      allowedHosts = hostsFor(host, actual);
      resolvePromise({
        server,
        port: actual,
        url: `http://${host}:${actual}/`,
        setRoot: (dir) => (current = dir),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** A cheap fingerprint of a tree for polling: every entry's path, size and mtime. */
function fingerprint(dir: string): string {
  let acc = 0;
  let count = 0;
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          const s = statSync(p);
          acc = (acc * 31 + s.mtimeMs + s.size * 7 + p.length) % 1e15;
          count++;
        } catch {
          // vanished meanwhile
        }
      }
    }
  };
  walk(dir);
  return `${count}:${acc}`;
}

export interface TreeWatcher {
  mode: 'watch' | 'poll';
  /** Resolves once every directory present at the start is watched (at once when polling). */
  ready: Promise<void>;
  close(): void;
}

/**
 * One inotify watch per directory (fs.watch without `recursive`), added in the background in
 * batches so the server answers at once. A directory's watch reports its entries being created,
 * removed, renamed and written, in-place rewrites and appends included, so every directory is
 * watched, no file: Node 20's recursive fs.watch on Linux also polls every file (4.9 s and 470 MiB
 * to start at 10,000 runs). New directories are watched as they appear. Throws nothing: `onFail`
 * is called when the watches cannot be had (ENOSPC: the inotify limit), the caller then polls.
 */
class DirWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    root: string,
    private readonly onEvent: () => void,
    private readonly onFail: () => void,
  ) {
    this.ready = this.addTree(root);
  }

  /** Watches `dir` and every directory below it, yielding to the event loop between directories. */
  private async addTree(dir: string): Promise<void> {
    const queue = [dir];
    let batch = 0;
    while (queue.length > 0 && !this.closed) {
      const next = queue.pop()!;
      if (!this.add(next)) return;
      let entries: Dirent[];
      try {
        // Synchronous, in batches: a promise per directory costs more than the readdir itself.
        entries = readdirSync(next, { withFileTypes: true });
      } catch {
        continue; // gone meanwhile
      }
      for (const e of entries) if (e.isDirectory()) queue.push(`${next}/${e.name}`);
      if (++batch % 200 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  private add(dir: string): boolean {
    if (this.closed || this.watchers.has(dir)) return true;
    let w: FSWatcher;
    try {
      w = watch(dir, (event, name) => this.changed(dir, event, name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return true; // gone meanwhile
      this.fail();
      return false;
    }
    w.on('error', () => this.drop(dir));
    this.watchers.set(dir, w);
    return true;
  }

  private changed(dir: string, event: string, name: string | Buffer | null): void {
    this.onEvent();
    // Entries created or removed come as 'rename'; 'change' is a write to one that stays.
    if (event !== 'rename' || name === null || this.closed) return;
    const path = `${dir}/${name.toString()}`;
    // A new directory (a run, its metrics/) is watched with what is below it; a removed one dropped.
    void stat(path).then(
      (st) => (st.isDirectory() && !this.watchers.has(path) ? this.addTree(path) : undefined),
      () => this.drop(path),
    );
  }

  private drop(dir: string): void {
    // Most removals are of files (a writer's temporary file renamed away): nothing to walk.
    if (!this.watchers.has(dir)) return;
    for (const [path, w] of this.watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        w.close();
        this.watchers.delete(path);
      }
    }
  }

  private fail(): void {
    if (this.closed) return;
    this.close();
    this.onFail();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

/**
 * Calls `onChange` (debounced) when anything under `dir` changes: a watch on every directory where
 * the platform allows it, else polling a fingerprint every `pollMs`. Once the directories present
 * at the start are all watched, `onChange` is called once more, for what changed while they were
 * being added.
 */
export function watchTree(dir: string, onChange: () => void, options: { debounceMs?: number; pollMs?: number; forcePoll?: boolean } = {}): TreeWatcher {
  const debounceMs = options.debounceMs ?? 300;
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  };
  let poller: NodeJS.Timeout | null = null;
  function startPolling(): void {
    if (poller) return;
    let last = fingerprint(dir);
    poller = setInterval(() => {
      const now = fingerprint(dir);
      if (now !== last) {
        last = now;
        fire();
      }
    }, options.pollMs ?? 2000);
    poller.unref();
  }
  let watcher: DirWatcher | null = null;
  let ready: Promise<void> = Promise.resolve();
  if (!options.forcePoll) {
    watcher = new DirWatcher(dir, fire, () => {
      watcher = null;
      startPolling();
    });
    ready = watcher.ready.then(() => {
      if (watcher) fire();
    });
  } else startPolling();
  return {
    get mode() {
      return watcher ? 'watch' : 'poll';
    },
    ready,
    close: () => {
      watcher?.close();
      if (poller) clearInterval(poller);
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Runs `build` whenever asked, one at a time: a request during a build schedules exactly one more.
 * Every build goes into the same directory: the first one creates it, the later ones update it in
 * place (buildSite's incremental build, which never lets a reader see half a file), or replace it
 * in one rename when they cannot build on it.
 */
export class Rebuilder {
  private building: Promise<void> | null = null;
  private again = false;
  private ready = false;

  constructor(
    private readonly workDir: string,
    private readonly build: (dir: string) => Promise<void>,
    private readonly onReady: (dir: string) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Start a build (or queue one); resolves when the site reflects the request. */
  request(): Promise<void> {
    if (this.building) {
      this.again = true;
      return this.building;
    }
    this.building = (async () => {
      do {
        this.again = false;
        const dir = join(this.workDir, 'site');
        try {
          await this.build(dir);
          this.ready = true;
          this.onReady(dir);
        } catch (err) {
          if (!this.ready) rmSync(dir, { recursive: true, force: true });
          this.onError(err);
        }
      } while (this.again);
      this.building = null;
    })();
    return this.building;
  }
}
