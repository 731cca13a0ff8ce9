/**
 * Applies parsed protocol lines to a run in batches: pending lines are written with one
 * `logBatch` every `intervalMs` (default 200 ms) or as soon as `maxPending` entries wait, so a
 * child printing thousands of metric lines costs a few appends per key, not one write per line.
 * A batch the store refuses (say, a param logged again with another value) is retried line by
 * line, and only the lines that fail are dropped, each with a warning. Nothing here throws.
 */
import type { BatchInput, FileStore } from '../store/FileStore.js';
import { isMltrackError } from '../format/errors.js';
import type { ProtocolEntry } from './metricsProtocol.js';

/** MLflow's log_batch limits. */
const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 100;

interface Pending {
  lineNumber: number;
  entry: ProtocolEntry;
}

function size(entry: ProtocolEntry): number {
  return entry.kind === 'metric' ? entry.metrics.length : entry.kind === 'param' ? entry.params.length : entry.tags.length;
}

function toBatch(lines: Pending[]): BatchInput {
  const batch: Required<BatchInput> = { metrics: [], params: [], tags: [] };
  for (const { entry } of lines) {
    if (entry.kind === 'metric') batch.metrics.push(...entry.metrics);
    else if (entry.kind === 'param') batch.params.push(...entry.params);
    else batch.tags.push(...entry.tags);
  }
  return batch;
}

export interface ProtocolWriterOptions {
  intervalMs?: number;
  maxPending?: number;
  warn: (message: string) => void;
}

export class ProtocolWriter {
  private pending: Pending[] = [];
  private pendingEntries = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly maxPending: number;
  /** Entries written so far (metric values, params and tags). */
  written = 0;
  /** Lines dropped because the store refused them. */
  dropped = 0;

  constructor(
    private readonly store: FileStore,
    private readonly runId: string,
    private readonly options: ProtocolWriterOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.maxPending = options.maxPending ?? 500;
  }

  add(lineNumber: number, entry: ProtocolEntry): void {
    this.pending.push({ lineNumber, entry });
    this.pendingEntries += size(entry);
    if (this.pendingEntries >= this.maxPending) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything pending; resolves when it (and every earlier flush) is on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const lines = this.pending;
    this.pending = [];
    this.pendingEntries = 0;
    if (lines.length > 0) this.chain = this.chain.then(() => this.write(lines));
    return this.chain;
  }

  private async write(lines: Pending[]): Promise<void> {
    // Split into batches within MLflow's limits, keeping the lines in order.
    let group: Pending[] = [];
    let counts = { metric: 0, param: 0, tag: 0 };
    const groups: Pending[][] = [];
    for (const line of lines) {
      const n = size(line.entry);
      const limit = line.entry.kind === 'metric' ? MAX_METRICS : line.entry.kind === 'param' ? MAX_PARAMS : MAX_TAGS;
      if (group.length > 0 && counts[line.entry.kind] + n > limit) {
        groups.push(group);
        group = [];
        counts = { metric: 0, param: 0, tag: 0 };
      }
      group.push(line);
      counts[line.entry.kind] += n;
    }
    if (group.length > 0) groups.push(group);
    for (const g of groups) await this.writeGroup(g);
  }

  private async writeGroup(lines: Pending[]): Promise<void> {
    try {
      await this.store.logBatch(this.runId, toBatch(lines));
      for (const line of lines) this.written += size(line.entry);
      return;
    } catch {
      // Find the lines at fault: one batch per line.
    }
    for (const line of lines) {
      try {
        await this.store.logBatch(this.runId, toBatch([line]));
        this.written += size(line.entry);
      } catch (err) {
        this.dropped++;
        const message = isMltrackError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
        this.options.warn(`stdout line ${line.lineNumber}: not logged: ${message}`);
      }
    }
  }
}
