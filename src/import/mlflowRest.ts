/**
 * A small client of MLflow's REST API for `mltrack import http(s)://SERVER`: JSON calls with int64
 * kept exact, paging, and retries with exponential backoff on 429, 5xx and connection errors (a
 * busy tracking server sheds load that way). Credentials come as MLflow's clients send them:
 * MLFLOW_TRACKING_TOKEN (bearer) or MLFLOW_TRACKING_USERNAME/PASSWORD (HTTP Basic).
 */
import { fail } from '../format/errors.js';
import { parseJsonExact } from '../format/exactJson.js';

export interface RestOptions {
  env?: Record<string, string | undefined>;
  /** Attempts after the first on a retryable failure (MLflow's client default is 7; 5 here keeps a dead server quick to report). */
  retries?: number;
  /** First backoff; it doubles each attempt, capped at 30 s. */
  backoffMs?: number;
  /** Largest page asked for; below each call's own maximum only to exercise paging. */
  pageSize?: number;
}

type Json = any;

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export class MlflowRestClient {
  readonly base: string;
  private readonly auth: string | null;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly pageSize: number;
  /** Calls retried so far, for the summary. */
  retried = 0;

  constructor(url: string, options: RestOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    const env = options.env ?? process.env;
    if (env.MLFLOW_TRACKING_TOKEN) this.auth = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    else if (env.MLFLOW_TRACKING_USERNAME) this.auth = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`;
    else this.auth = null;
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.pageSize = options.pageSize ?? Infinity;
  }

  /** One request with retries; returns the response once it is not a retryable failure. */
  private async request(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (this.auth) headers.authorization = this.auth;
    for (let attempt = 0; ; attempt++) {
      let why: string;
      let retryAfterMs: number | null = null;
      try {
        const res = await fetch(url, { ...init, headers });
        if (!RETRYABLE.has(res.status)) return res;
        why = `HTTP ${res.status}`;
        const after = Number(res.headers.get('retry-after'));
        if (Number.isFinite(after) && after >= 0) retryAfterMs = after * 1000;
        await res.arrayBuffer(); // free the connection
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        why = cause?.code ?? cause?.message ?? (err as Error).message;
      }
      if (attempt >= this.retries) throw fail('SOURCE_UNAVAILABLE', `${url}: ${why} after ${attempt + 1} attempts`, { url, reason: why });
      this.retried++;
      await new Promise((r) => setTimeout(r, Math.min(30_000, retryAfterMs ?? this.backoffMs * 2 ** attempt)));
    }
  }

  private async json(path: string, init: RequestInit): Promise<Json> {
    const res = await this.request(path, init);
    const text = await res.text();
    let body: Json;
    try {
      body = text ? parseJsonExact(text) : {};
    } catch {
      throw fail('SOURCE_REFUSED', `${this.base}${path}: HTTP ${res.status}, not JSON: is this an MLflow tracking server?`, { status: res.status });
    }
    if (res.ok) return body;
    const message = `${this.base}${path}: ${body?.error_code ?? `HTTP ${res.status}`}: ${body?.message ?? text.slice(0, 200)}`;
    if (res.status === 401) throw fail('AUTH_REQUIRED', `${message} (set MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN)`, { status: 401 });
    if (res.status === 403) throw fail('PERMISSION_DENIED', message, { status: 403 });
    throw fail('SOURCE_REFUSED', message, { status: res.status, mlflow_code: body?.error_code ?? null });
  }

  get(path: string, query: Record<string, string | number | undefined> = {}): Promise<Json> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.json(`/api/2.0/mlflow${path}${qs ? `?${qs}` : ''}`, { method: 'GET' });
  }

  post(path: string, body: Json): Promise<Json> {
    return this.json(`/api/2.0/mlflow${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** Every item of a paged call: `call(pageToken, maxResults)` returns the page, `key` names its list. */
  async all(key: string, maxResults: number, call: (pageToken: string | undefined, maxResults: number) => Promise<Json>): Promise<Json[]> {
    const out: Json[] = [];
    let token: string | undefined;
    do {
      const page = await call(token, Math.min(maxResults, this.pageSize));
      out.push(...(page[key] ?? []));
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  /** A file through the proxied artifact service (`mlflow-artifacts:/<path>`). */
  async download(artifactPath: string): Promise<Buffer> {
    const encoded = artifactPath.split('/').map(encodeURIComponent).join('/');
    const res = await this.request(`/api/2.0/mlflow-artifacts/artifacts/${encoded}`, { method: 'GET' });
    if (!res.ok) {
      const text = await res.text();
      throw fail(res.status === 401 ? 'AUTH_REQUIRED' : res.status === 403 ? 'PERMISSION_DENIED' : 'SOURCE_REFUSED', `${this.base}: cannot download artifact ${artifactPath}: HTTP ${res.status} ${text.slice(0, 200)}`, { status: res.status });
    }
    return Buffer.from(await res.arrayBuffer());
  }
}
