/**
 * Run search without an index that reads only what the query needs: each run's meta.yaml and the
 * files its filter and order name, and every file only of the runs it returns. The answer is the
 * one a read of every file gives: a value comes from its own file alone, so a run the query's
 * files reject is rejected whatever its others hold; a returned run is read whole, and one that a
 * whole read skips (a damaged file elsewhere) or no longer matches gives its place in the page to
 * the next. A damaged file in a run the query rejects is not reported: it is not read.
 */
import type { Page, Run, ViewType } from '../format/entities.js';
import { joinPath } from '../format/layout.js';
import { latestMetricInText } from '../format/metricFile.js';
import { compileRunFilter, searchRuns, viewFilter, type SearchOptions } from '../format/search/index.js';
import { runQueryFiles, type QueryKey } from '../format/search/runQueryFiles.js';
import type { ExperimentLocation, MlrunsReader, RunLocation } from './MlrunsReader.js';

export async function searchRunsReadingLess(reader: MlrunsReader, experiments: ExperimentLocation[], input: SearchOptions & { viewType?: ViewType }): Promise<Page<Run>> {
  searchRuns([], input); // the argument errors, before any read
  const needs = runQueryFiles(input.filter, input.orderBy);
  if (needs.everything) return searchRuns(await reader.readRuns(experiments), input);
  const inView = viewFilter(input.viewType);
  const matches = compileRunFilter(input.filter);
  const candidates: Run[] = [];
  const where = new Map<Run, { location: RunLocation; experimentId: string }>();
  for (const { experiment, dir } of experiments) {
    for (const location of await reader.listRunDirs(dir)) {
      const run = await readQueryFiles(reader, location, experiment.experimentId, needs.keys);
      if (!run || !inView(run.info.lifecycleStage) || !matches(run)) continue;
      candidates.push(run);
      where.set(run, { location, experimentId: experiment.experimentId });
    }
  }
  // The page, its runs read whole; a run the whole read drops leaves the candidates, page again.
  // The first run after the page too: whether there is a next page depends on it.
  const whole = new Map<Run, Run | null>();
  for (;;) {
    const { page, next } = pageAndNext(candidates, input);
    let dropped = false;
    for (const run of next ? [...page.items, next] : page.items) {
      if (!whole.has(run)) {
        const { location, experimentId } = where.get(run)!;
        const full = await reader.readRunOrSkip(location, experimentId);
        whole.set(run, full && inView(full.info.lifecycleStage) && matches(full) ? full : null);
      }
      if (whole.get(run) === null) {
        candidates.splice(candidates.indexOf(run), 1);
        dropped = true;
      }
    }
    if (!dropped) return { ...page, items: page.items.map((run) => whole.get(run)!) };
  }
}

/** A page of the candidates, and the first candidate after it (the one a next page starts with). */
export function pageAndNext(candidates: Run[], input: SearchOptions & { viewType?: ViewType }): { page: Page<Run>; next: Run | undefined } {
  const page = searchRuns(candidates, input);
  const next = page.nextPageToken ? searchRuns(candidates, { ...input, pageToken: page.nextPageToken, maxResults: 1 }).items[0] : undefined;
  return { page, next };
}

/**
 * The run's info and the values of the query's files (`params/lr`, `metrics/loss`), or null when
 * it is not a run MLflow lists. A file that cannot be read as the whole read would (a bad metric
 * line, a loop) makes it read whole, so it is skipped, and reported, exactly as that read skips it.
 */
export async function readQueryFiles(reader: MlrunsReader, location: RunLocation, experimentId: string, keys: readonly QueryKey[]): Promise<Run | null> {
  const info = await reader.readRunInfoOrSkip(location, experimentId);
  if (!info) return null;
  const data: Run['data'] = { params: Object.create(null), tags: Object.create(null), metrics: Object.create(null) };
  try {
    for (const { path, folder, key } of keys) {
      const filePath = joinPath(location.dir, path);
      const text = await reader.text(filePath);
      if (text === null) continue;
      if (folder === 'metrics') data.metrics[key] = latestMetricInText(key, text, reader.tree.describe(filePath));
      else data[folder][key] = text;
    }
  } catch {
    return reader.readRunOrSkip(location, experimentId);
  }
  if (!info.runName && data.tags['mlflow.runName'] !== undefined) info.runName = data.tags['mlflow.runName']!;
  return { info, data, inputs: [] };
}
