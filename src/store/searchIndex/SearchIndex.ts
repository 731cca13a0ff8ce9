/**
 * Run search through the derived index: every answer is the one an index-free read gives.
 * Per query it lists each experiment's run directories, checks for each run the few stat
 * signatures that decide whether the query takes it (one file for a run a clause rejects),
 * reads again the runs whose signatures differ, and checks every file of the runs it returns
 * (spec/search-index.md, "What a query checks").
 */
import type { Metric, Page, Run, ViewType } from '../../format/entities.js';
import { searchRuns, viewFilter, type SearchOptions } from '../../format/search/index.js';
import { META_FILE, joinPath } from '../../format/layout.js';
import { runQueryFiles, type RunQueryFiles } from '../../format/search/runQueryFiles.js';
import { MlrunsReader, type ExperimentLocation } from '../MlrunsReader.js';
import { pageAndNext, readQueryFiles } from '../readingLess.js';
import { warnSkipped, type ReadWarning } from '../readWarnings.js';
import { ExperimentIndex, type Entry } from './ExperimentIndex.js';
import { CorruptIndex } from './indexFile.js';
import { captureRun, RACY_MS } from './runCapture.js';
import { signatures } from './statBatch.js';

const DEFAULT_CAPTURE_BUDGET = 2000;

export interface SearchIndexOptions {
  /** Where the index files live (indexLocation.ts picks it). */
  dir: string;
  /** Changes closer than this to a read are not trusted next time (default 20 ms). */
  racyWindowMs?: number;
  /**
   * Runs the index has no entry for that one query reads whole to add them (default 2,000, or as
   * many as the index already holds); the others it reads only in the query's files, as an
   * index-free search does. A first search of 100,000 runs costs about what an index-free one
   * does, and the index fills in a few queries, each adding at most as much as it holds.
   */
  captureBudget?: number;
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
  /** The first pass's screen, aligned with runNames: a second pass keeps what it decided. */
  screened?: ({ entry: Entry; run: Run | null } | undefined)[];
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
        const runNames = await this.reader.listRunNames(location.dir);
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
          o.screened = undefined;
        }
        const page = await this.answer(opened, needs, input);
        if (page) return page;
      }
      // Changing under our feet: answer from the files.
      return searchRuns(await this.reader.readRuns(experiments), input);
    } finally {
      for (const o of opened) {
        try {
          o.index.save(o.runNames);
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
    let budget = Math.max(this.options.captureBudget ?? DEFAULT_CAPTURE_BUDGET, opened.reduce((n, o) => n + o.index.size, 0));
    // A second pass only when a returned run changed in a file the query does not read.
    for (let pass = 0; pass < 2; pass++) {
      const warnings: ReadWarning[] = [];
      const candidates: Run[] = [];
      // entry null: a run not in the index, read in the query's files only.
      const origin = new Map<Run, { o: Opened; name: string; entry: Entry | null }>();
      let considered = 0;
      for (const o of opened) {
        const entries = o.index.walk(o.runNames);
        const screened = needs.everything ? [] : (o.screened ??= this.screen(o, entries, needs, inView));
        for (let j = 0; j < o.runNames.length; j++) {
          const name = o.runNames[j]!;
          considered++;
          // A run read again since the screen is taken as it is now.
          const decided = o.fresh.size > 0 && o.fresh.has(name) ? undefined : screened[j];
          if (!decided && !entries[j] && !needs.everything && !o.fresh.has(name) && budget-- <= 0) {
            const partial = await this.readQueryFiles(o, name, needs, warnings);
            if (partial) {
              candidates.push(partial);
              origin.set(partial, { o, name, entry: null });
            }
            continue;
          }
          const { entry, run } = decided ?? this.withRun(await this.current(o, name, entries[j], needs.everything ? null : needs.files), needs);
          warnings.push(...entry.warnings);
          if (!run) continue;
          candidates.push(run);
          origin.set(run, { o, name, entry });
        }
      }
      // The first run after the page is checked as the page's are: whether there is a next page
      // depends on it.
      const { page, next } = pageAndNext(candidates, input);
      const checkedRuns = next ? [...page.items, next] : page.items;
      let stale = false;
      // A returned run not in the index is read whole now (and so added); if what the query
      // compares changed since its files were read, the page is made again.
      for (const run of checkedRuns) {
        const where = origin.get(run)!;
        if (where.entry) continue;
        where.entry = await this.capture(where.o, where.name);
        if (!where.entry.listed || !sameForQuery(run, new PartialRun(needs).fill(where.entry), needs)) stale = true;
      }
      const returned = checkedRuns.map((run) => origin.get(run)! as { o: Opened; name: string; entry: Entry });
      // Every file of every returned run, checked in one batch; a run that changed is read again.
      // The files the query read were checked a moment ago: the rest of each run now.
      const queried = new Set([META_FILE, ...needs.files]);
      const unchecked = returned.filter(({ o, name }) => !o.fresh.has(name) && o.checked.get(name) !== 'all');
      const checks = unchecked.map(({ o, name, entry }) => ({ o, entry, paths: null, skip: o.checked.get(name) === 'query' ? queried : undefined }));
      for (const [i, same] of this.unchanged(checks).entries()) {
        const { o, name } = unchecked[i]!;
        if (same) o.checked.set(name, 'all');
        else {
          await this.capture(o, name);
          stale = true;
        }
      }
      if (stale) continue;
      const items: Run[] = [];
      for (const { o, name, entry } of returned) {
        // The run after the page is loaded too: one that will not load is no next page.
        if (!o.loaded.has(name)) o.loaded.set(name, entry.full());
        const full = o.loaded.get(name);
        if (!full) break;
        items.push(full);
      }
      if (items.length < returned.length) continue;
      items.length = page.items.length;
      for (const w of warnings) warnSkipped(w);
      this.stats.runs = considered;
      return { ...page, items };
    }
    return null;
  }

  /**
   * The runs of one experiment the index can decide with few signatures, each as the query sees
   * it (the info fields and keys the query reads) or null when the query leaves it out, aligned
   * with the listing. What is checked for each run is in spec/search-index.md ("What a query
   * checks"). Runs left out (not indexed, racy, damaged, changed) go the long way.
   */
  private screen(o: Opened, entries: (Entry | undefined)[], needs: RunQueryFiles, inView: (stage: string) => boolean): ({ entry: Entry; run: Run | null } | undefined)[] {
    // The paths each outcome checks, shared by every run: no arrays per run.
    const whenOut = [META_FILE];
    const whenIn = [META_FILE, ...needs.files];
    // A run a param, tag or metric clause rejects stays rejected while that one file is unchanged,
    // whatever meta.yaml says (no view or attribute brings it back).
    const whenFails = needs.clauses.map((c) => (c.readsMeta ? [META_FILE, ...c.files] : c.files));
    // One scratch run, refilled for each run: only the runs that pass get a run of their own.
    const scratch = new PartialRun(needs);
    const plans: { j: number; entry: Entry; run: Run | null; paths: string[] }[] = [];
    const skip = (name: string) => (o.fresh.size > 0 && o.fresh.has(name)) || (o.checked.size > 0 && o.checked.has(name));
    for (let j = 0; j < entries.length; j++) {
      const entry = entries[j];
      if (!entry?.listed || entry.racy || skip(entry.name)) continue;
      const probe = scratch.fill(entry);
      // The cheapest clause that rejects it: one that needs no meta.yaml, if any.
      let failing = -1;
      for (let c = 0; c < needs.clauses.length; c++) {
        if (needs.clauses[c]!.test(probe)) continue;
        if (failing < 0 || !needs.clauses[c]!.readsMeta) failing = c;
        if (!needs.clauses[c]!.readsMeta) break;
      }
      if (failing >= 0 && !needs.clauses[failing]!.readsMeta) plans.push({ j, entry, run: null, paths: whenFails[failing]! });
      else if (!inView(probe.info.lifecycleStage)) plans.push({ j, entry, run: null, paths: whenOut });
      else if (failing >= 0) plans.push({ j, entry, run: null, paths: whenFails[failing]! });
      else plans.push({ j, entry, run: new PartialRun(needs).fill(entry), paths: whenIn });
    }
    const decided: ({ entry: Entry; run: Run | null } | undefined)[] = new Array(entries.length);
    for (const [i, same] of this.unchanged(plans.map((p) => ({ o, entry: p.entry, paths: p.paths }))).entries()) {
      const { j, entry, run } = plans[i]!;
      if (!same) continue;
      decided[j] = { entry, run };
      if (run) o.checked.set(entry.name, 'query');
    }
    return decided;
  }

  private withRun(entry: Entry, needs: RunQueryFiles): { entry: Entry; run: Run | null } {
    if (!entry.listed) return { entry, run: null };
    return { entry, run: needs.everything ? entry.full()! : new PartialRun(needs).fill(entry) };
  }

  /** The run's entry, read again unless every signature in `paths` (null: all of them) matches. */
  private async current(o: Opened, name: string, entry: Entry | undefined, paths: string[] | null): Promise<Entry> {
    if (entry) {
      const level = paths === null || !entry.listed ? 'all' : 'query';
      const done = o.checked.get(name);
      if (o.fresh.has(name) || done === 'all' || done === level) return entry;
      if (!entry.racy && this.unchanged([{ o, entry, paths: level === 'all' ? null : [META_FILE, ...paths!] }])[0]) {
        o.checked.set(name, level);
        return entry;
      }
    }
    return this.capture(o, name);
  }

  /** A run not in the index as an index-free search reads it: meta.yaml and the query's files. */
  private async readQueryFiles(o: Opened, name: string, needs: RunQueryFiles, warnings: ReadWarning[]): Promise<Run | null> {
    const reader = new MlrunsReader(this.reader.tree, (w) => warnings.push(w));
    return readQueryFiles(reader, { experimentDir: o.location.dir, dir: joinPath(o.location.dir, name) }, o.location.experiment.experimentId, needs.keys);
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

/** Whether two reads of a run agree in everything the query compares. */
function sameForQuery(a: Run, b: Run, needs: RunQueryFiles): boolean {
  for (const field of needs.infoFields) if (!Object.is(a.info[field], b.info[field])) return false;
  for (const { folder, key } of needs.keys) {
    const x = (a.data[folder] as Record<string, string | Metric>)[key];
    const y = (b.data[folder] as Record<string, string | Metric>)[key];
    const vx = typeof x === 'object' ? x.value : x;
    const vy = typeof y === 'object' ? y.value : y;
    if (!Object.is(vx, vy)) return false;
  }
  return true;
}

/**
 * A run with only what the query filters and sorts on: the info fields and keys it reads, a
 * metric as its latest value alone. It never leaves the index: a returned run is read whole.
 * The screen refills one for every run, to test the filter without allocating.
 */
class PartialRun {
  private readonly run: Run;
  private readonly slots: { folder: 'params' | 'tags' | 'metrics'; key: string; path: string; metric: { value: number } }[];

  constructor(private readonly needs: RunQueryFiles) {
    this.run = { info: {} as Run['info'], data: { params: Object.create(null), tags: Object.create(null), metrics: Object.create(null) }, inputs: [] };
    this.slots = needs.keys.map((k) => ({ ...k, metric: { value: 0 } }));
  }

  fill(entry: Entry): Run {
    const info = this.run.info as unknown as Record<string, unknown>;
    for (const field of this.needs.infoFields) info[field] = entry.infoField(field);
    for (const { folder, key, path, metric } of this.slots) {
      const record = this.run.data[folder] as Record<string, unknown>;
      const value = entry.value(path);
      if (value === undefined) delete record[key];
      else if (typeof value === 'number') record[key] = ((metric.value = value), metric as Metric);
      else record[key] = value;
    }
    return this.run;
  }
}
