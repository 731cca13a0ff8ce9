/**
 * Run search through the derived index: every answer is the one an index-free read gives.
 * Per query it lists each experiment's run directories, checks the stat signatures of the files
 * the query filters and sorts on (meta.yaml and the keys it names), reads again the runs whose
 * signatures differ, and checks every file of the runs it returns (spec/search-index.md).
 */
import type { Metric, Page, Run, ViewType } from '../../format/entities.js';
import { searchRuns, viewFilter, type SearchOptions } from '../../format/search/index.js';
import { META_FILE } from '../../format/layout.js';
import { runQueryFiles, type RunQueryFiles } from '../../format/search/runQueryFiles.js';
import type { ExperimentLocation, MlrunsReader } from '../MlrunsReader.js';
import { warnSkipped, type ReadWarning } from '../readWarnings.js';
import { ExperimentIndex, type Entry } from './ExperimentIndex.js';
import { CorruptIndex } from './indexFile.js';
import { captureRun, RACY_MS } from './runCapture.js';
import { signatures } from './statBatch.js';

export interface SearchIndexOptions {
  /** Where the index files live (indexLocation.ts picks it). */
  dir: string;
  /** Changes closer than this to a read are not trusted next time (default 20 ms). */
  racyWindowMs?: number;
}

interface Opened {
  location: ExperimentLocation;
  index: ExperimentIndex;
  runNames: string[];
  /** Captured during this query: as fresh as an index-free read, not checked again. */
  fresh: Set<string>;
  /** Checked during this query, in the query's files or in every file: a second pass skips them. */
  checked: Map<string, 'query' | 'all'>;
  /** Full runs loaded from the index during this query, so a second pass does not load them again. */
  loaded: Map<string, Run | null>;
}

/** What the last query did: runs considered, and runs read from the files rather than the index. */
export interface SearchIndexStats {
  runs: number;
  captured: number;
}

export class SearchIndex {
  readonly stats: SearchIndexStats = { runs: 0, captured: 0 };
  private readonly racyWindowMs: number;

  constructor(
    private readonly root: string,
    private readonly reader: MlrunsReader,
    private readonly options: SearchIndexOptions,
  ) {
    this.racyWindowMs = options.racyWindowMs ?? RACY_MS;
  }

  async searchRuns(experiments: ExperimentLocation[], input: SearchOptions & { viewType?: ViewType }): Promise<Page<Run>> {
    searchRuns([], input); // the argument errors of an index-free search, before any work
    const needs = runQueryFiles(input.filter, input.orderBy);
    this.stats.runs = 0;
    this.stats.captured = 0;
    const opened: Opened[] = [];
    try {
      for (const location of experiments) {
        const runNames = (await this.reader.listRunDirs(location.dir)).map((l) => l.dir.slice(location.dir.length + 1));
        opened.push({ location, index: new ExperimentIndex(this.options.dir, this.root, location.dir), runNames, fresh: new Set(), checked: new Map(), loaded: new Map() });
      }
      try {
        const page = await this.answer(opened, needs, input);
        if (page) return page;
      } catch (err) {
        // A section damaged on disk shows when it is loaded: forget those files, ask again.
        if (!(err instanceof CorruptIndex)) throw err;
        for (const o of opened) {
          o.index.reset();
          o.fresh.clear();
          o.checked.clear();
          o.loaded.clear();
        }
        const page = await this.answer(opened, needs, input);
        if (page) return page;
      }
      // Changing under our feet: answer from the files.
      return searchRuns(await this.reader.readRuns(experiments), input);
    } finally {
      for (const o of opened) {
        try {
          o.index.save();
        } catch {
          // A cache that cannot be written (read-only, full disk) costs speed, never an answer.
        }
        o.index.close();
      }
    }
  }

  /** The page, or null when runs kept changing while it was read. */
  private async answer(opened: Opened[], needs: RunQueryFiles, input: SearchOptions & { viewType?: ViewType }): Promise<Page<Run> | null> {
    const inView = viewFilter(input.viewType);
    // A second pass only when a returned run changed in a file the query does not read.
    for (let pass = 0; pass < 2; pass++) {
      const warnings: ReadWarning[] = [];
      const candidates: Run[] = [];
      const origin = new Map<Run, { o: Opened; name: string }>();
      let considered = 0;
      for (const o of opened) {
        const screened = needs.everything ? new Map() : this.screen(o, needs, inView);
        for (const name of o.runNames) {
          considered++;
          const { entry, run } = screened.get(name) ?? this.withRun(await this.current(o, name, needs.everything ? null : needs.files), needs);
          warnings.push(...entry.warnings);
          if (!run) continue;
          candidates.push(run);
          origin.set(run, { o, name });
        }
        const listed = new Set(o.runNames);
        for (const name of o.index.names()) if (!listed.has(name)) o.index.remove(name);
      }
      const page = searchRuns(candidates, input);
      const returned = page.items.map((run) => origin.get(run)!);
      // Every file of every returned run, checked in one batch; a run that changed is read again.
      const unchecked = returned.filter(({ o, name }) => !o.fresh.has(name) && o.checked.get(name) !== 'all');
      let stale = false;
      // The files the query read were checked a moment ago: the rest of each run now.
      const queried = new Set([META_FILE, ...needs.files]);
      const checks = unchecked.map(({ o, name }) => ({ o, entry: o.index.entry(name)!, paths: null, skip: o.checked.get(name) === 'query' ? queried : undefined }));
      for (const [i, same] of this.unchanged(checks).entries()) {
        const { o, name } = unchecked[i]!;
        if (same) o.checked.set(name, 'all');
        else {
          await this.capture(o, name);
          stale = true;
        }
      }
      const items: Run[] = [];
      for (const { o, name } of returned) {
        if (!o.loaded.has(name)) o.loaded.set(name, o.index.entry(name)?.full() ?? null);
        const full = o.loaded.get(name);
        if (full) items.push(full);
        else stale = true;
      }
      if (stale) continue;
      for (const w of warnings) warnSkipped(w);
      this.stats.runs = considered;
      return { ...page, items };
    }
    return null;
  }

  /**
   * The runs of one experiment the index can decide with few signatures, each as the query sees
   * it (its info and the keys the query names) or null when the query leaves it out. Checked:
   * meta.yaml (the view and the attributes), then the files of one clause the index says the run
   * fails (a rejected run stays rejected while they are unchanged), or else every file the query
   * reads. Runs left out of the map (not indexed, racy, damaged, changed) go the long way.
   */
  private screen(o: Opened, needs: RunQueryFiles, inView: (stage: string) => boolean): Map<string, { entry: Entry; run: Run | null }> {
    // The paths each outcome checks, shared by every run: no arrays per run.
    const whenOut = [META_FILE];
    const whenIn = [META_FILE, ...needs.files];
    // A run a param, tag or metric clause rejects stays rejected while that one file is unchanged,
    // whatever meta.yaml says (no view or attribute brings it back).
    const whenFails = needs.clauses.map((c) => (c.readsMeta ? [META_FILE, ...c.files] : c.files));
    // One scratch run, refilled for each run: only the runs that pass get a run of their own.
    const scratch = new PartialRun(needs.files);
    const plans: { name: string; entry: Entry; run: Run | null; paths: string[] }[] = [];
    for (const name of o.runNames) {
      const entry = o.index.entry(name);
      if (!entry?.info || entry.racy || o.fresh.has(name) || o.checked.has(name)) continue;
      if (!inView(entry.info.lifecycleStage)) {
        plans.push({ name, entry, run: null, paths: whenOut });
        continue;
      }
      const probe = scratch.fill(entry);
      // The cheapest clause that rejects it: one that needs no meta.yaml, if any.
      let failing = -1;
      for (let c = 0; c < needs.clauses.length; c++) {
        if (needs.clauses[c]!.test(probe)) continue;
        if (failing < 0 || !needs.clauses[c]!.readsMeta) failing = c;
        if (!needs.clauses[c]!.readsMeta) break;
      }
      if (failing >= 0) plans.push({ name, entry, run: null, paths: whenFails[failing]! });
      else plans.push({ name, entry, run: partialRun(entry, needs.files), paths: whenIn });
    }
    const decided = new Map<string, { entry: Entry; run: Run | null }>();
    for (const [i, same] of this.unchanged(plans.map((p) => ({ o, entry: p.entry, paths: p.paths }))).entries()) {
      const { name, entry, run } = plans[i]!;
      if (!same) continue;
      decided.set(name, { entry, run });
      if (run) o.checked.set(name, 'query');
    }
    return decided;
  }

  private withRun(entry: Entry, needs: RunQueryFiles): { entry: Entry; run: Run | null } {
    if (!entry.info) return { entry, run: null };
    return { entry, run: needs.everything ? entry.full()! : partialRun(entry, needs.files) };
  }

  /** The run's entry, read again unless every signature in `paths` (null: all of them) matches. */
  private async current(o: Opened, name: string, paths: string[] | null): Promise<Entry> {
    const entry = o.index.entry(name);
    if (entry) {
      const level = paths === null || !entry.info ? 'all' : 'query';
      const done = o.checked.get(name);
      if (o.fresh.has(name) || done === 'all' || done === level) return entry;
      if (!entry.racy && this.matches(o, entry, level === 'all' ? null : [META_FILE, ...paths!])) {
        o.checked.set(name, level);
        return entry;
      }
    }
    return this.capture(o, name);
  }

  /** Read the run from its files, as fresh as an index-free read. */
  private async capture(o: Opened, name: string): Promise<Entry> {
    const { dir, experiment } = o.location;
    const captured = await captureRun(this.reader.tree, this.root, dir, experiment.experimentId, name, this.racyWindowMs);
    o.fresh.add(name);
    o.loaded.delete(name);
    this.stats.captured++;
    return o.index.put(captured);
  }

  /** Whether each path in `paths` (null: every path the entry has) still has its signature. */
  private matches(o: Opened, entry: Entry, paths: readonly string[] | null): boolean {
    return this.unchanged([{ o, entry, paths }])[0]!;
  }

  /**
   * For each check, whether its paths still have their signatures: `paths`, or (null) every path
   * the entry has but those in `skip`, already checked by this query.
   */
  private unchanged(checks: { o: Opened; entry: Entry; paths: readonly string[] | null; skip?: ReadonlySet<string> }[]): boolean[] {
    const all: string[] = [];
    const expected: number[] = [];
    const ends = checks.map(({ o, entry, paths, skip }) => {
      // Plain concatenation: path.join per file costs as much as a quarter of the stat.
      const runAbs = `${this.root}/${o.location.dir}/${entry.name}/`;
      if (paths) {
        for (const p of paths) {
          all.push(runAbs + p);
          expected.push(entry.signature(p));
        }
      } else {
        // The entry's own list, in its order (a stored run's comes with its blob).
        const list = entry.paths();
        const sigs = entry.signatures();
        for (let j = 0; j < list.length; j++) {
          if (skip?.has(list[j]!)) continue;
          all.push(runAbs + list[j]);
          expected.push(sigs[j]!);
        }
      }
      return all.length;
    });
    const now = signatures(all);
    let k = 0;
    return ends.map((end) => {
      let same = true;
      for (; k < end; k++) if (now[k] !== expected[k]) same = false;
      return same;
    });
  }
}

/** One run object refilled with each run's info and the query's keys, to test the filter without allocating. */
class PartialRun {
  private readonly run: Run = { info: null as unknown as Run['info'], data: { params: Object.create(null), tags: Object.create(null), metrics: Object.create(null) }, inputs: [] };
  private readonly slots: { folder: 'params' | 'tags' | 'metrics'; key: string; path: string; metric: { value: number } }[];

  constructor(files: string[]) {
    this.slots = files.map((path) => {
      const slash = path.indexOf('/');
      return { folder: path.slice(0, slash) as 'params' | 'tags' | 'metrics', key: path.slice(slash + 1), path, metric: { value: 0 } };
    });
  }

  fill(entry: Entry): Run {
    this.run.info = entry.info!;
    for (const { folder, key, path, metric } of this.slots) {
      const record = this.run.data[folder] as Record<string, unknown>;
      const value = entry.value(path);
      if (value === undefined) delete record[key];
      else if (typeof value === 'number') record[key] = ((metric.value = value), metric);
      else record[key] = value;
    }
    return this.run;
  }
}

/**
 * A run with only what the query filters and sorts on: its info and the keys it names, a metric
 * as its latest value alone. It never leaves the index: a returned run is read whole.
 */
function partialRun(entry: Entry, files: string[]): Run {
  const data = { params: Object.create(null), tags: Object.create(null), metrics: Object.create(null) } as Run['data'];
  for (const path of files) {
    const value = entry.value(path);
    if (value === undefined) continue;
    const slash = path.indexOf('/');
    const key = path.slice(slash + 1);
    if (typeof value === 'number') data.metrics[key] = { value } as Metric;
    else (data[path.slice(0, slash) as 'params' | 'tags'] as Record<string, string>)[key] = value;
  }
  return { info: entry.info!, data, inputs: [] };
}
