/** Choose the runs table's columns: attributes, metrics, params and tags, with a search box for long key lists. */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles.js';

export interface ColumnGroup {
  kind: string;
  label: string;
  /** Column ids with their labels. */
  options: { id: string; label: string }[];
}

/**
 * @fires columns-changed - detail: the chosen column ids, in group order
 */
@customElement('mlt-column-picker')
export class MltColumnPicker extends LitElement {
  static override styles = [
    shared,
    css`
      :host { display: inline-block; position: relative; }
      details > summary { list-style: none; cursor: pointer; border: 1px solid var(--border); border-radius: 5px; padding: 4px 10px; background: var(--bg-raised); }
      details > summary::-webkit-details-marker { display: none; }
      .panel { position: fixed; box-sizing: border-box; z-index: 20; width: 340px; max-height: 60vh; overflow: auto; background: var(--bg); border: 1px solid var(--border); border-radius: 6px; box-shadow: 0 6px 24px rgb(0 0 0 / 0.18); padding: 8px 10px; }
      fieldset { border: none; margin: 0 0 8px; padding: 0; }
      legend { font-weight: 600; font-size: 12px; color: var(--muted); padding: 0; margin: 4px 0; display: flex; gap: 8px; width: 100%; }
      legend button { font-size: 11px; padding: 0 6px; }
      label { display: flex; gap: 6px; align-items: center; padding: 1px 0; font-size: 13px; overflow-wrap: anywhere; }
      input[type='search'] { width: 100%; margin-bottom: 6px; }
    `,
  ];

  @property({ attribute: false }) groups: ColumnGroup[] = [];
  @property({ attribute: false }) chosen: string[] = [];

  @state() private _query = '';

  override render() {
    const chosen = new Set(this.chosen);
    const q = this._query.toLowerCase();
    return html`<details @keydown=${this._onKey} @toggle=${this._place}>
      <summary aria-label=${`Columns: ${this.chosen.length} shown`}>Columns (${this.chosen.length}) ▾</summary>
      <div class="panel" role="group" aria-label="Choose columns">
        <input type="text" placeholder="Find a key" aria-label="Find a column key" .value=${this._query} @input=${(e: Event) => (this._query = (e.target as HTMLInputElement).value)} />
        ${this.groups.map((g) => {
          const options = g.options.filter((o) => !q || o.label.toLowerCase().includes(q));
          if (options.length === 0) return '';
          return html`<fieldset>
            <legend>${g.label}
              <button @click=${() => this._setGroup(g, true)} aria-label=${`Show all ${g.label}`}>all</button>
              <button @click=${() => this._setGroup(g, false)} aria-label=${`Hide all ${g.label}`}>none</button>
            </legend>
            ${options.map((o) => html`<label><input type="checkbox" .checked=${chosen.has(o.id)} @change=${(e: Event) => this._toggle(o.id, (e.target as HTMLInputElement).checked)} />${o.label}</label>`)}
          </fieldset>`;
        })}
      </div>
    </details>`;
  }

  /**
   * The panel is fixed to the viewport, below its button and moved left when it would run off the
   * right edge, so it stays on screen however the page or the table scrolls.
   */
  private _place = () => {
    const details = this.renderRoot.querySelector('details');
    const panel = this.renderRoot.querySelector<HTMLElement>('.panel');
    if (!details?.open || !panel) return;
    const button = details.querySelector('summary')!.getBoundingClientRect();
    const width = Math.min(340, window.innerWidth - 16);
    const top = Math.min(button.bottom + 4, window.innerHeight - 120);
    panel.style.width = `${width}px`;
    panel.style.left = `${Math.max(8, Math.min(button.left, window.innerWidth - width - 8))}px`;
    panel.style.top = `${top}px`;
    panel.style.maxHeight = `${Math.max(100, window.innerHeight - top - 12)}px`;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('resize', this._place);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('resize', this._place);
  }

  private _emit(ids: Set<string>) {
    const order = this.groups.flatMap((g) => g.options.map((o) => o.id));
    this.dispatchEvent(new CustomEvent('columns-changed', { detail: order.filter((id) => ids.has(id)), bubbles: true, composed: true }));
  }

  private _toggle(id: string, on: boolean) {
    const ids = new Set(this.chosen);
    if (on) ids.add(id);
    else ids.delete(id);
    this._emit(ids);
  }

  private _setGroup(g: ColumnGroup, on: boolean) {
    const ids = new Set(this.chosen);
    for (const o of g.options) {
      if (on) ids.add(o.id);
      else ids.delete(o.id);
    }
    this._emit(ids);
  }

  private _onKey(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      const details = this.renderRoot.querySelector('details')!;
      details.open = false;
      details.querySelector('summary')?.focus();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-column-picker': MltColumnPicker;
  }
}
