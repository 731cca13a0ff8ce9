/**
 * One registered model: description, tags, aliases, every version (stage, run, size, training
 * time), and its history from git: the stage events from the registry's tags (who, when, why) and
 * the tracking-branch commits that changed it.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { displayUri, type SiteRegisteredModel } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { formatBytes, formatDuration, formatTime, plural, safeHttpUrl } from '../format.js';
import { runHref } from '../route.js';
import { renderMarkdown } from '../markdown.js';
import { shared } from '../styles.js';

/** The model detail page. */
@customElement('mlt-model-page')
export class MltModelPage extends LitElement {
  static override styles = [
    shared,
    css`
      .description { overflow-wrap: anywhere; border-left: 3px solid var(--border); padding: 4px 12px; margin: 8px 0; overflow-wrap: anywhere; }
      ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--border); }
      ol.timeline li { position: relative; padding: 4px 0 10px 16px; }
      ol.timeline li::before { content: ''; position: absolute; left: -6px; top: 9px; width: 10px; height: 10px; border-radius: 50%; background: var(--accent); }
      .when { color: var(--muted); font-size: 12px; }
      .reason { font-style: italic; overflow-wrap: anywhere; }
    `,
  ];

  /** The model's name. */
  @property() name = '';
  @property({ type: Number }) generation = 0;

  private _data = new Loader<SiteRegisteredModel, [string, number]>(
    this,
    async ([name]) => {
      const model = (await site.registry()).models.find((m) => m.name === name);
      if (!model) throw new Error(`No registered model named ${name} in this site`);
      return model;
    },
    () => [this.name, this.generation],
  );

  override render() {
    return html`<div class="page">
      <nav class="sub" aria-label="Breadcrumb"><a href="#/models">Models</a> ›</nav>
      ${this._data.render({
        pending: () => html`<h1>${this.name}</h1><p class="loading">Loading…</p>`,
        complete: (m) => this._body(m),
        error: (e) => html`<h1>${this.name}</h1><p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _body(m: SiteRegisteredModel) {
    const tags = Object.entries(m.tags).sort(([a], [b]) => (a < b ? -1 : 1));
    const versions = [...m.versions].sort((a, b) => b.version - a.version);
    return html`
      <h1>${m.name}</h1>
      <p class="sub">
        <span>Created ${formatTime(m.creationTimestamp)}</span><span>Updated ${formatTime(m.lastUpdatedTimestamp)}</span>
        ${m.latestVersions.map((v) => html`<span class="badge ${v.stage}">v${v.version} ${v.stage}</span>`)}
        ${Object.entries(m.aliases).map(([a, v]) => html`<span class="badge alias">@${a} → v${v}</span>`)}
      </p>
      ${m.description ? html`<div class="description">${renderMarkdown(m.description)}</div>` : ''}
      ${tags.length ? html`<h2>Tags</h2><table class="kv" aria-label="Model tags"><tbody>${tags.map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="value">${v}</td></tr>`)}</tbody></table>` : ''}
      <h2 class="version-count">${plural(versions.length, 'version')}</h2>
      <table class="data" aria-label="Model versions">
        <thead><tr><th scope="col">Version</th><th scope="col">Stage</th><th scope="col">Aliases</th><th scope="col">Run</th><th scope="col">Registered</th><th scope="col">By</th><th scope="col" class="num">Size</th><th scope="col" class="num">Training time</th><th scope="col">Status</th><th scope="col">Description</th><th scope="col">Tags</th></tr></thead>
        <tbody>
          ${versions.map((v) => {
            const link = safeHttpUrl(v.runLink);
            return html`<tr>
              <td>v${v.version}</td>
              <td><span class="badge ${v.currentStage ?? 'None'}">${v.currentStage ?? 'None'}</span></td>
              <td>${v.aliases.map((a) => html`<span class="badge alias">@${a}</span> `)}</td>
              <td>${v.runId
                ? v.run
                  ? html`<a href=${runHref(v.runId)}>${v.run.runName ?? v.runId}</a>`
                  : html`<span class="mono" title="This run is not in the site">${v.runId.slice(0, 10)}</span>`
                : link
                  ? html`<a href=${link} rel="noopener noreferrer" target="_blank">${v.runLink}</a>`
                  : html`<span class="mono">${v.source === null ? '–' : displayUri(v.source)}</span>`}</td>
              <td>${formatTime(v.creationTimestamp)}</td>
              <td>${v.userId ?? '–'}</td>
              <td class="num">${formatBytes(v.modelSizeBytes)}</td>
              <td class="num">${v.run && v.run.endTime !== null ? formatDuration(v.run.endTime - v.run.startTime) : '–'}</td>
              <td>${v.status ?? '–'}${v.statusMessage ? html` <span class="muted">${v.statusMessage}</span>` : ''}</td>
              <td class="value">${v.description ?? ''}</td>
              <td class="value">${Object.entries(v.tags).map(([k, val]) => `${k}=${val}`).join('\n')}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <h2>Stage history</h2>
      ${m.events.length
        ? html`<ol class="timeline" aria-label="Stage history">
            ${[...m.events].reverse().map((e) => html`<li>
              <div><strong>${e.kind === 'registered' ? `Registered v${e.version}` : `v${e.version} → ${e.stage}`}</strong>
                ${e.runId ? html` from <a href=${runHref(e.runId)}>run ${e.runId.slice(0, 8)}</a>` : ''}</div>
              <div class="when">${formatTime(e.time)} · ${e.tagger} · <span class="mono">${e.commit.slice(0, 10)}</span> · tag <span class="mono">${e.tag}</span></div>
              ${e.reason ? html`<div class="reason">“${e.reason}”</div>` : ''}
            </li>`)}
          </ol>`
        : html`<p class="muted">No stage events from git tags yet: registry changes get their tags when they are committed (<span class="mono">mltrack commit</span>, or <span class="mono">mltrack tags sync</span>).</p>`}
      <h2>Commits</h2>
      ${m.commits.length
        ? html`<table class="data" aria-label="Commits that changed this model">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Commit</th><th scope="col">Subject</th></tr></thead>
            <tbody>${m.commits.map((c) => html`<tr><td>${formatTime(c.time)}</td><td>${c.author}</td><td class="mono">${c.commit.slice(0, 10)}</td><td>${c.subject}</td></tr>`)}</tbody>
          </table>`
        : html`<p class="muted">No tracking-branch commit changed this model yet.</p>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-model-page': MltModelPage;
  }
}
