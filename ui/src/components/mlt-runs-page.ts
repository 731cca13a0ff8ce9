/**
 * An experiment's runs: MLflow's filter grammar evaluated in the browser with the CLI's parser,
 * sorting by any column (order_by semantics), column choice, selection for comparing. The filter,
 * order, columns, view and selection live in the URL.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Run } from '../../../src/format/entities.js';
import type { SiteExperiment } from '../../../src/format/siteFormat.js';
import { Loader } from '../data/Loader.js';
import { UiError } from '../data/errors.js';
import { indexToRuns, nestRuns, orderTerm, parseColumnId, parseOrderTerm, queryRuns, type QueryResult } from '../data/runsTable.js';
import { site } from '../data/siteData.js';
import { formatDuration, formatNumber, formatTime, plural, shortId } from '../format.js';
import { renderMarkdown } from '../markdown.js';
import { compareHref, navigate, type Route } from '../route.js';
import { shared } from '../styles.js';
import type { ColumnGroup } from './mlt-column-picker.js';
import './mlt-column-picker.js';
import type { TableColumn } from './mlt-runs-table.js';
import './mlt-runs-table.js';

type RunsRoute = Extract<Route, { page: 'runs' }>;

interface Loaded {
  /** The experiments shown side by side (one, or several from the experiments page). */
  experiments: SiteExperiment[];
  /** Ids asked for that the site does not have. */
  unknown: string[];
  /** The runs loaded so far (a new array whenever a shard arrives). */
  runs: Run[];
  /** Runs of all shards, as the manifest counts them. */
  total: number;
  /** Shards still loading; 0 when every run is in. */
  pending: number;
  /** Why some shards could not be loaded, if one failed. */
  shardError: string | null;
}

/** Shards fetched at once while the table fills in. */
const SHARDS_IN_FLIGHT = 4;

const ATTRIBUTE_COLUMNS: Record<string, Omit<TableColumn, 'id'>> = {
  status: { label: 'Status', width: 100, numeric: false, sortable: true, text: (r) => r.info.status },
  start_time: { label: 'Created', width: 160, numeric: false, sortable: true, text: (r) => formatTime(r.info.startTime) },
  experiment: { label: 'Experiment', width: 140, numeric: false, sortable: false, text: (r) => r.info.experimentId },
  duration: { label: 'Duration', width: 100, numeric: true, sortable: true, text: (r) => (r.info.endTime === null ? '–' : formatDuration(r.info.endTime - r.info.startTime)) },
  user_id: { label: 'User', width: 110, numeric: false, sortable: true, text: (r) => r.info.userId },
  source: { label: 'Source', width: 140, numeric: false, sortable: false, text: (r) => r.data.tags['mlflow.source.name'] ?? '' },
  commit: { label: 'Commit', width: 100, numeric: false, sortable: false, text: (r) => shortId(r.data.tags['mlflow.source.git.commit'], 10), title: (r) => r.data.tags['mlflow.source.git.commit'] ?? '' },
  datasets: { label: 'Datasets', width: 160, numeric: false, sortable: false, text: (r) => r.inputs.map((i) => `${i.dataset.name}@${i.dataset.digest.slice(0, 8)}`).join(', ') },
  run_id: { label: 'Run ID', width: 280, numeric: false, sortable: true, text: (r) => r.info.runId },
};

type KeySet = Pick<SiteExperiment, 'metricKeys' | 'paramKeys' | 'tagKeys'>;

/** The keys of several experiments together, sorted. */
function keySet(experiments: SiteExperiment[]): KeySet {
  const union = (pick: (e: SiteExperiment) => string[]) => [...new Set(experiments.flatMap(pick))].sort();
  return { metricKeys: union((e) => e.metricKeys), paramKeys: union((e) => e.paramKeys), tagKeys: union((e) => e.tagKeys) };
}

const DEFAULT_ATTRIBUTES = ['status', 'start_time', 'duration'];
const DEFAULT_KEYS = 8;

/** The runs table page. */
@customElement('mlt-runs-page')
export class MltRunsPage extends LitElement {
  static override styles = [
    shared,
    css`
      :host { display: flex; flex-direction: column; height: 100%; min-height: 0; }
      .top { padding: 14px 20px 0; flex: none; }
      .filter { display: flex; gap: 8px; align-items: center; flex: 1 1 420px; min-width: 280px; }
      .filter input { flex: 1; font-family: var(--mono); font-size: 13px; }
      .filter-error { margin: 4px 0 0; font-size: 13px; }
      .count { color: var(--muted); margin-left: auto; }
      .loading-runs { color: var(--muted); margin-left: auto; }
      .loading-runs + .count { margin-left: 0; }
      mlt-runs-table { flex: 1; min-height: 200px; }
      .help { font-size: 12px; color: var(--muted); margin: 2px 0 0; }
      .note { border-left: 3px solid var(--border); padding: 2px 10px; margin: 4px 0; max-height: 8em; overflow: auto; }
    `,
  ];

  @property({ attribute: false }) route!: RunsRoute;
  @property({ type: Number }) generation = 0;

  @state() private _filterText = '';

  private _data = new Loader<Loaded, [string, number]>(
    this,
    async ([experimentIds], signal) => {
      const manifest = await site.manifest();
      const ids = [...new Set(experimentIds.split(',').filter(Boolean))];
      const experiments = ids.map((id) => manifest.experiments.find((e) => e.experimentId === id)).filter((e): e is SiteExperiment => e !== undefined);
      const unknown = ids.filter((id) => !experiments.some((e) => e.experimentId === id));
      if (experiments.length === 0) throw new UiError(`No experiment with id ${ids.join(', ')} in this site.`, 'Not found', 404);
      // Newest runs first: the last shard of each experiment paints at once, the rest fill in.
      const shards = experiments.flatMap((e) => Array.from({ length: e.shards }, (_, k) => ({ experiment: e, shard: e.shards - 1 - k })));
      const first = shards.filter((s) => s.shard === s.experiment.shards - 1);
      const indexes = await Promise.all(first.map((s) => site.runsShard(s.experiment.experimentId, s.shard)));
      const loaded: Loaded = {
        experiments,
        unknown,
        runs: indexes.flatMap((index, i) => indexToRuns(index, first[i]!.experiment)),
        total: experiments.reduce((n, e) => n + e.runCount, 0),
        pending: shards.length - first.length,
        shardError: null,
      };
      void this._loadRest(loaded, shards.filter((s) => !first.includes(s)), signal);
      return loaded;
    },
    () => [this.route.experimentId, this.generation],
  );

  /**
   * Fetches the remaining shards a few at a time and adds their runs to the table in batches that
   * grow with it; shards that arrive while the table re-renders are added together at the next update.
   */
  private async _loadRest(loaded: Loaded, shards: { experiment: SiteExperiment; shard: number }[], signal: AbortSignal): Promise<void> {
    // The first rows paint before anything else is fetched or parsed.
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));
    const arrived: Run[][] = [];
    let next = 0;
    const fetchOne = async (): Promise<void> => {
      while (next < shards.length && !signal.aborted) {
        const { experiment, shard } = shards[next++]!;
        try {
          arrived.push(indexToRuns(await site.runsShard(experiment.experimentId, shard), experiment));
        } catch (err) {
          loaded.shardError ??= (err as Error).message;
          arrived.push([]);
        }
        flush();
      }
    };
    let flushing = false;
    let unflushed = shards.length;
    const flush = () => {
      // Each addition re-sorts every run loaded: add when the arrivals are half as many as those
      // already in (or are the last), so a hundred shards cost a handful of sorts.
      const waiting = arrived.reduce((n, runs) => n + runs.length, 0);
      if (flushing || signal.aborted || (arrived.length < unflushed && waiting * 2 < loaded.runs.length)) return;
      flushing = true;
      // After the update in progress: a burst of shards becomes one re-sort, not one per shard.
      void this.updateComplete.then(() => {
        flushing = false;
        if (signal.aborted || arrived.length === 0) return;
        const batch = arrived.splice(0);
        unflushed -= batch.length;
        loaded.runs = loaded.runs.concat(...batch);
        loaded.pending -= batch.length;
        this.requestUpdate();
        if (arrived.length) flush();
      });
    };
    await Promise.all(Array.from({ length: Math.min(SHARDS_IN_FLIGHT, shards.length) }, fetchOne));
  }

  private _memo: { runs: Run[]; filter: string; order: string; view: string; result: QueryResult } | null = null;
  private _debounce = 0;
  private _lastRouteFilter: string | null = null;

  override willUpdate(): void {
    // The input follows the URL when the URL changes (back button, deep link), not while typing.
    if (this.route.filter !== this._lastRouteFilter) {
      this._lastRouteFilter = this.route.filter;
      this._filterText = this.route.filter;
    }
  }

  override render() {
    return this._data.render({
      pending: () => html`<div class="top"><p class="loading">Loading runs…</p></div>`,
      complete: (d) => this._body(d),
      error: (e) => html`<div class="top"><p class="error">${e.message}</p></div>`,
    });
  }

  private _query(runs: Run[]): QueryResult {
    const r = this.route;
    const order = r.order.join('\n');
    const m = this._memo;
    if (m && m.runs === runs && m.filter === r.filter && m.order === order && m.view === r.view) return m.result;
    const result = queryRuns(runs, { filter: r.filter, order: r.order, view: r.view });
    this._memo = { runs, filter: r.filter, order, view: r.view, result };
    return result;
  }

  private _columnIds(e: KeySet, several: boolean): string[] {
    if (this.route.columns) return this.route.columns;
    return [
      ...(several ? ['attributes.experiment'] : []),
      ...DEFAULT_ATTRIBUTES.map((a) => `attributes.${a}`),
      ...e.metricKeys.slice(0, DEFAULT_KEYS).map((k) => `metrics.${k}`),
      ...e.paramKeys.slice(0, DEFAULT_KEYS).map((k) => `params.${k}`),
    ];
  }

  private _columns(ids: string[], names: Map<string, string>): TableColumn[] {
    const out: TableColumn[] = [];
    for (const id of ids) {
      const c = parseColumnId(id);
      if (!c) continue;
      const key = c.key;
      if (c.kind === 'attributes') {
        const a = ATTRIBUTE_COLUMNS[key];
        if (a) out.push({ id, group: 'Attributes', ...a, ...(key === 'experiment' ? { text: (r: Run) => names.get(r.info.experimentId) ?? r.info.experimentId } : {}) });
      } else if (c.kind === 'metrics') {
        out.push({
          id, label: key, width: 120, numeric: true, sortable: true, group: 'Metrics',
          text: (r) => (r.data.metrics[key] ? formatNumber(r.data.metrics[key].value) : null),
          title: (r) => { const m = r.data.metrics[key]; return m ? `${key} = ${m.value} (step ${m.step})` : `${key}: not logged`; },
        });
      } else {
        const source = c.kind === 'params' ? 'params' : 'tags';
        out.push({ id, label: key, width: 130, numeric: false, sortable: true, group: c.kind === 'params' ? 'Parameters' : 'Tags', text: (r) => r.data[source][key] ?? null });
      }
    }
    return out;
  }

  private _groups(e: KeySet): ColumnGroup[] {
    return [
      { kind: 'attributes', label: 'Attributes', options: Object.entries(ATTRIBUTE_COLUMNS).map(([k, v]) => ({ id: `attributes.${k}`, label: v.label })) },
      { kind: 'metrics', label: 'Metrics', options: e.metricKeys.map((k) => ({ id: `metrics.${k}`, label: k })) },
      { kind: 'params', label: 'Parameters', options: e.paramKeys.map((k) => ({ id: `params.${k}`, label: k })) },
      { kind: 'tags', label: 'Tags', options: e.tagKeys.map((k) => ({ id: `tags.${k}`, label: k })) },
    ];
  }

  private _body({ experiments, unknown, runs, total, pending, shardError }: Loaded) {
    const r = this.route;
    const result = this._query(runs);
    const keys = keySet(experiments);
    const several = experiments.length > 1;
    const names = new Map(experiments.map((e) => [e.experimentId, e.name]));
    const ids = this._columnIds(keys, several);
    const selected = new Set(r.selected);
    const sort = r.order.map(parseOrderTerm).filter((t): t is { id: string; descending: boolean } => t !== null);
    const rows = nestRuns(result.runs, this._expanded);
    const note = several ? undefined : experiments[0]!.tags['mlflow.note.content'];
    return html`
      <div class="top">
        <h1>${experiments.map((e) => e.name).join(' · ')}</h1>
        <p class="sub">
          <span>${several ? 'Experiments' : 'Experiment'} ${experiments.map((e, i) => html`${i ? ', ' : ''}<span class="mono">${e.experimentId}</span>`)}</span>
          ${unknown.length ? html`<span class="error unknown-experiments">Not in this site: ${unknown.join(', ')}</span>` : ''}
        </p>
        ${note ? html`<div class="note">${renderMarkdown(note)}</div>` : ''}
        <div class="toolbar" role="search">
          <form class="filter" @submit=${this._onSubmit}>
            <label for="filter" class="visually-hidden">Filter runs with MLflow's search syntax</label>
            <input
              id="filter"
              type="search"
              spellcheck="false"
              autocomplete="off"
              placeholder="metrics.rmse < 7 and params.lr = '0.1'"
              aria-describedby="filter-help"
              aria-invalid=${result.filterError ? 'true' : 'false'}
              .value=${this._filterText}
              @input=${this._onInput}
            />
            <button type="submit">Search</button>
          </form>
          <label>Show
            <select aria-label="Which runs" .value=${r.view} @change=${(e: Event) => this._go({ view: (e.target as HTMLSelectElement).value as RunsRoute['view'] })}>
              <option value="ACTIVE_ONLY">active runs</option>
              <option value="DELETED_ONLY">deleted runs</option>
              <option value="ALL">all runs</option>
            </select>
          </label>
          <mlt-column-picker .groups=${this._groups(keys)} .chosen=${ids} @columns-changed=${(e: CustomEvent<string[]>) => this._go({ columns: e.detail }, true)}></mlt-column-picker>
          <button class="primary" ?disabled=${selected.size < 2} @click=${() => (location.hash = compareHref([...selected]))} aria-label=${`Compare ${selected.size} selected runs`}>Compare (${selected.size})</button>
          ${selected.size ? html`<button @click=${() => this._go({ selected: [] }, true)}>Clear selection</button>` : ''}
          ${pending > 0 ? html`<span class="loading-runs" aria-live="polite">loading ${runs.length.toLocaleString('en-US')} of ${plural(total, 'run')}…</span>` : ''}
          <span class="count" role="status" aria-live="polite">${result.filterError ? `no runs: the filter does not parse (${plural(runs.length, 'run')} in all)` : `${result.runs.length.toLocaleString('en-US')} of ${plural(runs.length, 'run')}`}</span>
        </div>
        ${result.filterError
          ? html`<p class="filter-error error" role="alert">${result.filterError}</p>`
          : html`<p class="help" id="filter-help">Filter with MLflow's syntax: <span class="mono">metrics.val_loss &lt; 0.5 and params.l2 = '0' and tags.model_type = 'tree'</span>. Keys: ↑↓ move, Enter opens, Space selects, / searches.</p>`}
        ${result.orderError ? html`<p class="error" role="alert">${result.orderError}</p>` : ''}
        ${shardError ? html`<p class="error shard-error" role="alert">Some runs could not be loaded: ${shardError}</p>` : ''}
      </div>
      <mlt-runs-table
        .rows=${rows}
        .emptyText=${result.filterError ? 'No runs: fix the filter above.' : 'No runs match.'}
        .columns=${this._columns(ids, names)}
        .selected=${selected}
        .sort=${sort}
        @sort=${this._onSort}
        @select=${this._onSelect}
        @toggle=${this._onToggle}
        @select-all=${(e: CustomEvent<boolean>) => this._go({ selected: e.detail ? [...new Set([...r.selected, ...result.runs.map((x) => x.info.runId)])] : [] }, true)}
      ></mlt-runs-table>
    `;
  }

  private _go(change: Partial<RunsRoute>, replace = false) {
    navigate({ ...this.route, ...change }, { replace });
  }

  private _onInput(e: Event) {
    this._filterText = (e.target as HTMLInputElement).value;
    clearTimeout(this._debounce);
    this._debounce = window.setTimeout(() => this._applyFilter(true), 400);
  }

  private _onSubmit(e: Event) {
    e.preventDefault();
    clearTimeout(this._debounce);
    this._applyFilter(false);
  }

  private _applyFilter(replace: boolean) {
    if (this._filterText === this.route.filter) return;
    this._lastRouteFilter = this._filterText;
    this._go({ filter: this._filterText }, replace);
  }

  /**
   * A click sorts by the column alone; shift-click adds it as the next key (or flips it when it is
   * one already), as in MLflow and spreadsheets. Metrics sort best-first (descending) at first.
   */
  private _onSort(e: CustomEvent<{ id: string; add: boolean }>) {
    const { id, add } = e.detail;
    const c = parseColumnId(id);
    if (!c) return;
    const terms = this.route.order.map((o) => ({ text: o, parsed: parseOrderTerm(o) }));
    const at = terms.findIndex((t) => t.parsed?.id === id);
    const descending = at >= 0 ? !terms[at]!.parsed!.descending : c.kind === 'metrics' || c.key === 'start_time';
    const term = orderTerm(c, descending);
    if (!term) return;
    if (!add) return this._go({ order: [term] });
    const order = terms.map((t) => t.text);
    if (at >= 0) order[at] = term;
    else order.push(term);
    this._go({ order });
  }

  @state() private _expanded: ReadonlySet<string> = new Set();

  private _onToggle(e: CustomEvent<string>) {
    const next = new Set(this._expanded);
    if (next.has(e.detail)) next.delete(e.detail);
    else next.add(e.detail);
    this._expanded = next;
  }

  private _onSelect(e: CustomEvent<{ runId: string; selected: boolean }>) {
    const set = new Set(this.route.selected);
    if (e.detail.selected) set.add(e.detail.runId);
    else set.delete(e.detail.runId);
    this._go({ selected: [...set] }, true);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-runs-page': MltRunsPage;
  }
}
