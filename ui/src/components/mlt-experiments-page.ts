/** The experiments list: each with its runs, latest activity and description. */
import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SiteExperiment, SiteManifest } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatAgo, formatTime, plural } from '../format.js';
import { experimentHref } from '../route.js';
import { renderMarkdown } from '../markdown.js';
import { shared } from '../styles.js';

/** Every experiment of the site. */
@customElement('mlt-experiments-page')
export class MltExperimentsPage extends LitElement {
  static override styles = [shared];

  /** Bumped when the data was rebuilt. */
  @property({ type: Number }) generation = 0;

  /** Experiments ticked to show their runs side by side. */
  @state() private _chosen: ReadonlySet<string> = new Set();

  private _data = new Loader<SiteManifest, [number]>(this, () => site.manifest(), () => [this.generation]);

  override render() {
    return html`<div class="page">
      <h1>Experiments</h1>
      ${this._data.render({
        pending: () => html`<p class="loading">Loading…</p>`,
        complete: (m) => this._body(m),
        error: (e) => html`<p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _body(m: SiteManifest) {
    const active = m.experiments.filter((e) => e.lifecycleStage === 'active');
    const deleted = m.experiments.filter((e) => e.lifecycleStage !== 'active');
    const runs = active.reduce((n, e) => n + e.activeRunCount, 0);
    return html`<p class="sub">
        <span>${plural(active.length, 'experiment')}, ${plural(runs, 'run')}</span>
        <span>${plural(m.registry.models, 'registered model')}</span>
        <span>${m.source.kind === 'revision' ? html`from revision <span class="mono">${m.source.rev}</span> (<span class="mono">${m.source.commit?.slice(0, 10)}</span>)` : 'from the working tree'}</span>
      </p>
      <div class="toolbar">
        <button class="primary" ?disabled=${this._chosen.size < 2} @click=${() => (location.hash = experimentHref([...this._chosen].join(',')))}>Show runs of ${plural(this._chosen.size, 'experiment')} together</button>
        <span class="muted">Tick experiments to see their runs side by side.</span>
      </div>
      ${this._table(active, 'Active experiments')}
      ${deleted.length ? html`<h2>Deleted experiments</h2>${this._table(deleted, 'Deleted experiments')}` : ''}`;
  }

  private _table(experiments: SiteExperiment[], label: string) {
    if (experiments.length === 0) return html`<p class="muted">No experiments yet: log a run, then rebuild the site.</p>`;
    return html`<table class="data" aria-label=${label}>
      <thead><tr><th scope="col"><span class="visually-hidden">Choose</span></th><th scope="col">Name</th><th scope="col">ID</th><th scope="col" class="num">Runs</th><th scope="col">Last run</th><th scope="col">Created</th><th scope="col">Description</th></tr></thead>
      <tbody>
        ${experiments.map(
          (e) => html`<tr>
            <td><input type="checkbox" aria-label=${`Choose experiment ${e.name}`} .checked=${this._chosen.has(e.experimentId)} @change=${(ev: Event) => this._choose(e.experimentId, (ev.target as HTMLInputElement).checked)} /></td>
            <td><a href=${experimentHref(e.experimentId)}>${e.name}</a></td>
            <td class="mono">${e.experimentId}</td>
            <td class="num">${e.activeRunCount.toLocaleString('en-US')}${e.runCount > e.activeRunCount ? html` <span class="muted">(+${e.runCount - e.activeRunCount} deleted)</span>` : ''}</td>
            <td title=${formatTime(e.lastRunStart)}>${formatAgo(e.lastRunStart)}</td>
            <td>${formatTime(e.creationTime)}</td>
            <td class="value">${e.tags['mlflow.note.content'] ? renderMarkdown(e.tags['mlflow.note.content']) : ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private _choose(id: string, on: boolean) {
    const next = new Set(this._chosen);
    if (on) next.add(id);
    else next.delete(id);
    this._chosen = next;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-experiments-page': MltExperimentsPage;
  }
}
