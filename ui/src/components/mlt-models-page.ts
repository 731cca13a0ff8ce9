/** The model registry: every registered model with its latest version per stage and its aliases. */
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SiteRegistry } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatTime, plural } from '../format.js';
import { modelHref } from '../route.js';
import { shared } from '../styles.js';

/** The registry overview page. */
@customElement('mlt-models-page')
export class MltModelsPage extends LitElement {
  static override styles = [shared];

  @property({ type: Number }) generation = 0;

  private _data = new Loader<SiteRegistry, [number]>(this, () => site.registry(), () => [this.generation]);

  override render() {
    return html`<div class="page">
      <h1>Registered models</h1>
      ${this._data.render({
        pending: () => html`<p class="loading">Loading the registry…</p>`,
        complete: (r) => this._body(r),
        error: (e) => html`<p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _body(r: SiteRegistry) {
    if (r.models.length === 0) {
      return html`<p class="muted">No registered models. Register one with <span class="mono">mltrack models register runs:/&lt;run-id&gt;/model NAME</span>, commit, and rebuild the site.</p>`;
    }
    return html`<p class="sub">${plural(r.models.length, 'model')}, ${plural(r.models.reduce((n, m) => n + m.versions.length, 0), 'version')}</p>
      <table class="data" aria-label="Registered models">
        <thead><tr><th scope="col">Name</th><th scope="col">Latest versions</th><th scope="col">Aliases</th><th scope="col" class="num">Versions</th><th scope="col">Updated</th><th scope="col">Description</th></tr></thead>
        <tbody>
          ${r.models.map(
            (m) => html`<tr>
              <td><a href=${modelHref(m.name)}>${m.name}</a></td>
              <td>${m.latestVersions.map((v) => html`<span class="badge ${v.stage}">v${v.version} ${v.stage}</span> `)}</td>
              <td>${Object.entries(m.aliases).map(([a, v]) => html`<span class="badge alias">@${a} → v${v}</span> `)}</td>
              <td class="num">${m.versions.length}</td>
              <td>${formatTime(m.lastUpdatedTimestamp)}</td>
              <td class="value">${m.description ?? ''}</td>
            </tr>`,
          )}
        </tbody>
      </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-models-page': MltModelsPage;
  }
}
