/**
 * A run's artifacts as a tree with a preview: text, JSON (pretty-printed), CSV (as a table),
 * images, and `MLmodel` files (flavors, signature, size). Everything is shown as text or as an
 * image; an HTML or SVG artifact never becomes live markup.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ArtifactEntry } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatBytes } from '../format.js';
import { shared } from '../styles.js';

const PREVIEW_LIMIT = 256 * 1024;
const CSV_ROWS = 200;
const IMAGE = /\.(png|jpe?g|gif|webp|bmp|ico)$/i;
const SVG = /\.svg$/i;
const JSON_FILE = /\.(json|jsonl)$/i;
const CSV = /\.(csv|tsv)$/i;
const TEXT = /(\.(txt|log|md|py|yaml|yml|toml|cfg|ini|sh|r|sql|ts|js|html?|xml|svg|ipynb)$)|(^|\/)(MLmodel|MLproject|requirements\.txt|conda\.yaml|python_env\.yaml|LICENSE|README)$/i;

type Preview =
  | { kind: 'none'; reason: string }
  | { kind: 'text'; text: string; truncated: boolean }
  | { kind: 'json'; text: string }
  | { kind: 'csv'; rows: string[][]; truncated: boolean }
  | { kind: 'image'; src: string }
  | { kind: 'mlmodel'; text: string; summary: [string, string][] };

/** Split CSV text into rows, honouring quotes (RFC 4180). */
export function parseCsv(text: string, delimiter = ',', maxRows = CSV_ROWS): { rows: string[][]; truncated: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), truncated: true };
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return { rows, truncated: false };
}

async function fetchText(href: string, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  const response = await fetch(site.url(href), { signal });
  if (!response.ok) throw new Error(`${href}: HTTP ${response.status}`);
  const buffer = await response.arrayBuffer();
  const truncated = buffer.byteLength > PREVIEW_LIMIT;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buffer.slice(0, PREVIEW_LIMIT));
  return { text, truncated };
}

async function mlmodelSummary(text: string): Promise<[string, string][]> {
  // The YAML reader is loaded only when an MLmodel is opened (a separate chunk).
  const { parseYaml } = await import('../../../src/format/yaml.js');
  const root = parseYaml(text, 'MLmodel');
  if (root.kind !== 'map') return [];
  const scalar = (key: string) => {
    const n = root.entries.get(key);
    return n && n.kind === 'scalar' ? n.text : '';
  };
  const out: [string, string][] = [];
  const flavors = root.entries.get('flavors');
  if (flavors && flavors.kind === 'map') out.push(['Flavors', [...flavors.entries.keys()].join(', ')]);
  for (const [key, label] of [['run_id', 'Run'], ['artifact_path', 'Artifact path'], ['model_uuid', 'Model UUID'], ['utc_time_created', 'Created (UTC)'], ['mlflow_version', 'MLflow version']] as const) {
    if (scalar(key)) out.push([label, scalar(key)]);
  }
  const size = scalar('model_size_bytes');
  if (size) out.push(['Size', formatBytes(Number(size))]);
  const signature = root.entries.get('signature');
  if (signature && signature.kind === 'map') {
    for (const part of ['inputs', 'outputs', 'params']) {
      const n = signature.entries.get(part);
      if (!n || n.kind !== 'scalar' || !n.text) continue;
      try {
        const cols = JSON.parse(n.text) as { name?: string; type?: string; 'tensor-spec'?: { dtype?: string; shape?: number[] } }[];
        out.push([`Signature ${part}`, cols.map((c) => `${c.name ?? '?'}: ${c.type === 'tensor' ? `tensor<${c['tensor-spec']?.dtype}>[${c['tensor-spec']?.shape?.join(',')}]` : c.type}`).join(', ')]);
      } catch {
        out.push([`Signature ${part}`, n.text]);
      }
    }
  }
  return out;
}

async function loadPreview(entry: ArtifactEntry, signal: AbortSignal): Promise<Preview> {
  if (entry.isDir) return { kind: 'none', reason: 'A folder: choose a file inside it.' };
  if (entry.lfs) return { kind: 'none', reason: 'Stored with Git LFS: its content is not in the site.' };
  if (!entry.href) return { kind: 'none', reason: `Not copied into the site (${formatBytes(entry.size)} is above the size limit).` };
  const name = entry.path.split('/').pop() ?? entry.path;
  if (IMAGE.test(name)) return { kind: 'image', src: site.url(entry.href) };
  if (SVG.test(name)) {
    // Stored as .svg.txt (never served as live SVG); shown through a blob in an <img>, where scripts do not run.
    const { text } = await fetchText(entry.href, signal);
    return { kind: 'image', src: URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' })) };
  }
  if (name === 'MLmodel') {
    const { text } = await fetchText(entry.href, signal);
    let summary: [string, string][] = [];
    try {
      summary = await mlmodelSummary(text);
    } catch {
      // not YAML after all: the text is still shown
    }
    return { kind: 'mlmodel', text, summary };
  }
  if (JSON_FILE.test(name)) {
    const { text, truncated } = await fetchText(entry.href, signal);
    if (!truncated && name.endsWith('.json')) {
      try {
        return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
      } catch {
        // invalid JSON: show as it is
      }
    }
    return { kind: 'text', text, truncated };
  }
  if (CSV.test(name)) {
    const { text, truncated } = await fetchText(entry.href, signal);
    const parsed = parseCsv(text, name.toLowerCase().endsWith('.tsv') ? '\t' : ',');
    return { kind: 'csv', rows: parsed.rows, truncated: truncated || parsed.truncated };
  }
  if (TEXT.test(name) || (entry.size ?? 0) < 64 * 1024) {
    const { text, truncated } = await fetchText(entry.href, signal);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0e-\x1f]/.test(text.slice(0, 2000))) return { kind: 'none', reason: 'A binary file.' };
    return { kind: 'text', text, truncated };
  }
  return { kind: 'none', reason: 'No preview for this kind of file.' };
}

/**
 * @fires artifact-select - detail: path
 */
@customElement('mlt-artifact-browser')
export class MltArtifactBrowser extends LitElement {
  static override styles = [
    shared,
    css`
      .layout { display: grid; grid-template-columns: minmax(220px, 320px) 1fr; gap: 12px; min-height: 300px; }
      ul { list-style: none; margin: 0; padding: 0; border: 1px solid var(--border); border-radius: 6px; overflow: auto; max-height: 70vh; }
      li button { all: unset; display: flex; justify-content: space-between; gap: 8px; width: 100%; box-sizing: border-box; padding: 4px 8px; cursor: pointer; font-size: 13px; }
      li button:hover { background: var(--hover); }
      li button:focus-visible { outline: 2px solid var(--focus); outline-offset: -2px; }
      li button[aria-current='true'] { background: var(--selected); }
      .size { color: var(--muted); font-size: 12px; white-space: nowrap; }
      .preview { border: 1px solid var(--border); border-radius: 6px; padding: 10px; overflow: auto; max-height: 70vh; min-width: 0; }
      pre { margin: 0; font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; }
      img { max-width: 100%; background: repeating-conic-gradient(var(--bg-sunken) 0 25%, transparent 0 50%) 0 0 / 16px 16px; }
      .path { font-weight: 600; margin-bottom: 8px; display: flex; gap: 12px; align-items: baseline; overflow-wrap: anywhere; }
    `,
  ];

  @property({ attribute: false }) files: ArtifactEntry[] = [];
  @property({ type: Boolean }) truncated = false;
  /** The path shown. */
  @property() path: string | null = null;

  private _preview = new Loader<Preview, [ArtifactEntry | undefined]>(
    this,
    async ([entry], signal) => (entry ? loadPreview(entry, signal) : { kind: 'none', reason: '' }),
    () => [this._entry()],
  );

  private _entry(): ArtifactEntry | undefined {
    if (this.path) return this.files.find((f) => f.path === this.path);
    return this.files.find((f) => f.path.endsWith('MLmodel')) ?? this.files.find((f) => !f.isDir);
  }

  override render() {
    if (this.files.length === 0) return html`<p class="muted">No artifacts.</p>`;
    const current = this._entry();
    return html`<div class="layout">
      <ul role="tree" aria-label="Artifacts" @keydown=${this._onKey}>
        ${this.files.map((f) => {
          const depth = f.path.split('/').length - 1;
          const name = f.path.split('/').pop();
          return html`<li role="treeitem" aria-level=${depth + 1} aria-selected=${f === current ? 'true' : 'false'}>
            <button style="padding-left:${8 + depth * 14}px" aria-current=${f === current ? 'true' : 'false'} @click=${() => this._select(f.path)}>
              <span>${f.isDir ? '▾ ' : ''}${name}${f.isDir ? '/' : ''}</span><span class="size">${f.isDir ? '' : f.lfs ? 'LFS' : formatBytes(f.size)}</span>
            </button>
          </li>`;
        })}
        ${this.truncated ? html`<li class="muted" style="padding:4px 8px">…more files not listed</li>` : ''}
      </ul>
      <section class="preview" aria-label="Preview" aria-live="polite">
        ${current
          ? html`<div class="path"><span>${current.path}</span>${current.href ? html`<a href=${site.url(current.href)} download=${current.path.split('/').pop() ?? 'artifact'}>Download</a>` : ''}</div>`
          : ''}
        ${this._preview.render({
          pending: () => html`<p class="loading">Loading preview…</p>`,
          complete: (p) => this._renderPreview(p, current),
          error: (e) => html`<p class="error">${e.message}</p>`,
        })}
      </section>
    </div>`;
  }

  private _renderPreview(p: Preview, entry: ArtifactEntry | undefined) {
    switch (p.kind) {
      case 'none':
        return html`<p class="muted">${p.reason}</p>`;
      case 'text':
        return html`<pre>${p.text}</pre>${p.truncated ? html`<p class="muted">Only the first ${formatBytes(PREVIEW_LIMIT)} are shown.</p>` : ''}`;
      case 'json':
        return html`<pre>${p.text}</pre>`;
      case 'csv':
        return html`<table class="data">
            ${p.rows.length ? html`<thead><tr>${p.rows[0]!.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>` : ''}
            <tbody>${p.rows.slice(1).map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
          </table>
          ${p.truncated ? html`<p class="muted">First ${CSV_ROWS} rows.</p>` : ''}`;
      case 'image':
        return html`<img src=${p.src} alt=${`Artifact ${entry?.path ?? ''}`} />`;
      case 'mlmodel':
        return html`${p.summary.length
            ? html`<table class="kv" aria-label="Model summary"><tbody>${p.summary.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`
            : ''}
          <h3>MLmodel</h3>
          <pre>${p.text}</pre>`;
    }
  }

  private _select(path: string) {
    this.dispatchEvent(new CustomEvent('artifact-select', { detail: path, bubbles: true, composed: true }));
  }

  private _onKey(e: KeyboardEvent) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('li button')];
    const i = buttons.indexOf(e.composedPath()[0] as HTMLButtonElement);
    const next = buttons[i + (e.key === 'ArrowDown' ? 1 : -1)];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-artifact-browser': MltArtifactBrowser;
  }
}
