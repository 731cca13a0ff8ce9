/**
 * The site's data files (spec/site.md) from any mlruns tree: the working directory or a commit of
 * the tracking branch, both read through MlrunsReader and RegistryReader over a TreeReader. Writes
 * a columnar runs index per experiment in shards, one detail and one history file per run, copies
 * of small artifacts, the registry and the tracking log.
 *
 * Incremental: on an earlier site, in place, only runs whose stat signature changed are read and
 * written again; their shards are rewritten from the previous shard's other rows, and removed runs'
 * files are deleted (spec/site.md, "Incremental builds").
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Experiment, RunInfo } from '../format/entities.js';
import { isMltrackError } from '../format/errors.js';
import { ARTIFACTS_DIR, DATASETS_DIR, METRICS_DIR, PARAMS_DIR, TAGS_DIR, joinPath } from '../format/layout.js';
import { STAGE_DELETED_INTERNAL } from '../format/registryMeta.js';
import { decodeUtf8 } from '../format/text.js';
import { parseYaml } from '../format/yaml.js';
import { MlrunsReader, type ExperimentLocation, type RunLocation } from '../store/MlrunsReader.js';
import { RegistryReader, type ModelVersion } from '../store/RegistryReader.js';
import type { TreeReader } from '../store/TreeReader.js';
import { faultPoint } from '../store/faultPoint.js';
import {
  MAX_LOG_COMMITS, PARENT_RUN_TAG, RUNS_PER_SHARD, SITE_FORMAT, indexToRows, runFamilies, metricValueToJson, rowsToIndex, sitePaths, stepToJson, storedArtifactName,
  type ArtifactEntry, type IndexRow, type RunsIndex, type SiteCommit, type SiteDatasetInput, type SiteExperiment, type SiteLog, type SiteManifest,
  type SiteMetric, type SiteMetricHistories, type SiteModelVersion, type SiteRegisteredModel, type SiteRegistry, type SiteRegistryEvent, type SiteRun, type SiteSource,
} from '../format/siteFormat.js';
import { scanMetricText as scanMetric } from '../format/metricFile.js';
import { NameLists, type TreeStamp } from './runSignature.js';
import { BUILD_STATE, decodeState, encodeState, type BuildState, type RunState, type ShardSummary } from './buildState.js';

export { BUILD_STATE } from './buildState.js';

/** Default limit for copying an artifact into the site. */
export const DEFAULT_ARTIFACT_LIMIT = 1024 * 1024;
/** At most this many artifact entries are listed per run. */
export const MAX_ARTIFACT_ENTRIES = 2000;

const DATASET_CONTEXT_TAG = 'mlflow.data.context';
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1';

export interface SiteDataSource {
  /** The mlruns root. */
  tree: TreeReader;
  source: SiteSource;
  /**
   * Where artifacts stored outside the mlruns tree (a non-default `file:` artifact URI) can be read;
   * null when they cannot (revision builds).
   */
  externalArtifacts: ((artifactUri: string) => TreeReader | null) | null;
  /** Rewrites a URI for publishing (a local root becomes a placeholder, so no home directory leaks). */
  publicUri: (uri: string) => string;
  /**
   * The stat stamp (`runSignature.ts`) of a directory of the tree (a run's, an experiment's
   * datasets), null when it cannot be signed (then its runs are rebuilt every time); `same` when it
   * equals `previous`. Without this function (revision builds) every build is a full one.
   */
  stamp: ((dir: string, previous: TreeStamp | undefined, lists: NameLists) => { stamp: TreeStamp | null; same: boolean }) | null;
  /**
   * An experiment's run directories when a plain listing gives the reader's answer (no symlink or
   * special file among its entries, so nothing to resolve), else null: the reader lists it.
   */
  listRunDirs?: (experimentDir: string) => string[] | null;
}

export interface SiteDataOptions {
  /** Directory to write into (its `data/` folder is created). */
  out: string;
  artifactLimitBytes?: number;
  /** Runs in flight at once (default 16): their writes overlap the next runs' reads. */
  concurrency?: number;
  log?: SiteLog | null;
  /** Registry events from git tags (all models). */
  events?: ModelEvent[];
  generator: string;
  live?: boolean;
  /**
   * `out` holds an earlier site: build on it in place, reading and writing only what changed
   * (check `canBuildInPlace()` first).
   */
  incremental?: boolean;
  /** Runs per shard of a runs index (default RUNS_PER_SHARD). */
  shardSize?: number;
  /** Called once the run directories are listed, with how many there are. */
  onStart?: (runs: number) => void;
  onRun?: (done: number) => void;
  onWarning?: (message: string) => void;
}

/** A registry event and the model it belongs to. */
export interface ModelEvent extends SiteRegistryEvent {
  model: string;
}

export interface SiteDataResult {
  manifest: SiteManifest;
  runs: number;
  /** Runs read and written by this build (all of them in a full build). */
  rebuilt: number;
  files: number;
  bytes: number;
  warnings: string[];
}

/** What the registry needs of a run (built now, or kept from the previous site). */
interface RegistryRun {
  info: { experimentId: string; runName: string | null; status: string; startTime: number; endTime: number | null };
  artifactTree: { tree: TreeReader; root: string } | null;
  artifactFiles: ArtifactEntry[];
}

interface BuiltRun extends RegistryRun {
  info: RunInfo;
  dir: string;
  row: IndexRow;
  /** Its artifacts are in the run directory, so the run's signature covers them. */
  defaultArtifacts: boolean;
}

function byStart(a: IndexRow, b: IndexRow): number {
  return a.startTime - b.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

function summarise(rows: readonly IndexRow[]): ShardSummary {
  const keys = (pick: (r: IndexRow) => Record<string, unknown>) => [...new Set(rows.flatMap((r) => Object.keys(pick(r))))].sort();
  let lastRunStart: number | null = null;
  for (const r of rows) if (lastRunStart === null || r.startTime > lastRunStart) lastRunStart = r.startTime;
  return {
    count: rows.length,
    active: rows.filter((r) => r.lifecycleStage === 'active').length,
    lastRunStart,
    metricKeys: keys((r) => r.metrics),
    paramKeys: keys((r) => r.params),
    tagKeys: keys((r) => r.tags),
  };
}

class Writer {
  files = 0;
  bytes = 0;
  /**
   * Set when updating a site in place, which may be served meanwhile: each file is written under a
   * temporary name and renamed over the old one, and a run's directory is written beside it and
   * swapped in (`stageRun`, `swapInRun`), so a reader sees the old file or the new, never a part.
   */
  inPlace = false;
  private readonly dirs = new Map<string, Promise<unknown>>();
  private readonly staged = new Map<string, string>();
  constructor(readonly root: string) {}

  async write(rel: string, data: string | Uint8Array): Promise<void> {
    const abs = join(this.root, this.stagedPath(rel));
    const dir = dirname(abs);
    let made = this.dirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.dirs.set(dir, made);
    }
    await made;
    if (this.inPlace) {
      const tmp = `${abs}.tmp-${process.pid}`;
      await writeFile(tmp, data);
      await rename(tmp, abs);
    } else await writeFile(abs, data);
    this.files++;
    this.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  }

  json(rel: string, value: unknown): Promise<void> {
    return this.write(rel, JSON.stringify(value));
  }

  private stagedPath(rel: string): string {
    for (const [from, to] of this.staged) if (rel.startsWith(from)) return to + rel.slice(from.length);
    return rel;
  }

  /** From now on, files of the run's directory are written into a fresh directory beside it. */
  async stageRun(runDir: string): Promise<void> {
    const to = `${dirname(runDir)}/.${basename(runDir)}.new-${process.pid}`;
    await this.remove(to);
    this.staged.set(`${runDir}/`, `${to}/`);
  }

  /** The staged directory replaces the run's (whatever the previous site had of it goes). */
  async swapInRun(runDir: string): Promise<void> {
    const to = this.staged.get(`${runDir}/`);
    if (!to) return;
    this.staged.delete(`${runDir}/`);
    const old = `${runDir}.old-${process.pid}`;
    const abs = (rel: string) => join(this.root, rel);
    await this.remove(old);
    await mkdir(abs(to), { recursive: true });
    // The two renames back to back, with no await between them: whatever the concurrency, at most
    // one run is without its directory at any instant (and after a kill right there, until the
    // next build, which rebuilds it).
    if (existsSync(abs(runDir))) renameSync(abs(runDir), abs(old));
    faultPoint('site:run-swap');
    renameSync(abs(to.slice(0, -1)), abs(runDir));
    await this.remove(old);
  }

  /** Drops what runs that failed half-way had staged. */
  async discardStaged(): Promise<void> {
    for (const to of this.staged.values()) await this.remove(to);
    this.staged.clear();
  }

  /** Removes a file or directory (recursively) that the previous site had. */
  async remove(rel: string): Promise<void> {
    await rm(join(this.root, rel), { recursive: true, force: true });
  }
}

/** What `plan` decided for an experiment's runs. */
interface Plan {
  locations: RunLocation[];
  artifactLocation: string;
  /** The previous state, when the experiment's runs can be kept from it. */
  previous: BuildState | null;
  oldShards: number;
  datasets: TreeStamp | null;
  stamps: (TreeStamp | null)[];
  keep: boolean[];
}

/**
 * `.mltrack-build.pending`: the runs an in-place build is about to change, written before it changes
 * anything and removed once its state is written. Found by the next build, it means the last one
 * was killed: those runs are rebuilt whatever their stamps say, and every shard is rewritten.
 */
export const BUILD_PENDING = '.mltrack-build.pending';

function readPending(out: string): Set<string> | null {
  let text: string;
  try {
    text = readFileSync(join(out, BUILD_PENDING), 'utf8');
  } catch {
    return null;
  }
  try {
    const ids = JSON.parse(text) as unknown;
    // Run ids only: the names are used as paths below data/runs/.
    return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && /^[A-Za-z0-9_-]+$/.test(id)) : []);
  } catch {
    return new Set(); // written half (killed while writing it): still an interrupted build
  }
}

async function writePending(out: string, runIds: string[]): Promise<void> {
  const path = join(out, BUILD_PENDING);
  await writeFile(`${path}.tmp-${process.pid}`, JSON.stringify(runIds));
  await rename(`${path}.tmp-${process.pid}`, path);
  faultPoint('site:pending');
}

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every file below `root` (files and directories), at most `limit` entries, sorted by path. */
async function listTree(tree: TreeReader, root: string, limit: number): Promise<{ entries: { path: string; isDir: boolean }[]; truncated: boolean }> {
  const entries: { path: string; isDir: boolean }[] = [];
  let truncated = false;
  const walk = async (rel: string): Promise<void> => {
    const children = await tree.list(joinPath(root, rel));
    if (!children) return;
    for (const child of [...children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entries.length >= limit) {
        truncated = true;
        return;
      }
      const path = rel ? `${rel}/${child.name}` : child.name;
      entries.push({ path, isDir: child.isDir });
      if (child.isDir) await walk(path);
    }
  };
  await walk('');
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, truncated };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export class SiteDataBuilder {
  private readonly reader: MlrunsReader;
  private readonly out: Writer;
  private readonly limit: number;
  private readonly warnings: string[] = [];
  private readonly runsById = new Map<string, BuiltRun>();
  private readonly state: BuildState;
  private previous: BuildState | null = null;
  /** Runs an interrupted build was changing (its BUILD_PENDING), or null when the last build finished. */
  private interrupted: Set<string> | null = null;
  /** The previous state as read (undefined: not read yet). */
  private previousRead: BuildState | null | undefined;

  constructor(
    private readonly src: SiteDataSource,
    private readonly options: SiteDataOptions,
  ) {
    this.reader = new MlrunsReader(src.tree, (w) => this.warn(`skipped ${w.path}: ${w.rule}`));
    this.out = new Writer(options.out);
    this.limit = options.artifactLimitBytes ?? DEFAULT_ARTIFACT_LIMIT;
    // Hashed: the key names the local mlruns path, which a published site must not carry.
    const key = createHash('sha1').update(JSON.stringify([SITE_FORMAT, options.generator, this.limit, options.shardSize ?? RUNS_PER_SHARD, src.source, src.tree.describe('')])).digest('hex');
    this.state = { key, runs: new Map(), experiments: new Map(), lists: new NameLists() };
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  /**
   * Finishes what a killed build left: its staged run directories and temporary files go (the runs
   * it was changing are rebuilt and every shard rewritten by this build, and runs it added that are
   * gone since are deleted at the end).
   */
  private async recover(): Promise<void> {
    const leftover = /\.(tmp|new|old)-\d+$/;
    const sweep = async (rel: string) => {
      const dir = join(this.options.out, rel);
      for (const name of existsSync(dir) ? readdirSync(dir) : []) if (leftover.test(name)) await this.out.remove(rel ? `${rel}/${name}` : name);
    };
    await sweep('');
    await sweep('data');
    await sweep(dirname(dirname(sitePaths.run('x'))));
    const experiments = dirname(dirname(sitePaths.runsShard('x', 0)));
    await sweep(experiments);
    for (const id of existsSync(join(this.options.out, experiments)) ? readdirSync(join(this.options.out, experiments)) : []) await sweep(`${experiments}/${id}`);
  }

  /** True when `out` holds a site whose build state this build can build on. */
  canBuildInPlace(): boolean {
    return this.readState() !== null;
  }

  private readState(): BuildState | null {
    if (this.previousRead !== undefined) return this.previousRead;
    this.previousRead = null;
    const dir = this.options.out;
    if (!this.src.stamp || !existsSync(join(dir, BUILD_STATE)) || !existsSync(join(dir, sitePaths.manifest))) return null;
    try {
      const bytes = readFileSync(join(dir, BUILD_STATE));
      const state = decodeState(bytes);
      if (!state || state.key !== this.state.key) return null;
      this.previousRead = state;
      // Listings keep their ids: the previous stamps refer to them.
      this.state.lists = state.lists;
      return state;
    } catch {
      return null;
    }
  }

  /**
   * True when this build's state says what `previous` says: no run read again, every run kept (the
   * same objects), the same experiments with the same shards and datasets stamps.
   */
  private sameState(previous: BuildState): boolean {
    if (this.runsById.size > 0 || this.state.runs.size !== previous.runs.size || this.state.experiments.size !== previous.experiments.size) return false;
    for (const [id, run] of this.state.runs) if (previous.runs.get(id) !== run) return false;
    for (const [id, e] of this.state.experiments) {
      const p = previous.experiments.get(id);
      if (!p || p.datasets !== e.datasets || p.artifactLocation !== e.artifactLocation || JSON.stringify(p.shards) !== JSON.stringify(e.shards)) return false;
    }
    return true;
  }

  async build(): Promise<SiteDataResult> {
    const located = await this.reader.listExperiments('ALL');
    // Every run directory first, sorted by name, so a build does not depend on the file system's
    // listing order, and progress knows its total.
    const runDirs = new Map<ExperimentLocation, RunLocation[]>();
    for (const location of located) {
      const plain = this.src.listRunDirs?.(location.dir);
      const dirs = plain ? plain.map((dir) => ({ experimentDir: location.dir, dir })) : await this.reader.listRunDirs(location.dir);
      runDirs.set(location, dirs.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0)));
    }
    this.options.onStart?.([...runDirs.values()].reduce((n, l) => n + l.length, 0));
    if (this.options.incremental) {
      this.previous = this.readState();
      if (!this.previous) throw new Error(`${this.options.out} holds no site this build can build on`);
      this.out.inPlace = true;
      this.interrupted = readPending(this.options.out);
    }
    // Every run stamped before anything is written, so what this build is about to change can be
    // recorded first: a build killed half-way is finished by the next (`recover`).
    const plans = new Map<ExperimentLocation, Plan>();
    for (const location of located) plans.set(location, this.plan(location, runDirs.get(location)!));
    if (this.previous) {
      const changing = [...plans.values()].flatMap((p) => p.locations.filter((_, i) => !p.keep[i]).map((l) => basename(l.dir)));
      const keptCount = [...plans.values()].reduce((n, p) => n + p.keep.filter(Boolean).length, 0);
      if (changing.length > 0 || keptCount !== this.previous.runs.size || this.interrupted) {
        await writePending(this.options.out, [...new Set([...changing, ...(this.interrupted ?? [])])]);
      }
      if (this.interrupted) await this.recover();
    }
    const experiments: SiteExperiment[] = [];
    let done = 0;
    for (const location of located) {
      experiments.push(
        await this.buildExperiment(location, plans.get(location)!, () => {
          done++;
          this.options.onRun?.(done);
        }),
      );
    }
    await this.out.discardStaged();
    experiments.sort((a, b) => (a.lifecycleStage === b.lifecycleStage ? Number(a.experimentId) - Number(b.experimentId) || (a.experimentId < b.experimentId ? -1 : 1) : a.lifecycleStage === 'active' ? -1 : 1));
    const registry = await this.buildRegistry();
    const log = this.options.log ?? null;
    if (log) await this.out.json(sitePaths.log, log);
    else if (this.previous) await this.out.remove(sitePaths.log);
    const manifest: SiteManifest = {
      format: SITE_FORMAT,
      generator: this.options.generator,
      builtAt: Date.now(),
      source: this.src.source,
      experiments,
      registry: { models: registry.models.length, versions: registry.models.reduce((n, m) => n + m.versions.length, 0) },
      log: log ? { branch: log.branch, commits: log.commits.length, truncated: log.truncated } : null,
      artifactLimitBytes: this.limit,
      live: this.options.live ?? false,
    };
    await this.out.json(sitePaths.manifest, manifest);
    faultPoint('site:manifest');
    if (this.previous) {
      // What the previous site had and this one does not (once the manifest no longer names it),
      // before the state that no longer lists it: a build killed before then deletes it next time.
      const gone = new Set([...this.previous.runs.keys(), ...(this.interrupted ?? [])]);
      for (const runId of gone) if (!this.state.runs.has(runId)) await this.out.remove(dirname(sitePaths.run(runId)));
      for (const id of this.previous.experiments.keys()) if (!this.state.experiments.has(id)) await this.out.remove(dirname(sitePaths.runsShard(id, 0)));
      if (this.interrupted) {
        // Experiments the interrupted build added that are gone since.
        const dir = dirname(dirname(sitePaths.runsShard('x', 0)));
        for (const id of existsSync(join(this.options.out, dir)) ? readdirSync(join(this.options.out, dir)) : []) if (!this.state.experiments.has(id)) await this.out.remove(`${dir}/${id}`);
      }
      faultPoint('site:removed');
    }
    // Not rewritten when nothing changed (9 MB at 10,000 runs).
    if (!this.previous || !this.sameState(this.previous) || this.interrupted) await this.out.write(BUILD_STATE, encodeState(this.state));
    faultPoint('site:state');
    if (this.previous) await this.out.remove(BUILD_PENDING);
    return { manifest, runs: done, rebuilt: this.runsById.size, files: this.out.files, bytes: this.out.bytes, warnings: this.warnings };
  }

  // ------------------------------------------------------------------ experiments and runs

  /** Which of an experiment's runs this build keeps as they are (their stamps unchanged) and which it reads again. */
  private plan(location: ExperimentLocation, locations: RunLocation[]): Plan {
    const exp = location.experiment;
    const id = exp.experimentId;
    const before = this.previous?.experiments.get(id);
    // A changed artifact location changes every row's artifactUri column: rebuild them all.
    // Compared as published: the state names no local path.
    const artifactLocation = this.src.publicUri(exp.artifactLocation);
    const previous = before && before.artifactLocation === artifactLocation ? this.previous : null;
    const oldShards = previous ? before!.shards.length : 0;
    const lists = this.state.lists;
    // The experiment's datasets are part of every run's data (its inputs point there).
    const datasets = this.src.stamp?.(joinPath(location.dir, DATASETS_DIR), before?.datasets ?? undefined, lists) ?? { stamp: null, same: false };
    const stamps: (TreeStamp | null)[] = new Array(locations.length);
    const keep: boolean[] = new Array(locations.length);
    for (let i = 0; i < locations.length; i++) {
      const dir = locations[i]!.dir;
      const runId = basename(dir);
      const old = previous?.runs.get(runId);
      const own = this.src.stamp?.(dir, old?.stamp ?? undefined, lists) ?? { stamp: null, same: false };
      stamps[i] = own.stamp;
      keep[i] = !!old && own.same && datasets.same && !!datasets.stamp && old.experimentId === id && old.dir === dir && old.shard < oldShards && !this.interrupted?.has(runId);
    }
    return { locations, artifactLocation, previous, oldShards, datasets: datasets.stamp, stamps, keep };
  }

  private async buildExperiment(location: ExperimentLocation, plan: Plan, tick: () => void): Promise<SiteExperiment> {
    const exp = location.experiment;
    const id = exp.experimentId;
    const shardSize = this.options.shardSize ?? RUNS_PER_SHARD;
    const before = this.previous?.experiments.get(id);
    const { locations, artifactLocation, previous, oldShards, datasets } = plan;
    const kept = new Set<string>();
    // Recorded in listing order once all are done, so the state does not depend on timing.
    const states: (RunState | undefined)[] = new Array(locations.length);
    const built = await pool(locations.map((l, i) => [l, i] as const), this.options.concurrency ?? 16, async ([runLocation, i]) => {
      try {
        const runId = basename(runLocation.dir);
        if (plan.keep[i]) {
          kept.add(runId);
          states[i] = previous!.runs.get(runId)!;
          return null;
        }
        const run = await this.buildRun(exp, runLocation.experimentDir, runLocation.dir);
        if (run) {
          const parent = run.row.tags[PARENT_RUN_TAG];
          states[i] = { experimentId: id, dir: runLocation.dir, shard: -1, stamp: run.defaultArtifacts && datasets ? plan.stamps[i]! : null, runName: run.info.runName, parent: typeof parent === 'string' ? parent : null };
        }
        return run;
      } catch (err) {
        if (!isMltrackError(err)) throw err;
        this.warn(`skipped ${this.src.tree.describe(runLocation.dir)}: ${err.message}`);
        return null;
      } finally {
        tick();
      }
    });
    const runs = built.filter((r): r is BuiltRun => r !== null);
    for (const run of runs) this.runsById.set(run.info.runId, run);
    for (const st of states) if (st) this.state.runs.set(basename(st.dir), st);

    // Shards: a changed run stays in its shard, a new one goes to the last shard until it is full.
    // A full build orders runs by start time, so the last shard holds the newest.
    const sizes = new Array<number>(oldShards).fill(0);
    for (const runId of kept) sizes[this.state.runs.get(runId)!.shard]!++;
    const dirty = new Set<number>();
    const newcomers: BuiltRun[] = [];
    for (const run of runs) {
      const old = previous?.runs.get(run.info.runId);
      if (old && old.experimentId === id && old.shard < oldShards) {
        this.state.runs.get(run.info.runId)!.shard = old.shard;
        sizes[old.shard]!++;
        dirty.add(old.shard);
      } else newcomers.push(run);
    }
    if (previous) {
      for (const [runId, old] of previous.runs) {
        if (old.experimentId === id && old.shard < oldShards && this.state.runs.get(runId)?.experimentId !== id) dirty.add(old.shard);
      }
    }
    newcomers.sort((a, b) => byStart(a.row, b.row));
    for (const run of newcomers) {
      if (sizes.length === 0 || sizes[sizes.length - 1]! >= shardSize) sizes.push(0);
      const shard = sizes.length - 1;
      sizes[shard]!++;
      dirty.add(shard);
      this.state.runs.get(run.info.runId)!.shard = shard;
    }
    if (sizes.length === 0) {
      sizes.push(0);
      dirty.add(0);
    }

    const fresh = new Map<number, IndexRow[]>();
    for (const run of runs) {
      const shard = this.state.runs.get(run.info.runId)!.shard;
      let list = fresh.get(shard);
      if (!list) fresh.set(shard, (list = []));
      list.push(run.row);
    }
    const summaries: ShardSummary[] = [];
    for (let shard = 0; shard < sizes.length; shard++) {
      // After an interrupted build any shard may hold rows it wrote: all are rewritten.
      if (!dirty.has(shard) && !this.interrupted) {
        summaries.push(before!.shards[shard]!);
        continue;
      }
      const rows = [...(shard < oldShards ? this.keptRows(id, shard, kept) : []), ...(fresh.get(shard) ?? [])].sort(byStart);
      await this.out.json(sitePaths.runsShard(id, shard), rowsToIndex(id, shard, rows));
      faultPoint('site:shard');
      summaries.push(summarise(rows));
    }
    // Shards beyond the count (an experiment rebuilt whole into fewer) go.
    for (let shard = summaries.length; shard < (before?.shards.length ?? 0); shard++) await this.out.remove(sitePaths.runsShard(id, shard));
    if (this.interrupted) {
      // ... and shards an interrupted build added beyond the count.
      const dir = join(this.options.out, dirname(sitePaths.runsShard(id, 0)));
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        const k = /^runs-(\d+)\.json$/.exec(name);
        if (k && Number(k[1]) >= summaries.length) await this.out.remove(`${dirname(sitePaths.runsShard(id, 0))}/${name}`);
      }
    }
    this.state.experiments.set(id, { artifactLocation, shards: summaries, datasets });
    // Who is whose parent changes only with a run that is read again, added or removed (which
    // makes its shard dirty); the file is rewritten then.
    if (dirty.size > 0 || !previous || this.interrupted || !existsSync(join(this.options.out, sitePaths.families(id)))) {
      const members: { runId: string; runName: string | null; parent: string | null }[] = [];
      for (const [runId, r] of this.state.runs) if (r.experimentId === id) members.push({ runId, runName: r.runName, parent: r.parent });
      await this.out.json(sitePaths.families(id), runFamilies(id, members));
    }

    const union = (pick: (s: ShardSummary) => string[]) => [...new Set(summaries.flatMap(pick))].sort();
    const starts = summaries.map((s) => s.lastRunStart).filter((t): t is number => t !== null);
    return {
      experimentId: id,
      name: exp.name,
      artifactLocation,
      lifecycleStage: exp.lifecycleStage,
      creationTime: exp.creationTime,
      lastUpdateTime: exp.lastUpdateTime,
      tags: exp.tags,
      runCount: summaries.reduce((n, s) => n + s.count, 0),
      activeRunCount: summaries.reduce((n, s) => n + s.active, 0),
      shards: summaries.length,
      lastRunStart: starts.length ? Math.max(...starts) : null,
      metricKeys: union((s) => s.metricKeys),
      paramKeys: union((s) => s.paramKeys),
      tagKeys: union((s) => s.tagKeys),
    };
  }

  /** The rows of the previous site's shard that are kept as they were. */
  private keptRows(experimentId: string, shard: number, kept: ReadonlySet<string>): IndexRow[] {
    const path = join(this.options.out, sitePaths.runsShard(experimentId, shard));
    if (!existsSync(path)) return [];
    return indexToRows(JSON.parse(readFileSync(path, 'utf8')) as RunsIndex).filter((r) => kept.has(r.runId));
  }

  private async buildRun(exp: Experiment, experimentDir: string, runDir: string): Promise<BuiltRun | null> {
    const info = await this.reader.readRunInfo({ experimentDir, dir: runDir }, exp.experimentId);
    if (!info) return null;
    // Written beside the previous copy and swapped in whole: no stale artifact copy survives.
    const siteDir = dirname(sitePaths.run(info.runId));
    if (this.out.inPlace) await this.out.stageRun(siteDir);
    const params = await this.reader.valueFiles(joinPath(runDir, PARAMS_DIR), 'param');
    const tags = await this.reader.valueFiles(joinPath(runDir, TAGS_DIR), 'tag');
    if (!info.runName) info.runName = tags['mlflow.runName'] ?? null;

    // Metrics: the latest value for the index, the file text itself for the history file.
    const rowMetrics: IndexRow['metrics'] = {};
    const siteMetrics: Record<string, SiteMetric> = {};
    const histories: Record<string, string> = {};
    const metricsDir = joinPath(runDir, METRICS_DIR);
    for (const key of (await this.reader.keyFiles(metricsDir, 'metric')).sort()) {
      const path = joinPath(metricsDir, key);
      const text = (await this.reader.text(path)) ?? '';
      const { latest, points } = scanMetric(key, text, this.src.tree.describe(path));
      rowMetrics[key] = { value: metricValueToJson(latest.value), step: stepToJson(latest.step) };
      siteMetrics[key] = { ...rowMetrics[key]!, timestamp: latest.timestamp, points };
      histories[key] = text;
    }

    const inputs = await this.reader.datasetInputs(experimentDir, runDir);
    const siteInputs: SiteDatasetInput[] = inputs.map((i) => ({ ...i.dataset, tags: i.tags }));
    const datasets = inputs.map((i): [string, string, string | null] => [i.dataset.name, i.dataset.digest, i.tags[DATASET_CONTEXT_TAG] ?? null]);

    const artifactTree = this.artifactTreeOf(info, runDir);
    let artifacts: SiteRun['artifacts'];
    let artifactFiles: ArtifactEntry[] = [];
    if ('unavailable' in artifactTree) artifacts = { unavailable: artifactTree.unavailable };
    else {
      const listed = await this.copyArtifacts(info.runId, artifactTree.tree, artifactTree.root);
      artifactFiles = listed.files;
      artifacts = listed;
    }

    const publicInfo = { ...info, artifactUri: this.src.publicUri(info.artifactUri) };
    delete (publicInfo as { deletedTime?: unknown }).deletedTime;
    const run: SiteRun = { format: SITE_FORMAT, info: publicInfo, params, tags, metrics: siteMetrics, inputs: siteInputs, artifacts };
    await this.out.json(sitePaths.run(info.runId), run);
    if (Object.keys(histories).length > 0) {
      const file: SiteMetricHistories = { format: SITE_FORMAT, runId: info.runId, metrics: histories };
      await this.out.json(sitePaths.metrics(info.runId), file);
    }
    faultPoint('site:run-written');
    await this.out.swapInRun(siteDir);
    const defaultRoot = exp.artifactLocation.replace(/\/+$/, '');
    const row: IndexRow = {
      runId: info.runId, runName: info.runName, status: info.status, lifecycleStage: info.lifecycleStage, userId: info.userId,
      startTime: info.startTime, endTime: info.endTime,
      artifactUri: info.artifactUri === `${defaultRoot}/${info.runId}/${ARTIFACTS_DIR}` ? null : this.src.publicUri(info.artifactUri),
      metrics: rowMetrics, params, tags, datasets,
    };
    const defaultArtifacts = !('unavailable' in artifactTree) && artifactTree.tree === this.src.tree;
    return { info, dir: runDir, row, defaultArtifacts, artifactTree: 'unavailable' in artifactTree ? null : artifactTree, artifactFiles };
  }

  /** A run's artifact root: inside the mlruns tree for the default location, else where its `file:` URI points. */
  private artifactTreeOf(info: RunInfo, runDir: string): { tree: TreeReader; root: string } | { unavailable: string } {
    const uri = info.artifactUri.replace(/\/+$/, '');
    const defaultSuffix = `/${info.experimentId}/${info.runId}/${ARTIFACTS_DIR}`;
    if (uri === '' || uri.endsWith(defaultSuffix)) return { tree: this.src.tree, root: joinPath(runDir, ARTIFACTS_DIR) };
    const external = this.src.externalArtifacts?.(info.artifactUri) ?? null;
    if (external) return { tree: external, root: '' };
    return { unavailable: `Artifacts are stored at ${this.src.publicUri(info.artifactUri)}, outside the mlruns tree` };
  }

  private async copyArtifacts(runId: string, tree: TreeReader, root: string): Promise<{ files: ArtifactEntry[]; truncated: boolean }> {
    const { entries, truncated } = await listTree(tree, root, MAX_ARTIFACT_ENTRIES);
    const files: ArtifactEntry[] = [];
    for (const entry of entries) {
      if (entry.isDir) {
        files.push({ path: entry.path, isDir: true, size: null, href: null });
        continue;
      }
      const abs = joinPath(root, entry.path);
      const size = await tree.size(abs);
      const out: ArtifactEntry = { path: entry.path, isDir: false, size, href: null };
      if (size !== null && size <= this.limit) {
        const bytes = await tree.read(abs);
        if (bytes && bytes.length < 200 && Buffer.from(bytes).toString('latin1').startsWith(LFS_POINTER)) {
          out.lfs = true;
          const size = /\nsize (\d+)/.exec(Buffer.from(bytes).toString('latin1'));
          if (size) out.size = Number(size[1]);
        } else if (bytes) {
          const stored = `${sitePaths.artifacts(runId)}/${storedArtifactName(entry.path, bytes)}`;
          await this.out.write(stored, bytes);
          out.href = encodePath(stored);
        }
      }
      files.push(out);
    }
    return { files, truncated };
  }

  // ------------------------------------------------------------------ registry

  private async buildRegistry(): Promise<SiteRegistry> {
    const registry = new RegistryReader(this.src.tree);
    const models: SiteRegisteredModel[] = [];
    let listed: Awaited<ReturnType<RegistryReader['listRegisteredModels']>>;
    try {
      listed = await registry.listRegisteredModels();
    } catch (err) {
      if (!isMltrackError(err)) throw err;
      this.warn(`registry skipped: ${err.message}`);
      listed = [];
    }
    const commits = this.options.log?.commits ?? [];
    for (const model of listed) {
      const versions: SiteModelVersion[] = [];
      for (const mv of await registry.listModelVersions(model.name)) {
        if (mv.currentStage === STAGE_DELETED_INTERNAL) continue;
        versions.push(await this.siteVersion(mv));
      }
      const quoted = JSON.stringify(model.name);
      models.push({
        name: model.name,
        description: model.description,
        creationTimestamp: model.creationTimestamp,
        lastUpdatedTimestamp: model.lastUpdatedTimestamp,
        tags: model.tags,
        aliases: model.aliases,
        latestVersions: model.latestVersions.map((v) => ({ version: v.version, stage: v.currentStage ?? 'None' })),
        versions,
        commits: commits.filter((c) => c.trailers.some((t) => t.key === 'Mltrack-Model' && (t.value === model.name || t.value === quoted))),
        events: this.modelEvents(model.name, versions),
      });
    }
    const file: SiteRegistry = { format: SITE_FORMAT, models };
    await this.out.json(sitePaths.registry, file);
    return file;
  }

  /**
   * The model's stage history, oldest first. A registration is dated by its version's creation
   * time (its tag only has the tagger's second), a stage change by the time it was made.
   */
  private modelEvents(name: string, versions: SiteModelVersion[]): SiteRegistryEvent[] {
    const created = new Map(versions.map((v) => [v.version, v.creationTimestamp]));
    return (this.options.events ?? [])
      .filter((e) => e.model === name)
      .map(({ model: _model, ...event }) => (event.kind === 'registered' && created.has(event.version) ? { ...event, time: created.get(event.version)! } : event))
      .sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'registered' ? -1 : 1));
  }

  private async siteVersion(mv: ModelVersion): Promise<SiteModelVersion> {
    const run = mv.runId ? this.registryRun(mv.runId) : null;
    return {
      version: mv.version,
      currentStage: mv.currentStage,
      description: mv.description,
      source: mv.source === null ? null : this.src.publicUri(mv.source),
      runId: mv.runId,
      runLink: mv.runLink,
      status: mv.status,
      statusMessage: mv.statusMessage,
      userId: mv.userId,
      storageLocation: mv.storageLocation === null ? null : this.src.publicUri(mv.storageLocation),
      creationTimestamp: mv.creationTimestamp,
      lastUpdatedTimestamp: mv.lastUpdatedTimestamp,
      tags: mv.tags,
      aliases: mv.aliases,
      modelSizeBytes: run ? await this.modelSize(run, mv) : null,
      run: run
        ? { experimentId: run.info.experimentId, runName: run.info.runName, status: run.info.status, startTime: run.info.startTime, endTime: run.info.endTime }
        : null,
    };
  }

  /** `model_size_bytes` of the version's MLmodel, else the sum of the artifact sizes under its path. */
  /** A version's source run: built now, or kept from the previous site (its run.json read back). */
  private registryRun(runId: string): RegistryRun | null {
    const built = this.runsById.get(runId);
    if (built) return built;
    const kept = this.state.runs.get(runId);
    const path = join(this.options.out, sitePaths.run(runId));
    if (!kept || !existsSync(path)) return null;
    const run = JSON.parse(readFileSync(path, 'utf8')) as SiteRun;
    // Kept runs have their artifacts in the run directory (others are always rebuilt).
    const files = 'files' in run.artifacts ? run.artifacts.files : [];
    return { info: run.info, artifactTree: { tree: this.src.tree, root: joinPath(kept.dir, ARTIFACTS_DIR) }, artifactFiles: files };
  }

  private async modelSize(run: RegistryRun, mv: ModelVersion): Promise<number | null> {
    const source = mv.source ?? '';
    const match = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
    if (!match || !run.artifactTree) return null;
    const path = match[2]!.replace(/\/+$/, '');
    const mlmodel = await run.artifactTree.tree.read(joinPath(run.artifactTree.root, path, 'MLmodel'));
    if (mlmodel) {
      try {
        const doc = parseYaml(decodeUtf8(mlmodel, 'MLmodel'), 'MLmodel');
        const size = doc.kind === 'map' ? doc.entries.get('model_size_bytes') : undefined;
        if (size && size.kind === 'scalar' && /^\d+$/.test(size.text)) return Number(size.text);
      } catch {
        // an unreadable MLmodel: fall back to the file sizes
      }
    }
    const prefix = path ? `${path}/` : '';
    const files = run.artifactFiles.filter((f) => !f.isDir && (prefix === '' || f.path.startsWith(prefix)));
    return files.length ? files.reduce((n, f) => n + (f.size ?? 0), 0) : null;
  }
}

/** The tracking log as the site stores it. */
export function siteLog(branch: string, commits: SiteCommit[]): SiteLog {
  return { format: SITE_FORMAT, branch, commits: commits.slice(0, MAX_LOG_COMMITS), truncated: commits.length > MAX_LOG_COMMITS };
}
