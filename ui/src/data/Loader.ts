/**
 * Async data for a component as a reactive controller with an explicit status, after @lit/task:
 * the task reruns when its dependencies change, the previous run is aborted, and an error goes to
 * the component's `error` branch, shown in place (once: not also as a toast).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toUiError, type UiError } from './errors.js';

export const LoadStatus = { INITIAL: 0, PENDING: 1, COMPLETE: 2, ERROR: 3 } as const;
export type LoadStatus = (typeof LoadStatus)[keyof typeof LoadStatus];

export interface LoadRenderers<T, R> {
  initial?: () => R;
  pending?: () => R;
  complete: (value: T) => R;
  error?: (error: UiError) => R;
}

export class Loader<T, D extends readonly unknown[] = readonly unknown[]> implements ReactiveController {
  status: LoadStatus = LoadStatus.INITIAL;
  value: T | undefined;
  error: UiError | undefined;
  private deps: D | undefined;
  private controller: AbortController | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly task: (deps: D, signal: AbortSignal) => Promise<T>,
    private readonly args: () => D,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    const next = this.args();
    if (this.deps && next.length === this.deps.length && next.every((v, i) => v === this.deps![i])) return;
    this.deps = next;
    void this.run(next);
  }

  hostDisconnected(): void {
    this.controller?.abort();
    // Run again when reattached.
    this.deps = undefined;
  }

  /** Run the task again with the current dependencies. */
  reload(): void {
    this.deps = undefined;
    this.host.requestUpdate();
  }

  private async run(deps: D): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.status = LoadStatus.PENDING;
    this.host.requestUpdate();
    try {
      const value = await this.task(deps, controller.signal);
      if (controller.signal.aborted) return;
      this.value = value;
      this.error = undefined;
      this.status = LoadStatus.COMPLETE;
    } catch (err) {
      if (controller.signal.aborted) return;
      this.error = toUiError(err);
      this.value = undefined;
      this.status = LoadStatus.ERROR;
    }
    this.host.requestUpdate();
  }

  render<R>(r: LoadRenderers<T, R>): R | undefined {
    switch (this.status) {
      case LoadStatus.INITIAL:
        return r.initial?.() ?? r.pending?.();
      case LoadStatus.PENDING:
        return r.pending?.();
      case LoadStatus.COMPLETE:
        return r.complete(this.value as T);
      case LoadStatus.ERROR:
        return r.error?.(this.error!);
    }
  }
}
