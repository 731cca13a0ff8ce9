/** The tracking branch's history: who committed which runs, experiments and models, and when. */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SiteCommit, SiteLog } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatTime, plural } from '../format.js';
import { experimentHref, modelHref, navigate, runHref, type Route } from '../route.js';
import { shared } from '../styles.js';

type HistoryRoute = Extract<Route, { page: 'history' }>;

/** The history page. */
@customElement('mlt-history-page')
export class MltHistoryPage extends LitElement {
  static override styles = [
    shared,
    css`
      .links { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 12px; }
      .links .kind { color: var(--muted); }
      input[type='search'] { min-width: 320px; }
    `,
  ];

  @property({ attribute: false }) route!: HistoryRoute;
  @property({ type: Number }) generation = 0;

  @state() private _limit = 200;

  private _data = new Loader<SiteLog | null, [number]>(this, () => site.log(), () => [this.generation]);

  override render() {
    return html`<div class="page">
      <h1>History</h1>
      ${this._data.render({
        pending: () => html`<p class="loading">Loading…</p>`,
        complete: (log) => (log ? this._body(log) : html`<p class="muted">This site has no tracking history: its runs are not in a git repository with a tracking branch (mltrack commit creates it).</p>`),
        error: (e) => html`<p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _matches(c: SiteCommit, q: string): boolean {
    if (!q) return true;
    const hay = `${c.subject}\n${c.author}\n${c.email}\n${c.commit}\n${c.trailers.map((t) => `${t.key}: ${t.value}`).join('\n')}`.toLowerCase();
    return q.toLowerCase().split(/\s+/).every((w) => hay.includes(w));
  }

  private _body(log: SiteLog) {
    const commits = log.commits.filter((c) => this._matches(c, this.route.filter));
    return html`<p class="sub"><span>Branch <span class="mono">${log.branch}</span></span><span>${plural(log.commits.length, 'commit')}${log.truncated ? ' (older ones left out)' : ''}</span></p>
      <div class="toolbar" role="search">
        <label>Find <input type="search" aria-label="Find commits by subject, author, run, experiment or model" .value=${this.route.filter} @change=${(e: Event) => navigate({ ...this.route, filter: (e.target as HTMLInputElement).value }, { replace: true })} /></label>
        <span class="muted" role="status">${commits.length} shown</span>
      </div>
      <table class="data" aria-label="Tracking branch commits">
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Commit</th><th scope="col">What</th></tr></thead>
        <tbody>${commits.slice(0, this._limit).map((c) => html`<tr>
          <td>${formatTime(c.time)}</td><td>${c.author}</td><td class="mono">${c.commit.slice(0, 10)}</td>
          <td>${c.subject}<div class="links">${c.trailers.map((t) => this._trailer(t))}</div></td>
        </tr>`)}</tbody>
      </table>
      ${commits.length > this._limit ? html`<button @click=${() => (this._limit += 500)}>Show more</button>` : ''}`;
  }

  private _trailer(t: { key: string; value: string }) {
    if (t.key.startsWith('Mltrack-Run-')) return html`<span><span class="kind">run ${t.key.slice(12).toLowerCase()}</span> <a href=${runHref(t.value)}>${t.value.slice(0, 8)}</a></span>`;
    if (t.key.startsWith('Mltrack-Experiment-')) return html`<span><span class="kind">experiment ${t.key.slice(19).toLowerCase()}</span> <a href=${experimentHref(t.value)}>${t.value}</a></span>`;
    if (t.key === 'Mltrack-Model') {
      let name = t.value;
      if (name.startsWith('"')) {
        try {
          name = JSON.parse(name) as string;
        } catch {
          // keep it as written
        }
      }
      return html`<span><span class="kind">model</span> <a href=${modelHref(name)}>${name}</a></span>`;
    }
    return html`<span><span class="kind">${t.key}</span> ${t.value}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-history-page': MltHistoryPage;
  }
}
