/**
 * Fetches the site's data files (spec/site.md), relative to the page so the site works from any
 * sub-path, and caches them: the manifest first, everything else when a page asks for it.
 */
import {
  SITE_FORMAT, sitePaths,
  type RunsIndex, type SiteLog, type SiteManifest, type SiteMetricHistories, type SiteRegistry, type SiteRun,
} from '../../../src/site/siteFormat.js';
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
    let response: Response;
    try {
      response = await fetch(this.url(path), { cache: 'no-cache' });
    } catch (err) {
      throw new UiError(`Could not load ${path}: ${(err as Error).message}. A site must be opened through a web server (mltrack ui, or any static host), not as a file.`, 'Cannot load data');
    }
    if (!response.ok) throw new UiError(`${path}: HTTP ${response.status}`, response.status === 404 ? 'Not found' : 'Cannot load data');
    const value = (await response.json()) as { format?: string };
    if (value.format !== SITE_FORMAT) throw new UiError(`${path} has format ${String(value.format)}; this app reads ${SITE_FORMAT}. Rebuild the site with this version of mltrack.`, 'Unknown data format');
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

  runsIndex(experimentId: string): Promise<RunsIndex> {
    return this.json(sitePaths.runsIndex(experimentId));
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

export const site = new SiteData(new URL('./', document.baseURI));
