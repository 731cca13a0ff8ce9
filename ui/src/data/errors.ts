/**
 * User-visible errors. A page's own data errors are shown in place, by the page (its Loader's
 * `error` branch); errors that have no page to show them (the manifest, a background reload) go to
 * the `<mlt-error-notifier>` toast through a window event (lit.dev's showError pattern). Either way
 * the message says what failed in the user's terms, never an internal path.
 */
export class UiError extends Error {
  constructor(
    message: string,
    readonly heading = 'Error',
    /** The HTTP status when a data file could not be fetched. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'UiError';
  }
}

/** Absolute paths and file: URIs (a user's home directory, the builder's temp dir) out of a message. */
export function withoutPaths(message: string): string {
  return message
    .replace(/file:\/\/[^\s'"`,;)]*/g, '…')
    .replace(/(^|[\s('"`=])(?:\/[A-Za-z0-9._~+@-]+){2,}\/?/g, '$1…')
    .replace(/(^|[\s('"`=])[A-Za-z]:\\[^\s'"`,;)]*/g, '$1…');
}

export function toUiError(err: unknown): UiError {
  if (err instanceof UiError) return err;
  if (err instanceof Error) return new UiError(withoutPaths(err.message));
  return new UiError(withoutPaths(String(err)));
}

export function showError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  window.dispatchEvent(new CustomEvent('mlt-error', { detail: toUiError(err) }));
}
