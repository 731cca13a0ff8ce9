/** The one place errors are shown: a dismissible list announced to screen readers. */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { UiError } from '../data/errors.js';

/** Shows errors sent with `showError()`; identical messages are shown once. */
@customElement('mlt-error-notifier')
export class MltErrorNotifier extends LitElement {
  static override styles = css`
    :host { position: fixed; right: 16px; bottom: 16px; z-index: 100; display: flex; flex-direction: column; gap: 8px; max-width: min(520px, 90vw); }
    .error { background: var(--bg-raised); border: 1px solid var(--bad); border-left-width: 4px; border-radius: 6px; padding: 10px 12px; color: var(--fg); box-shadow: 0 4px 16px rgb(0 0 0 / 0.2); }
    .heading { font-weight: 600; color: var(--bad); display: flex; justify-content: space-between; gap: 8px; }
    .message { margin-top: 4px; overflow-wrap: anywhere; white-space: pre-wrap; }
    button { font: inherit; background: none; border: none; color: var(--muted); cursor: pointer; }
  `;

  @state() private _errors: UiError[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('mlt-error', this._onError as EventListener);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('mlt-error', this._onError as EventListener);
  }

  override render() {
    return html`<div role="alert" aria-live="assertive">
      ${this._errors.map(
        (e, i) => html`<div class="error">
          <div class="heading">${e.heading}<button aria-label="Dismiss" @click=${() => this._dismiss(i)}>✕</button></div>
          <div class="message">${e.message}</div>
        </div>`,
      )}
    </div>`;
  }

  private _onError = (e: CustomEvent<UiError>) => {
    if (this._errors.some((x) => x.message === e.detail.message)) return;
    this._errors = [...this._errors.slice(-3), e.detail];
  };

  private _dismiss(i: number) {
    this._errors = this._errors.filter((_, j) => j !== i);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-error-notifier': MltErrorNotifier;
  }
}
