/**
 * One place for user-visible errors: any thrown value becomes a `UiError`, announced to the
 * `<mlt-error-notifier>` through a window event (lit.dev's showError pattern).
 */
export class UiError extends Error {
  constructor(
    message: string,
    readonly heading = 'Something went wrong',
  ) {
    super(message);
    this.name = 'UiError';
  }
}

export function toUiError(err: unknown): UiError {
  if (err instanceof UiError) return err;
  if (err instanceof Error) return new UiError(err.message);
  return new UiError(String(err));
}

export function showError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  window.dispatchEvent(new CustomEvent('mlt-error', { detail: toUiError(err) }));
}
