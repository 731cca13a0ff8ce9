/** The experiments list: each with its runs, latest activity and description. */
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SiteExperiment, SiteManifest } from '../../../src/site/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatAgo, formatTime } from '../format.js';
import { experimentHref } from '../route.js';
import { shared } from '../styles.js';

/** Every experiment of the site. */
@customElement('mlt-experiments-page')
export class MltExperimentsPage extends LitElement {
  static override styles = [shared];

  /** Bumped when the data was rebuilt. */
  @property({ type: Number }) generation = 0;

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
        <span>${active.length} experiment${active.length === 1 ? '' : 's'}, ${runs.toLocaleString('en-US')} runs</span>
        <span>${m.registry.models} registered model${m.registry.models === 1 ? '' : 's'}</span>
        <span>${m.source.kind === 'revision' ? html`from revision <span class="mono">${m.source.rev}</span> (<span class="mono">${m.source.commit?.slice(0, 10)}</span>)` : 'from the working tree'}</span>
      </p>
      ${this._table(active, 'Active experiments')}
      ${deleted.length ? html`<h2>Deleted experiments</h2>${this._table(deleted, 'Deleted experiments')}` : ''}`;
  }

  private _table(experiments: SiteExperiment[], label: string) {
    if (experiments.length === 0) return html`<p class="muted">No experiments yet: log a run, then rebuild the site.</p>`;
    return html`<table class="data" aria-label=${label}>
      <thead><tr><th scope="col">Name</th><th scope="col">ID</th><th scope="col" class="num">Runs</th><th scope="col">Last run</th><th scope="col">Created</th><th scope="col">Description</th></tr></thead>
      <tbody>
        ${experiments.map(
          (e) => html`<tr>
            <td><a href=${experimentHref(e.experimentId)}>${e.name}</a></td>
            <td class="mono">${e.experimentId}</td>
            <td class="num">${e.activeRunCount.toLocaleString('en-US')}${e.runCount > e.activeRunCount ? html` <span class="muted">(+${e.runCount - e.activeRunCount} deleted)</span>` : ''}</td>
            <td title=${formatTime(e.lastRunStart)}>${formatAgo(e.lastRunStart)}</td>
            <td>${formatTime(e.creationTime)}</td>
            <td class="value">${e.tags['mlflow.note.content'] ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-experiments-page': MltExperimentsPage;
  }
}
