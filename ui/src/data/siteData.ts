/**
 * Fetches the site's data files (spec/site.md), relative to the page so the site works from any
 * sub-path, and caches them: the manifest first, everything else when a page asks for it.
 */
import {
  SITE_FORMAT, sitePaths,
  type RunsIndex, type SiteExperiment, type SiteLog, type SiteRunFamilies, type SiteManifest, type SiteMetricHistories, type SiteRegistry, type SiteRun,
} from '../../../src/format/siteFormat.js';
import { UiError } from './errors.js';

export class SiteData {
  private readonly cache = new Map<string, Promise<unknown>>();
  /** Bumped whenever the data changed under us (a rebuild by `mltrack ui`). */
  generation = 0;

  constructor(private readonly base: URL) {}

  url(path: string): string {
    return new URL(path, this.base).href;
  }

  private async fetchJson<T>(path: string): Promise<T> {
    const what = describeDataFile(path);
    let response: Response;
    try {
      response = await fetch(this.url(path), { cache: 'no-cache' });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      // Only a page opened from disk is told to use a server; anything else is a network failure.
      if (location.protocol === 'file:') throw new UiError(`Could not load ${what}: a site must be opened through a web server (mltrack ui, or any static host), not as a file.`, 'Cannot load data');
      throw new UiError(`Could not load ${what}: the server did not answer (${(err as Error).message}).`, 'Cannot load data');
    }
    if (!response.ok) {
      throw response.status === 404
        ? new UiError(`${capitalise(what)} is not in this site.`, 'Not found', 404)
        : new UiError(`Could not load ${what}: the server answered HTTP ${response.status}.`, 'Cannot load data', response.status);
    }
    let value: { format?: string };
    try {
      value = (await response.json()) as { format?: string };
    } catch {
      throw new UiError(`Could not read ${what}: it is not valid JSON. Rebuild the site.`, 'Cannot load data');
    }
    if (value.format !== SITE_FORMAT) throw new UiError(`${capitalise(what)} has format ${String(value.format)}; this app reads ${SITE_FORMAT}. Rebuild the site with this version of mltrack.`, 'Unknown data format');
    return value as T;
  }

  /** A data file, fetched once. A failed fetch is forgotten, so a retry fetches again. */
  json<T>(path: string): Promise<T> {
    let hit = this.cache.get(path) as Promise<T> | undefined;
    if (!hit) {
      hit = this.fetchJson<T>(path);
      hit.catch(() => this.cache.delete(path));
      this.cache.set(path, hit);
    }
    return hit;
  }

  manifest(): Promise<SiteManifest> {
    return this.json(sitePaths.manifest);
  }

  /** The manifest straight from the server (for noticing rebuilds). */
  freshManifest(): Promise<SiteManifest> {
    return this.fetchJson(sitePaths.manifest);
  }

  /** One shard of an experiment's runs index. */
  runsShard(experimentId: string, shard: number): Promise<RunsIndex> {
    return this.json(sitePaths.runsShard(experimentId, shard));
  }

  /** Every shard of an experiment's runs index. */
  runsIndexes(experiment: Pick<SiteExperiment, 'experimentId' | 'shards'>): Promise<RunsIndex[]> {
    return Promise.all(Array.from({ length: experiment.shards }, (_, k) => this.runsShard(experiment.experimentId, k)));
  }

  /**
   * Who is whose parent among an experiment's runs: one small file instead of every shard. Null for
   * a site built before it had that file (the caller reads the shards then).
   */
  async families(experimentId: string): Promise<SiteRunFamilies | null> {
    try {
      return await this.json<SiteRunFamilies>(sitePaths.families(experimentId));
    } catch (err) {
      if (err instanceof UiError && err.status === 404) return null;
      throw err;
    }
  }

  run(runId: string): Promise<SiteRun> {
    return this.json(sitePaths.run(runId));
  }

  /** A run's metric histories; a run without metrics has no file and gets an empty set. */
  async histories(runId: string): Promise<SiteMetricHistories> {
    const run = await this.run(runId);
    if (Object.keys(run.metrics).length === 0) return { format: SITE_FORMAT, runId, metrics: {} };
    return this.json(sitePaths.metrics(runId));
  }

  registry(): Promise<SiteRegistry> {
    return this.json(sitePaths.registry);
  }

  async log(): Promise<SiteLog | null> {
    return (await this.manifest()).log ? this.json<SiteLog>(sitePaths.log) : null;
  }

  /** Forget everything: the next request fetches the new build. */
  clear(): void {
    this.cache.clear();
    this.generation++;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A data file in the user's terms (`run 1f2e…`, `the model registry`), for messages. */
export function describeDataFile(path: string): string {
  let m: RegExpExecArray | null;
  if (path === sitePaths.manifest) return 'the site manifest';
  if (path === sitePaths.registry) return 'the model registry';
  if (path === sitePaths.log) return 'the tracking history';
  if ((m = /\/experiments\/([^/]+)\/runs-\d+\.json$/.exec(path))) return `the runs of experiment ${decodeURIComponent(m[1]!)}`;
  if ((m = /\/runs\/([^/]+)\/run\.json$/.exec(path))) return `run ${decodeURIComponent(m[1]!)}`;
  if ((m = /\/runs\/([^/]+)\/metrics\.json$/.exec(path))) return `the metric histories of run ${decodeURIComponent(m[1]!)}`;
  return 'a data file';
}

export const site = new SiteData(new URL('./', document.baseURI));
