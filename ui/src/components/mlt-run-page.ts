/**
 * One run: overview (attributes, lineage, description, params, metrics, tags, dataset inputs),
 * metric charts, the artifact browser, and the tracking-branch commits that touched it.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { displayUri, metricValueFromJson, type SiteCommit, type SiteRun } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { site } from '../data/siteData.js';
import { commitUrl, formatDuration, formatNumber, formatTime, safeHttpUrl } from '../format.js';
import { experimentHref, navigate, runHref, type ChartOptions, type Route, type RunTab } from '../route.js';
import { renderMarkdown } from '../markdown.js';
import { shared } from '../styles.js';
import './mlt-artifact-browser.js';
import './mlt-metrics-panel.js';

type RunRoute = Extract<Route, { page: 'run' }>;

interface Loaded {
  run: SiteRun;
  experimentName: string | null;
  /** Runs whose mlflow.parentRunId is this run (same experiment). */
  children: { runId: string; name: string }[];
  parentName: string | null;
  parentKnown: boolean;
  commits: SiteCommit[] | null;
}

const TABS: { id: RunTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metric charts' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'history', label: 'History' },
];

const LINEAGE_TAGS = new Set([
  'mlflow.source.git.commit', 'mlflow.source.git.branch', 'mlflow.source.git.repoURL', 'mlflow.source.git.dirty', 'mltrack.source.snapshot',
  'mlflow.parentRunId', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.user', 'mlflow.runName', 'mlflow.note.content',
]);

/** The run detail page. */
@customElement('mlt-run-page')
export class MltRunPage extends LitElement {
  static override styles = [
    shared,
    css`
      .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 24px; }
      .description { overflow-wrap: anywhere; border-left: 3px solid var(--border); padding: 4px 12px; margin: 8px 0; overflow-wrap: anywhere; }
      details summary { cursor: pointer; color: var(--muted); margin: 8px 0; }
      .trailers { color: var(--muted); font-size: 12px; }
    `,
  ];

  @property({ attribute: false }) route!: RunRoute;
  @property({ type: Number }) generation = 0;

  private _data = new Loader<Loaded, [string, number]>(
    this,
    async ([runId]) => {
      const run = await site.run(runId);
      const manifest = await site.manifest();
      const experiment = manifest.experiments.find((e) => e.experimentId === run.info.experimentId);
      const parentId = run.tags['mlflow.parentRunId'] ?? null;
      const children: Loaded['children'] = [];
      let parentName: string | null = null;
      let parentKnown = false;
      const families = experiment ? await site.families(experiment.experimentId) : null;
      if (families) {
        for (const [child, parent] of Object.entries(families.parent)) if (parent === runId) children.push({ runId: child, name: families.name[child] ?? child });
        children.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
        if (parentId && Object.hasOwn(families.name, parentId)) {
          parentKnown = true;
          parentName = families.name[parentId] ?? null;
        }
      }
      // A site built before families.json: every shard is read.
      const indexes = experiment && !families ? await site.runsIndexes(experiment) : [];
      for (const index of indexes) {
        const parentCol = index.tags['mlflow.parentRunId'];
        for (let i = 0; i < index.count; i++) {
          if (parentCol?.[i] === runId) children.push({ runId: index.runId[i]!, name: index.runName[i] ?? index.runId[i]! });
          if (parentId && index.runId[i] === parentId) {
            parentKnown = true;
            parentName = index.runName[i] ?? null;
          }
        }
      }
      const log = await site.log();
      const commits = log ? log.commits.filter((c) => c.trailers.some((t) => t.key.startsWith('Mltrack-Run-') && t.value === runId)) : null;
      return { run, experimentName: experiment?.name ?? null, children, parentName, parentKnown, commits };
    },
    () => [this.route.runId, this.generation],
  );

  override render() {
    return html`<div class="page">
      ${this._data.render({
        pending: () => html`<p class="loading">Loading run…</p>`,
        complete: (d) => this._body(d),
        error: (e) => html`<h1>Run ${this.route.runId}</h1><p class="error">${e.message}</p>`,
      })}
    </div>`;
  }

  private _body(d: Loaded) {
    const { run } = d;
    const info = run.info;
    const name = info.runName ?? info.runId;
    return html`
      <nav class="sub" aria-label="Breadcrumb">
        <a href="#/">Experiments</a> ›
        ${d.experimentName !== null ? html`<a href=${experimentHref(info.experimentId)}>${d.experimentName}</a>` : html`<span>experiment ${info.experimentId}</span>`}
      </nav>
      <h1>${name}</h1>
      <p class="sub">
        <span class="badge ${info.status}">${info.status}</span>
        ${info.lifecycleStage === 'deleted' ? html`<span class="badge FAILED">deleted</span>` : ''}
        <span class="mono">${info.runId}</span>
        <span>${formatTime(info.startTime)}</span>
        <span>${info.endTime === null ? 'running' : formatDuration(info.endTime - info.startTime)}</span>
      </p>
      <div role="tablist" aria-label="Run sections" @keydown=${this._onTabKey}>
        ${TABS.map(
          (t) => html`<button role="tab" id=${`tab-${t.id}`} aria-selected=${this.route.tab === t.id ? 'true' : 'false'} aria-controls="panel" tabindex=${this.route.tab === t.id ? '0' : '-1'} @click=${() => this._go({ tab: t.id })}>
            ${t.label}${t.id === 'artifacts' && 'files' in run.artifacts ? ` (${run.artifacts.files.filter((f) => !f.isDir).length})` : t.id === 'metrics' ? ` (${Object.keys(run.metrics).length})` : ''}
          </button>`,
        )}
      </div>
      <section id="panel" role="tabpanel" aria-labelledby=${`tab-${this.route.tab}`}>${this._panel(d)}</section>
    `;
  }

  private _panel(d: Loaded) {
    const run = d.run;
    switch (this.route.tab) {
      case 'overview':
        return this._overview(d);
      case 'metrics':
        return html`<mlt-metrics-panel
          .runs=${this._panelRuns(run)}
          .keys=${Object.keys(run.metrics).sort()}
          .selected=${this.route.metrics}
          .chart=${this.route.chart}
          .generation=${this.generation}
          @chart-change=${(e: CustomEvent<{ metrics?: string[]; chart?: ChartOptions }>) => this._go({ ...(e.detail.metrics ? { metrics: e.detail.metrics } : {}), ...(e.detail.chart ? { chart: e.detail.chart } : {}) }, true)}
        ></mlt-metrics-panel>`;
      case 'artifacts':
        return 'unavailable' in run.artifacts
          ? html`<p class="muted">${run.artifacts.unavailable}</p>`
          : html`<mlt-artifact-browser .files=${run.artifacts.files} ?truncated=${run.artifacts.truncated} .path=${this.route.artifact} @artifact-select=${(e: CustomEvent<string>) => this._go({ artifact: e.detail }, true)}></mlt-artifact-browser>`;
      case 'history':
        return this._history(d.commits);
    }
  }

  private _panelRunsCache: { key: string; value: { runId: string; label: string; startTime: number }[] } | null = null;
  private _panelRuns(run: SiteRun) {
    const key = `${run.info.runId}:${run.info.startTime}`;
    if (this._panelRunsCache?.key !== key) this._panelRunsCache = { key, value: [{ runId: run.info.runId, label: run.info.runName ?? run.info.runId, startTime: run.info.startTime }] };
    return this._panelRunsCache.value;
  }

  private _overview(d: Loaded) {
    const run = d.run;
    const t = run.tags;
    const description = t['mlflow.note.content'];
    const commit = t['mlflow.source.git.commit'];
    const repo = t['mlflow.source.git.repoURL'] ?? t['mlflow.gitRepoURL'];
    const commitLink = commitUrl(repo, commit);
    const repoLink = safeHttpUrl(repo);
    const snapshot = t['mltrack.source.snapshot'];
    const parent = t['mlflow.parentRunId'];
    const metrics = Object.entries(run.metrics).sort(([a], [b]) => (a < b ? -1 : 1));
    const userTags = Object.entries(t).filter(([k]) => !LINEAGE_TAGS.has(k) && !k.startsWith('mlflow.')).sort(([a], [b]) => (a < b ? -1 : 1));
    const systemTags = Object.entries(t).filter(([k]) => LINEAGE_TAGS.has(k) || k.startsWith('mlflow.')).sort(([a], [b]) => (a < b ? -1 : 1));
    return html`
      ${description ? html`<h2>Description</h2><div class="description">${renderMarkdown(description)}</div>` : ''}
      <div class="grid2">
        <section aria-labelledby="h-about">
          <h2 id="h-about">About</h2>
          <table class="kv"><tbody>
            <tr><th scope="row">Run ID</th><td class="mono">${run.info.runId}</td></tr>
            <tr><th scope="row">Status</th><td>${run.info.status}</td></tr>
            <tr><th scope="row">User</th><td>${run.info.userId}</td></tr>
            <tr><th scope="row">Started</th><td>${formatTime(run.info.startTime)}</td></tr>
            <tr><th scope="row">Ended</th><td>${formatTime(run.info.endTime)}</td></tr>
            <tr><th scope="row">Source</th><td>${t['mlflow.source.name'] ?? '–'} ${t['mlflow.source.type'] ? html`<span class="muted">(${t['mlflow.source.type']})</span>` : ''}</td></tr>
            <tr><th scope="row">Artifact URI</th><td class="mono artifact-uri" title="Relative to the project's mlruns directory when it lies in it">${displayUri(run.info.artifactUri)}</td></tr>
          </tbody></table>
        </section>
        <section aria-labelledby="h-lineage">
          <h2 id="h-lineage">Lineage</h2>
          <table class="kv"><tbody>
            <tr><th scope="row">Code commit</th><td class="mono">${commit ? (commitLink ? html`<a href=${commitLink} rel="noopener noreferrer" target="_blank">${commit}</a>` : commit) : '–'}</td></tr>
            <tr><th scope="row">Branch</th><td>${t['mlflow.source.git.branch'] ?? '–'}</td></tr>
            <tr><th scope="row">Repository</th><td class="mono">${repo ? (repoLink ? html`<a href=${repoLink} rel="noopener noreferrer" target="_blank">${repo}</a>` : repo) : '–'}</td></tr>
            <tr><th scope="row">Work tree</th><td>${t['mlflow.source.git.dirty'] === 'true' ? html`<span class="badge Staging">dirty</span>` : t['mlflow.source.git.dirty'] === 'false' ? 'clean' : '–'}</td></tr>
            <tr><th scope="row">Source snapshot</th><td class="mono">${snapshot ?? '–'}${snapshot ? html`<div class="muted" style="font-family:var(--sans)">the exact code of a dirty work tree: <span class="mono checkout-hint">mltrack runs checkout-source ${run.info.runId} DIR</span></div>` : ''}</td></tr>
            <tr><th scope="row">Parent run</th><td>${parent ? (d.parentKnown ? html`<a href=${runHref(parent)}>${d.parentName ?? parent}</a>` : html`<span class="mono">${parent}</span>`) : '–'}</td></tr>
            ${d.children.length ? html`<tr><th scope="row">Child runs</th><td>${d.children.map((c, i) => html`${i ? ', ' : ''}<a href=${runHref(c.runId)}>${c.name}</a>`)}</td></tr>` : ''}
            ${run.inputs.map((i) => html`<tr><th scope="row">Data: ${i.name}</th><td><span class="mono">${i.digest}</span>${i.tags['mlflow.data.context'] ? html` <span class="badge">${i.tags['mlflow.data.context']}</span>` : ''}</td></tr>`)}
          </tbody></table>
        </section>
      </div>
      <div class="grid2">
        <section aria-labelledby="h-params">
          <h2 id="h-params">Parameters (${Object.keys(run.params).length})</h2>
          ${this._kv(Object.entries(run.params).sort(([a], [b]) => (a < b ? -1 : 1)), 'Parameters')}
        </section>
        <section aria-labelledby="h-metrics">
          <h2 id="h-metrics">Metrics (${metrics.length})</h2>
          ${metrics.length
            ? html`<table class="data" aria-label="Metrics"><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Latest</th><th scope="col" class="num">Step</th><th scope="col" class="num">Points</th></tr></thead>
              <tbody>${metrics.map(([k, m]) => html`<tr>
                <td><a href=${runHref(run.info.runId, { tab: 'metrics', metrics: [k], chart: this.route.chart })}>${k}</a></td>
                <td class="num" title=${String(m.value)}>${formatNumber(metricValueFromJson(m.value), 6)}</td>
                <td class="num">${m.step}</td><td class="num">${m.points.toLocaleString('en-US')}</td></tr>`)}</tbody></table>`
            : html`<p class="muted">None.</p>`}
        </section>
      </div>
      <section aria-labelledby="h-tags">
        <h2 id="h-tags">Tags (${userTags.length})</h2>
        ${this._kv(userTags, 'Tags')}
        <details><summary>System tags (${systemTags.length})</summary>${this._kv(systemTags, 'System tags')}</details>
      </section>
      ${run.inputs.length
        ? html`<section aria-labelledby="h-data"><h2 id="h-data">Dataset inputs</h2>
          <table class="data" aria-label="Dataset inputs"><thead><tr><th scope="col">Name</th><th scope="col">Digest</th><th scope="col">Context</th><th scope="col">Source</th><th scope="col">Profile</th><th scope="col">Schema</th></tr></thead>
            <tbody>${run.inputs.map((i) => html`<tr><td>${i.name}</td><td class="mono">${i.digest}</td><td>${i.tags['mlflow.data.context'] ?? ''}</td>
              <td class="mono">${i.sourceType}: ${i.source}</td><td class="mono">${i.profile ?? ''}</td><td class="mono">${i.schema ?? ''}</td></tr>`)}</tbody></table></section>`
        : ''}
    `;
  }

  private _kv(entries: [string, string][], label: string) {
    if (entries.length === 0) return html`<p class="muted">None.</p>`;
    return html`<table class="kv" aria-label=${label}><tbody>${entries.map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="value">${v}</td></tr>`)}</tbody></table>`;
  }

  private _history(commits: SiteCommit[] | null) {
    if (commits === null) return html`<p class="muted">No tracking history in this site (the runs are not committed to a tracking branch).</p>`;
    if (commits.length === 0) return html`<p class="muted">No tracking-branch commit mentions this run yet: <span class="mono">mltrack commit</span> records it.</p>`;
    return html`<table class="data" aria-label="Commits that changed this run">
      <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Commit</th><th scope="col">What</th></tr></thead>
      <tbody>${commits.map((c) => html`<tr>
        <td>${formatTime(c.time)}</td><td>${c.author}</td><td class="mono">${c.commit.slice(0, 10)}</td>
        <td>${c.subject}<div class="trailers">${c.trailers.filter((t) => t.value === this.route.runId).map((t) => t.key.replace('Mltrack-Run-', '').toLowerCase()).join(', ')}</div></td>
      </tr>`)}</tbody>
    </table>`;
  }

  private _go(change: Partial<RunRoute>, replace = false) {
    navigate({ ...this.route, ...change }, { replace });
  }

  private _onTabKey(e: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.id === this.route.tab);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    this._go({ tab: TABS[next]!.id });
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${TABS[next]!.id}`)?.focus());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-run-page': MltRunPage;
  }
}
