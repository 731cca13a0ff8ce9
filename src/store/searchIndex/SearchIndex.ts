/**
 * Run search through the derived index: every answer is the one an index-free read gives.
 * Per query it lists each experiment's run directories, checks the stat signatures of the files
 * the query filters and sorts on (meta.yaml and the keys it names), reads again the runs whose
 * signatures differ, and checks every file of the runs it returns (spec/search-index.md).
 */
import type { Page, Run, ViewType } from '../../format/entities.js';
import { searchRuns, type SearchOptions } from '../../format/search/index.js';
import { runQueryFiles, type RunQueryFiles } from '../../format/search/runQueryFiles.js';
import type { ExperimentLocation, MlrunsReader } from '../MlrunsReader.js';
import { warnSkipped, type ReadWarning } from '../readWarnings.js';
import { ExperimentIndex, type Entry } from './ExperimentIndex.js';
import { CorruptIndex } from './indexFile.js';
import { captureRun, RACY_NS } from './runCapture.js';
import { signature } from './statSignature.js';

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
  private readonly racyWindowNs: bigint;

  constructor(
    private readonly root: string,
    private readonly reader: MlrunsReader,
    private readonly options: SearchIndexOptions,
  ) {
    this.racyWindowNs = options.racyWindowMs === undefined ? RACY_NS : BigInt(Math.round(options.racyWindowMs * 1e6));
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
    // A second pass only when a returned run changed in a file the query does not read.
    for (let pass = 0; pass < 2; pass++) {
      const warnings: ReadWarning[] = [];
      const candidates: Run[] = [];
      const origin = new Map<Run, { o: Opened; name: string }>();
      for (const o of opened) {
        for (const name of o.runNames) {
          const entry = await this.current(o, name, needs.everything ? null : needs.files);
          warnings.push(...entry.warnings);
          if (!entry.info) continue;
          const run = needs.everything ? entry.full()! : partialRun(entry, needs.files);
          candidates.push(run);
          origin.set(run, { o, name });
        }
        const listed = new Set(o.runNames);
        for (const name of o.index.names()) if (!listed.has(name)) o.index.remove(name);
      }
      const page = searchRuns(candidates, input);
      const items: Run[] = [];
      let stale = false;
      for (const run of page.items) {
        const { o, name } = origin.get(run)!;
        const wasFresh = o.fresh.has(name);
        const entry = await this.current(o, name, null);
        if (!wasFresh && o.fresh.has(name)) stale = true;
        if (!o.loaded.has(name)) o.loaded.set(name, entry.full());
        const full = o.loaded.get(name);
        if (full) items.push(full);
        else stale = true;
      }
      if (stale) continue;
      for (const w of warnings) warnSkipped(w);
      this.stats.runs = candidates.length;
      return { ...page, items };
    }
    return null;
  }

  /** The run's entry, read again unless every signature in `paths` (null: all of them) matches. */
  private async current(o: Opened, name: string, paths: string[] | null): Promise<Entry> {
    const entry = o.index.entry(name);
    if (entry) {
      const level = paths === null || !entry.info ? 'all' : 'query';
      const done = o.checked.get(name);
      if (o.fresh.has(name) || done === 'all' || done === level) return entry;
      if (!entry.racy && this.matches(o, entry, level === 'all' ? null : paths)) {
        o.checked.set(name, level);
        return entry;
      }
    }
    const { dir, experiment } = o.location;
    const captured = await captureRun(this.reader.tree, this.root, dir, experiment.experimentId, name, this.racyWindowNs);
    o.fresh.add(name);
    o.loaded.delete(name);
    this.stats.captured++;
    return o.index.put(captured);
  }

  private matches(o: Opened, entry: Entry, paths: string[] | null): boolean {
    // Plain concatenation: path.join per file costs as much as a quarter of the stat.
    const runAbs = `${this.root}/${o.location.dir}/${entry.name}/`;
    for (const p of paths === null ? entry.paths() : ['meta.yaml', ...paths]) {
      if (signature(runAbs + p) !== entry.signature(p)) return false;
    }
    return true;
  }
}

/** A run with only what the query filters and sorts on: its info and the keys it names. */
function partialRun(entry: Entry, files: string[]): Run {
  const data = { params: Object.create(null), tags: Object.create(null), metrics: Object.create(null) } as Run['data'];
  for (const path of files) {
    const value = entry.value(path);
    if (value === undefined) continue;
    const slash = path.indexOf('/');
    (data[path.slice(0, slash) as keyof Run['data']] as Record<string, unknown>)[path.slice(slash + 1)] = value;
  }
  return { info: entry.info!, data, inputs: [] };
}
