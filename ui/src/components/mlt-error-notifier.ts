/**
 * The toast for errors no page shows in place (sent with `showError()`): one at a time (a newer
 * error replaces the older, a repeat only restarts the timer), closed by its button, after
 * `DISMISS_MS`, or when the user navigates elsewhere.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { UiError } from '../data/errors.js';

export const DISMISS_MS = 8000;

@customElement('mlt-error-notifier')
export class MltErrorNotifier extends LitElement {
  static override styles = css`
    :host { position: fixed; right: 16px; bottom: 16px; z-index: 100; max-width: min(520px, 90vw); }
    .error { background: var(--bg-raised); border: 1px solid var(--bad); border-left-width: 4px; border-radius: 6px; padding: 10px 12px; color: var(--fg); box-shadow: 0 4px 16px rgb(0 0 0 / 0.2); }
    .heading { font-weight: 600; color: var(--bad); display: flex; justify-content: space-between; gap: 8px; }
    .message { margin-top: 4px; overflow-wrap: anywhere; white-space: pre-wrap; }
    button { font: inherit; background: none; border: none; color: var(--muted); cursor: pointer; }
  `;

  /** How long a toast stays, in ms (a property so a test can shorten it). */
  @property({ type: Number }) dismissAfter = DISMISS_MS;

  @state() private _error: UiError | null = null;
  private _timer = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('mlt-error', this._onError as EventListener);
    window.addEventListener('hashchange', this._dismiss);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('mlt-error', this._onError as EventListener);
    window.removeEventListener('hashchange', this._dismiss);
    clearTimeout(this._timer);
  }

  override render() {
    const e = this._error;
    return html`<div role="alert" aria-live="assertive">
      ${e
        ? html`<div class="error">
            <div class="heading">${e.heading}<button aria-label="Dismiss" @click=${this._dismiss}>✕</button></div>
            <div class="message">${e.message}</div>
          </div>`
        : ''}
    </div>`;
  }

  private _onError = (e: CustomEvent<UiError>) => {
    this._error = e.detail;
    clearTimeout(this._timer);
    this._timer = window.setTimeout(this._dismiss, this.dismissAfter);
  };

  private _dismiss = () => {
    clearTimeout(this._timer);
    this._error = null;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'mlt-error-notifier': MltErrorNotifier;
  }
}
