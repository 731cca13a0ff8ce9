/**
 * The shell: header with navigation and theme switch, the page for the current route (read from
 * the URL hash, so every view is a deep link), the error notifier, and live reload when the site
 * is served by `mltrack ui`.
 */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SiteManifest } from '../../../src/format/siteFormat.js';
import { showError, toUiError, UiError } from '../data/errors.js';
import { site } from '../data/siteData.js';
import { formatAgo } from '../format.js';
import { formatRoute, parseRoute, type Route } from '../route.js';
import { shared } from '../styles.js';
import { currentTheme, setTheme } from '../theme.js';
import './mlt-error-notifier.js';
import './mlt-experiments-page.js';
import './mlt-runs-page.js';
import './mlt-run-page.js';
import './mlt-compare-page.js';
import './mlt-models-page.js';
import './mlt-model-page.js';
import './mlt-history-page.js';

const LIVE_POLL_MS = 2000;
/** Consecutive failed polls before the user is told (a rebuild can make one miss). */
const LOST_AFTER_POLLS = 3;

/** The application shell. */
@customElement('mlt-app')
export class MltApp extends LitElement {
  static override styles = [
    shared,
    css`
      :host { display: flex; flex-direction: column; height: 100%; }
      header { display: flex; align-items: center; gap: 16px; padding: 0 20px; height: 48px; border-bottom: 1px solid var(--border); background: var(--bg-raised); flex: none; }
      .brand { font-weight: 700; font-size: 16px; color: var(--fg); letter-spacing: 0.2px; }
      nav { display: flex; gap: 4px; }
      nav a { padding: 6px 10px; border-radius: 5px; color: var(--fg); }
      nav a[aria-current='page'] { background: var(--selected); }
      .spacer { flex: 1; }
      .source { color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      main { flex: 1; min-height: 0; overflow: auto; }
      main.fill { overflow: hidden; display: flex; flex-direction: column; }
      main.fill > * { flex: 1; min-height: 0; }
      .skip { position: absolute; left: -9999px; }
      .skip:focus { left: 8px; top: 8px; z-index: 10; background: var(--bg); padding: 4px 8px; }
    `,
  ];

  @state() private _route: Route = parseRoute(location.hash);
  @state() private _manifest: SiteManifest | null = null;
  @state() private _generation = 0;
  @state() private _theme = currentTheme();

  private _poll: number | null = null;
  private _failedPolls = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this._theme = currentTheme();
    window.addEventListener('hashchange', this._onHashChange);
    window.addEventListener('mlt-navigate', this._onNavigate as EventListener);
    document.addEventListener('keydown', this._onKey);
    site.manifest().then(
      (m) => {
        this._manifest = m;
        if (m.live) this._poll = window.setInterval(() => void this._checkForRebuild(), LIVE_POLL_MS);
      },
      // The page shows why in place (its own load of the manifest fails the same way).
      () => undefined,
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this._onHashChange);
    window.removeEventListener('mlt-navigate', this._onNavigate as EventListener);
    document.removeEventListener('keydown', this._onKey);
    if (this._poll !== null) clearInterval(this._poll);
  }

  override render() {
    const page = this._route.page;
    const section = page === 'models' || page === 'model' ? 'models' : page === 'history' ? 'history' : 'experiments';
    const m = this._manifest;
    const source = m ? (m.source.kind === 'revision' ? `${m.source.rev} @ ${m.source.commit?.slice(0, 10)}` : 'working tree') : '';
    return html`
      <a class="skip" href="#main" @click=${this._skip}>Skip to content</a>
      <header>
        <a class="brand" href="#/" aria-label="mltrack home">mltrack</a>
        <nav aria-label="Sections">
          <a href="#/" aria-current=${section === 'experiments' ? 'page' : 'false'}>Experiments</a>
          <a href="#/models" aria-current=${section === 'models' ? 'page' : 'false'}>Models</a>
          <a href="#/history" aria-current=${section === 'history' ? 'page' : 'false'}>History</a>
        </nav>
        <span class="spacer"></span>
        ${m ? html`<span class="source" title=${`Built ${new Date(m.builtAt).toISOString()} by ${m.generator}`}>${source} · built ${formatAgo(m.builtAt)}${m.live ? ' · live' : ''}</span>` : ''}
        <button @click=${this._toggleTheme} aria-label=${`Switch to ${this._theme === 'dark' ? 'light' : 'dark'} theme`} title="Switch theme">
          ${this._theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main id="main" tabindex="-1" class=${page === 'runs' ? 'fill' : ''}>${this._page()}</main>
      <mlt-error-notifier></mlt-error-notifier>
    `;
  }

  private _page() {
    const r = this._route;
    const g = this._generation;
    switch (r.page) {
      case 'experiments':
        return html`<mlt-experiments-page .generation=${g}></mlt-experiments-page>`;
      case 'runs':
        return html`<mlt-runs-page .route=${r} .generation=${g}></mlt-runs-page>`;
      case 'run':
        return html`<mlt-run-page .route=${r} .generation=${g}></mlt-run-page>`;
      case 'compare':
        return html`<mlt-compare-page .route=${r} .generation=${g}></mlt-compare-page>`;
      case 'models':
        return html`<mlt-models-page .generation=${g}></mlt-models-page>`;
      case 'model':
        return html`<mlt-model-page .name=${r.name} .generation=${g}></mlt-model-page>`;
      case 'history':
        return html`<mlt-history-page .route=${r} .generation=${g}></mlt-history-page>`;
      case 'not-found':
        return html`<div class="page"><h1>Not found</h1><p>No page at <code>${r.path}</code>. <a href="#/">Back to the experiments</a>.</p></div>`;
    }
  }

  override updated(): void {
    const titles: Record<Route['page'], string> = {
      experiments: 'Experiments', runs: 'Runs', run: 'Run', compare: 'Compare runs', models: 'Models', model: 'Model', history: 'History', 'not-found': 'Not found',
    };
    document.title = `${titles[this._route.page]} · mltrack`;
  }

  private async _checkForRebuild(): Promise<void> {
    try {
      const fresh = await site.freshManifest();
      if (this._manifest && fresh.builtAt !== this._manifest.builtAt) {
        site.clear();
        this._manifest = fresh;
        this._generation = site.generation;
      }
      this._failedPolls = 0;
    } catch (err) {
      // The server is rebuilding (one miss) or gone: say so once per outage, and keep trying.
      if (++this._failedPolls === LOST_AFTER_POLLS) {
        showError(new UiError(`Lost contact with the server (${toUiError(err).message}). The page shows the data as last loaded and keeps trying.`, 'Server not reachable'));
      }
    }
  }

  private _onHashChange = () => {
    this._route = parseRoute(location.hash);
  };

  private _onNavigate = (e: CustomEvent<{ route: Route; replace: boolean }>) => {
    const hash = formatRoute(e.detail.route);
    if (e.detail.replace) {
      history.replaceState(history.state, '', hash);
      this._route = e.detail.route;
    } else if (hash !== location.hash) {
      location.hash = hash;
    }
  };

  /** Global keys: `/` focuses the page's search box; `g e`, `g m`, `g h` go to a section. */
  private _pendingG = false;
  private _onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement | undefined;
    const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/') {
      const search = this._findSearch();
      if (search) {
        e.preventDefault();
        search.focus();
      }
      return;
    }
    if (this._pendingG) {
      this._pendingG = false;
      const to: Record<string, string> = { e: '#/', m: '#/models', h: '#/history' };
      if (to[e.key]) location.hash = to[e.key]!;
      return;
    }
    if (e.key === 'g') {
      this._pendingG = true;
      setTimeout(() => (this._pendingG = false), 1500);
    }
  };

  private _findSearch(): HTMLInputElement | null {
    const walk = (root: ShadowRoot | Document | null): HTMLInputElement | null => {
      if (!root) return null;
      const found = root.querySelector<HTMLInputElement>('input[type="search"]');
      if (found) return found;
      for (const el of root.querySelectorAll('*')) {
        const hit = walk((el as HTMLElement).shadowRoot);
        if (hit) return hit;
      }
      return null;
    };
    return walk(this.shadowRoot);
  }

  private _skip(e: Event) {
    e.preventDefault();
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }

  private _toggleTheme() {
    this._theme = this._theme === 'dark' ? 'light' : 'dark';
    setTheme(this._theme);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-app': MltApp;
  }
}
