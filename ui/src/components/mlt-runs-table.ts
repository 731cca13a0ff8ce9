/**
 * The runs grid with virtual scrolling: only the rows in view (plus a margin) are in the DOM, so
 * tens of thousands of runs scroll as smoothly as ten. A keyboard user moves with the arrow keys,
 * Page Up/Down, Home/End, opens a run with Enter and selects it with Space.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { TableRow } from '../data/runsTable.js';
import type { Run } from '../../../src/format/entities.js';
import { runHref } from '../route.js';
import { shared } from '../styles.js';

/** Height of a row in CSS pixels (fixed, which is what makes the windowing exact). */
export const ROW_HEIGHT = 30;
const OVERSCAN = 8;

export interface TableColumn {
  id: string;
  label: string;
  /** Width in CSS pixels. */
  width: number;
  numeric: boolean;
  /** Header group (Attributes, Metrics, Parameters, Tags): consecutive columns of a group share one header. */
  group?: string;
  /** Sortable through an order_by term. */
  sortable: boolean;
  /** Text of a cell (always shown as text); null when the run lacks the value (shown as a dash). */
  text: (run: Run) => string | null;
  /** Full value for the tooltip, when the cell text is abbreviated. */
  title?: (run: Run) => string;
}

/**
 * @fires sort - detail: { id: column id, add: shift held (add a sort key) }; the page decides the direction
 * @fires toggle - detail: run id whose children to show or hide
 * @fires select - detail: { runId, selected }
 * @fires select-all - detail: boolean
 */
@customElement('mlt-runs-table')
export class MltRunsTable extends LitElement {
  static override styles = [
    shared,
    css`
      :host { display: block; position: relative; min-height: 0; }
      .scroller { position: absolute; inset: 0; overflow: auto; border-top: 1px solid var(--border); }
      .scroller:focus-visible { outline: 2px solid var(--focus); outline-offset: -2px; }
      .row { display: grid; align-items: center; height: ${ROW_HEIGHT}px; border-bottom: 1px solid var(--border); font-size: 13px; }
      .head { position: sticky; top: 0; z-index: 2; background: var(--bg-raised); font-weight: 600; }
      .body { position: relative; }
      .body .row { position: absolute; left: 0; }
      .body .row { background: var(--bg); }
      .body .row:hover { background: var(--hover); }
      .body .row.selected { background: var(--selected); }
      .scroller:focus .body .row.active { box-shadow: inset 3px 0 0 var(--accent); outline: 1px solid var(--focus); outline-offset: -1px; }
      .cell { padding: 0 8px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .cell.num { text-align: right; font-variant-numeric: tabular-nums; }
      .cell.check { text-align: center; padding: 0; position: sticky; left: 0; background: inherit; z-index: 1; }
      .name { position: sticky; left: 36px; background: inherit; z-index: 1; }
      .head .cell button { all: unset; cursor: pointer; display: block; width: 100%; overflow: hidden; text-overflow: ellipsis; }
      .head .cell button:focus-visible { outline: 2px solid var(--focus); }
      .sorted::after { content: ' ▲'; font-size: 10px; }
      .sorted.desc::after { content: ' ▼'; }
      .status { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: var(--muted); }
      .status.FINISHED { background: var(--good); }
      .status.FAILED { background: var(--bad); }
      .status.RUNNING, .status.SCHEDULED { background: var(--warn); }
      .empty { padding: 24px; color: var(--muted); }
      .groups { top: 0; font-size: 11px; text-transform: uppercase; letter-spacing: 0.4px; color: var(--muted); }
      .groups .cell { border-left: 1px solid var(--border); text-align: center; }
      .groups .cell:empty { border-left: none; }
      .head.cols { top: ${ROW_HEIGHT}px; }
      .priority { font-size: 10px; color: var(--muted); margin-left: 2px; vertical-align: super; }
      .toggle { all: unset; cursor: pointer; width: 16px; display: inline-block; text-align: center; color: var(--muted); }
      .toggle:focus-visible { outline: 2px solid var(--focus); }
      .indent { display: inline-block; }
      .missing-value { color: var(--muted); }
      .deleted { color: var(--muted); text-decoration: line-through; }
    `,
  ];

  /** Rows in display order (child runs nested under their parents). */
  @property({ attribute: false }) rows: TableRow[] = [];
  /** Shown when there are no rows. */
  @property() emptyText = 'No runs match.';
  @property({ attribute: false }) columns: TableColumn[] = [];
  @property({ attribute: false }) selected: ReadonlySet<string> = new Set();
  /** The columns sorted by, in priority order, with their directions. */
  @property({ attribute: false }) sort: { id: string; descending: boolean }[] = [];

  @state() private _first = 0;
  @state() private _visible = 40;
  @state() private _active = 0;

  @query('.scroller') private _scroller!: HTMLDivElement;
  private _resize: ResizeObserver | null = null;
  private _frame = 0;

  override render() {
    const template = `36px 280px ${this.columns.map((c) => `${c.width}px`).join(' ')}`;
    const width = 36 + 280 + this.columns.reduce((n, c) => n + c.width, 0);
    const count = this.rows.length;
    const first = Math.max(0, this._first - OVERSCAN);
    const last = Math.min(count, this._first + this._visible + OVERSCAN);
    const allSelected = count > 0 && this.rows.every((r) => this.selected.has(r.run.info.runId));
    const activeId = count ? `row-${Math.min(this._active, count - 1)}` : '';
    return html`<div
      class="scroller"
      role="grid"
      aria-label="Runs"
      aria-rowcount=${count + 2}
      aria-colcount=${this.columns.length + 2}
      aria-multiselectable="true"
      aria-activedescendant=${activeId || nothing}
      tabindex="0"
      @scroll=${this._onScroll}
      @keydown=${this._onKey}
    >
      <div class="row head groups" role="row" aria-rowindex="1" style="grid-template-columns:${template};width:${width}px">
        ${this._groupHeaders()}
      </div>
      <div class="row head cols" role="row" aria-rowindex="2" style="grid-template-columns:${template};width:${width}px">
        <div class="cell check" role="columnheader">
          <input type="checkbox" aria-label="Select all runs shown" .checked=${allSelected} @change=${(e: Event) => this._dispatch('select-all', (e.target as HTMLInputElement).checked)} />
        </div>
        ${this._header({ id: 'attributes.run_name', label: 'Run name', width: 280, numeric: false, sortable: true, text: () => '' }, 'name')}
        ${this.columns.map((c) => this._header(c))}
      </div>
      <div class="body" role="rowgroup" style="height:${count * ROW_HEIGHT}px;width:${width}px">
        ${count === 0 ? html`<div class="empty">${this.emptyText}</div>` : ''}
        ${this._rows(first, last, template, width)}
      </div>
    </div>`;
  }

  /** One header per run of consecutive columns of the same group, spanning them. */
  private _groupHeaders() {
    const spans: { label: string; from: number; to: number }[] = [];
    this.columns.forEach((c, i) => {
      const last = spans[spans.length - 1];
      const label = c.group ?? '';
      if (last && last.label === label) last.to = i;
      else spans.push({ label, from: i, to: i });
    });
    return html`<div class="cell" role="columnheader" style="grid-column:1 / span 2"></div>
      ${spans.map((s) => html`<div class="cell group-header" role="columnheader" style="grid-column:${s.from + 3} / span ${s.to - s.from + 1}">${s.label}</div>`)}`;
  }

  private _header(c: TableColumn, extra = '') {
    const at = this.sort.findIndex((s) => s.id === c.id);
    const sorted = at >= 0;
    const term = sorted ? this.sort[at]! : null;
    const ariaSort = at === 0 ? (term!.descending ? 'descending' : 'ascending') : 'none';
    const cls = `cell ${c.numeric ? 'num' : ''} ${extra}`;
    return html`<div class=${cls} role="columnheader" aria-sort=${ariaSort} title=${c.id}>
      ${c.sortable
        ? html`<button class=${sorted ? `sorted ${term!.descending ? 'desc' : ''}` : ''} @click=${(e: MouseEvent) => this._dispatch('sort', { id: c.id, add: e.shiftKey })} aria-label=${`Sort by ${c.label} (shift-click to add a sort key)`} title=${sorted && this.sort.length > 1 ? `sort key ${at + 1} of ${this.sort.length}` : 'Shift-click to sort by several columns'}>${c.label}${sorted && this.sort.length > 1 ? html`<span class="priority">${at + 1}</span>` : ''}</button>`
        : c.label}
    </div>`;
  }

  private _rows(first: number, last: number, template: string, width: number) {
    const out = [];
    for (let i = first; i < last; i++) {
      const row = this.rows[i]!;
      const run = row.run;
      const id = run.info.runId;
      const selected = this.selected.has(id);
      const name = run.info.runName ?? id;
      out.push(html`<div
        id=${`row-${i}`}
        class="row ${selected ? 'selected' : ''} ${i === this._active ? 'active' : ''}"
        role="row"
        aria-rowindex=${i + 2}
        aria-selected=${selected ? 'true' : 'false'}
        style="top:${i * ROW_HEIGHT}px;grid-template-columns:${template};width:${width}px"
        data-run-id=${id}
        @click=${() => (this._active = i)}
      >
        <div class="cell check" role="gridcell">
          <input type="checkbox" tabindex="-1" aria-label=${`Select run ${name}`} .checked=${selected} @change=${(e: Event) => this._dispatch('select', { runId: id, selected: (e.target as HTMLInputElement).checked })} />
        </div>
        <div class="cell name" role="gridcell" title=${name} aria-level=${row.depth + 1} aria-expanded=${row.children ? String(row.expanded) : nothing}>
          <span class="indent" style="width:${row.depth * 18}px"></span>${row.children
            ? html`<button class="toggle" tabindex="-1" aria-label=${`${row.expanded ? 'Collapse' : 'Expand'} ${row.children} child runs of ${name}`} @click=${() => this._dispatch('toggle', id)}>${row.expanded ? '▾' : '▸'}</button>`
            : html`<span class="toggle" aria-hidden="true"></span>`}<span class="status ${run.info.status}" role="img" aria-label=${run.info.status}></span><a href=${runHref(id)} tabindex="-1" class=${run.info.lifecycleStage === 'deleted' ? 'deleted' : ''}>${name}</a>${row.children ? html` <span class="muted child-count">(${row.children})</span>` : ''}
        </div>
        ${this.columns.map((c) => {
          const text = c.text(run);
          if (text === null) return html`<div class="cell missing-value ${c.numeric ? 'num' : ''}" role="gridcell" title=${c.title ? c.title(run) : `${c.label}: not set`}>–</div>`;
          return html`<div class="cell ${c.numeric ? 'num' : ''}" role="gridcell" title=${c.title ? c.title(run) : text}>${text}</div>`;
        })}
      </div>`);
    }
    return out;
  }

  override firstUpdated(): void {
    this._resize = new ResizeObserver(() => this._measure());
    this._resize.observe(this._scroller);
    this._measure();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._resize?.disconnect();
    cancelAnimationFrame(this._frame);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('rows') && this._active >= this.rows.length) this._active = Math.max(0, this.rows.length - 1);
  }

  /** Scroll so that row `i` is in view and make it the active row. */
  focusRow(i: number): void {
    if (this.rows.length === 0) return;
    const row = Math.max(0, Math.min(this.rows.length - 1, i));
    this._active = row;
    const s = this._scroller;
    const top = row * ROW_HEIGHT;
    const header = 2 * ROW_HEIGHT;
    if (top < s.scrollTop) s.scrollTop = top;
    else if (top + ROW_HEIGHT > s.scrollTop + s.clientHeight - header) s.scrollTop = top + ROW_HEIGHT - s.clientHeight + header;
    this._measure();
  }

  private _measure(): void {
    const s = this._scroller;
    if (!s) return;
    this._first = Math.floor(s.scrollTop / ROW_HEIGHT);
    this._visible = Math.ceil(s.clientHeight / ROW_HEIGHT) + 1;
  }

  private _onScroll() {
    cancelAnimationFrame(this._frame);
    this._frame = requestAnimationFrame(() => this._measure());
  }

  private _onKey(e: KeyboardEvent) {
    if ((e.target as HTMLElement) !== this._scroller) return;
    const page = Math.max(1, this._visible - 2);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, j: 1, k: -1 };
    if (e.key in moves) {
      e.preventDefault();
      this.focusRow(this._active + moves[e.key]!);
    } else if (e.key === 'Home') {
      e.preventDefault();
      this.focusRow(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      this.focusRow(this.rows.length - 1);
    } else if (e.key === 'Enter') {
      const run = this.rows[this._active]?.run;
      if (run) location.hash = runHref(run.info.runId);
    } else if (e.key === ' ' || e.key === 'x') {
      e.preventDefault();
      const run = this.rows[this._active]?.run;
      if (run) this._dispatch('select', { runId: run.info.runId, selected: !this.selected.has(run.info.runId) });
    }
  }

  private _dispatch(name: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-runs-table': MltRunsTable;
  }
}
