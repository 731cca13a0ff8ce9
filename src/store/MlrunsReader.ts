/**
 * Reads an mlruns tree the way MLflow's FileStore does (spec sections 2 to 4), over any TreeReader,
 * so the working directory and any git revision give the same answer.
 */
import type { DatasetInput, Experiment, Metric, Run, RunInfo, ViewType } from '../format/entities.js';
import { fail, isMltrackError } from '../format/errors.js';
import { parseDatasetMeta, parseInputMeta } from '../format/datasetMeta.js';
import { parseExperimentMeta } from '../format/experimentMeta.js';
import {
  DATASETS_DIR, INPUTS_DIR, META_FILE, METRICS_DIR, MODELS_DIR, PARAMS_DIR, RESERVED_EXPERIMENT_SUBDIRS, TAGS_DIR, TRASH_DIR, joinPath,
} from '../format/layout.js';
import { latestMetricInText, parseMetricHistory } from '../format/metricFile.js';
import { parseRunMeta } from '../format/runMeta.js';
import { decodeUtf8 } from '../format/text.js';
import { isExperimentId, validateKey, type KeyKind } from '../format/validation.js';
import { warnSkipped, type ReadWarningSink } from './readWarnings.js';
import type { DirEntry, TreeReader } from './TreeReader.js';

/** An experiment and where its directory is: the root (active view) or `.trash` (deleted view). */
export interface ExperimentLocation {
  experiment: Experiment;
  /** Path of the experiment directory relative to the root. */
  dir: string;
  inTrash: boolean;
}

export interface RunLocation {
  experimentDir: string;
  /** Path of the run directory relative to the root. */
  dir: string;
}

/** The one-line rule an error breaks, for a warning. */
function ruleOf(err: unknown): string {
  if (isMltrackError(err)) return `${err.code}: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  return `${e.code ?? 'IO_ERROR'}: ${e.message}`;
}

export class MlrunsReader {
  /** `warn` receives what listings skip (default: the process's sink, readWarnings.ts). */
  constructor(
    readonly tree: TreeReader,
    private readonly warn: ReadWarningSink = warnSkipped,
  ) {}

  async text(path: string): Promise<string | null> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.tree.read(path);
    } catch (err) {
      if (isMltrackError(err)) throw err;
      // ELOOP, EACCES, ...: a stable code naming the file, so callers can skip it.
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw fail('IO_ERROR', `${this.tree.describe(path)}: cannot read (${code === 'ELOOP' ? 'symlink loop' : code})`, { path: this.tree.describe(path), errno: code });
    }
    return bytes === null ? null : decodeUtf8(bytes, this.tree.describe(path));
  }

  /** Entries of a directory that can be read; the others are reported and left out. */
  private async entries(dir: string): Promise<DirEntry[] | null> {
    const listed = await this.tree.list(dir);
    if (!listed) return null;
    return listed.filter((e) => {
      if (e.unreadable) this.warn({ path: this.tree.describe(joinPath(dir, e.name)), rule: e.unreadable });
      return !e.unreadable;
    });
  }

  /** Report a skipped entry. */
  skipped(path: string, rule: string): void {
    this.warn({ path: this.tree.describe(path), rule });
  }

  /** Every file under `folder` as a key (its relative POSIX path), validated like MLflow does on read. */
  async keyFiles(folder: string, kind: KeyKind): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const entries = await this.entries(joinPath(folder, rel));
      if (!entries) return;
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDir) await walk(key);
        else keys.push(key);
      }
    };
    await walk('');
    for (const key of keys) {
      try {
        validateKey(kind, key, { checkLength: false });
      } catch (err) {
        throw fail('MALFORMED_FILE', `${this.tree.describe(joinPath(folder, key))}: ${(err as Error).message}`, { path: joinPath(folder, key) });
      }
    }
    return keys;
  }

  async valueFiles(folder: string, kind: KeyKind): Promise<Record<string, string>> {
    // No prototype: a key named __proto__ is a valid MLflow key and must survive.
    const out: Record<string, string> = Object.create(null);
    for (const key of await this.keyFiles(folder, kind)) out[key] = (await this.text(joinPath(folder, key))) ?? '';
    return out;
  }

  // ------------------------------------------------------------ experiments

  private async readExperimentDir(dir: string, inTrash: boolean): Promise<ExperimentLocation | null> {
    const name = dir.slice(dir.lastIndexOf('/') + 1);
    if (!isExperimentId(name)) {
      throw fail('INVALID_ID', `Invalid experiment ID: '${name}' (directory ${this.tree.describe(dir)}); only experiment directories may sit in the mlruns root`, { path: dir });
    }
    const text = await this.text(joinPath(dir, META_FILE));
    if (text === null) {
      this.skipped(dir, `no ${META_FILE}: not an experiment`); // MLflow skips it with a warning
      return null;
    }
    const meta = parseExperimentMeta(text, this.tree.describe(joinPath(dir, META_FILE)));
    if (meta.experimentId !== name) return null; // MLflow ignores an experiment whose id is not its directory
    const tags = await this.valueFiles(joinPath(dir, TAGS_DIR), 'experiment tag');
    return { experiment: { ...meta, tags }, dir, inTrash };
  }

  /** Experiments by view type: the root holds the active view, `.trash` the deleted one. */
  async listExperiments(view: ViewType = 'ACTIVE_ONLY'): Promise<ExperimentLocation[]> {
    const out: ExperimentLocation[] = [];
    // A folder that is not an experiment, or one whose meta cannot be read, is skipped with a
    // warning (as MLflow does); the others are still listed.
    const tryRead = async (dir: string, inTrash: boolean) => {
      try {
        const found = await this.readExperimentDir(dir, inTrash);
        if (found) out.push(found);
      } catch (err) {
        this.skipped(dir, ruleOf(err));
      }
    };
    if (view !== 'DELETED_ONLY') {
      for (const entry of (await this.entries('')) ?? []) {
        if (!entry.isDir || entry.name.endsWith(TRASH_DIR) || entry.name === MODELS_DIR) continue;
        await tryRead(entry.name, false);
      }
    }
    if (view !== 'ACTIVE_ONLY') {
      for (const entry of (await this.entries(TRASH_DIR)) ?? []) {
        if (!entry.isDir) continue;
        await tryRead(joinPath(TRASH_DIR, entry.name), true);
      }
    }
    return out;
  }

  async findExperiment(experimentId: string): Promise<ExperimentLocation | null> {
    for (const dir of [experimentId, joinPath(TRASH_DIR, experimentId)]) {
      const entries = await this.tree.list(dir);
      if (entries === null) continue;
      const found = await this.readExperimentDir(dir, dir !== experimentId);
      if (found) return found;
    }
    return null;
  }

  // ------------------------------------------------------------ runs

  /** Names of an experiment's run directories (sub-directories that are not reserved names), in listing order. */
  async listRunNames(experimentDir: string): Promise<string[]> {
    const names: string[] = [];
    for (const e of (await this.entries(experimentDir)) ?? []) if (e.isDir && !RESERVED_EXPERIMENT_SUBDIRS.has(e.name)) names.push(e.name);
    return names;
  }

  /** Run directories of an experiment, in listing order. */
  async listRunDirs(experimentDir: string): Promise<RunLocation[]> {
    return (await this.listRunNames(experimentDir)).map((name) => ({ experimentDir, dir: joinPath(experimentDir, name) }));
  }

  /** The run's meta, or null when the directory is not a run MLflow would list. */
  async readRunInfo(location: RunLocation, experimentId: string): Promise<RunInfo | null> {
    const metaPath = joinPath(location.dir, META_FILE);
    const text = await this.text(metaPath);
    if (text === null) {
      this.skipped(location.dir, `no ${META_FILE}: not a run`); // a stray folder, or a run being created
      return null;
    }
    const where = this.tree.describe(metaPath);
    const { info } = parseRunMeta(text, where);
    if (info.experimentId !== experimentId) return null; // MLflow skips a run filed under another experiment
    // MLflow 3.x refuses such a run (INVALID_STATE); 2.x would read params and metrics from the
    // directory the meta names, i.e. another run's or none. Either way the run cannot be trusted.
    const dirName = location.dir.slice(location.dir.lastIndexOf('/') + 1);
    if (info.runId !== dirName) {
      throw fail('INVALID_STATE', `${where}: run_id '${info.runId}' differs from its directory name '${dirName}'; a run's meta.yaml must name its own directory`, { path: where, field: 'run_id' });
    }
    return info;
  }

  async metricHistory(runDir: string, key: string): Promise<Metric[]> {
    const path = joinPath(runDir, METRICS_DIR, key);
    const text = await this.text(path);
    if (text === null) return [];
    return parseMetricHistory(key, text, this.tree.describe(path));
  }

  async latestMetrics(runDir: string): Promise<Record<string, Metric>> {
    const out: Record<string, Metric> = Object.create(null);
    for (const key of await this.keyFiles(joinPath(runDir, METRICS_DIR), 'metric')) {
      const path = joinPath(runDir, METRICS_DIR, key);
      out[key] = latestMetricInText(key, (await this.text(path)) ?? '', this.tree.describe(path));
    }
    return out;
  }

  async datasetInputs(experimentDir: string, runDir: string): Promise<DatasetInput[]> {
    const inputs: DatasetInput[] = [];
    for (const entry of (await this.tree.list(joinPath(runDir, INPUTS_DIR))) ?? []) {
      if (!entry.isDir) continue;
      const metaPath = joinPath(runDir, INPUTS_DIR, entry.name, META_FILE);
      const text = await this.text(metaPath);
      if (text === null) continue;
      const edge = parseInputMeta(text, this.tree.describe(metaPath));
      if (edge.sourceType !== 'DATASET') continue;
      const datasetPath = joinPath(experimentDir, DATASETS_DIR, edge.sourceId, META_FILE);
      const datasetText = await this.text(datasetPath);
      if (datasetText === null) continue; // MLflow skips an input whose dataset is missing
      inputs.push({ dataset: parseDatasetMeta(datasetText, this.tree.describe(datasetPath)), tags: edge.tags });
    }
    return inputs;
  }

  /** A whole run, or null when the directory holds no run MLflow would list. */
  async readRun(location: RunLocation, experimentId: string): Promise<Run | null> {
    const info = await this.readRunInfo(location, experimentId);
    if (!info) return null;
    const [params, tags, metrics, inputs] = [
      await this.valueFiles(joinPath(location.dir, PARAMS_DIR), 'param'),
      await this.valueFiles(joinPath(location.dir, TAGS_DIR), 'tag'),
      await this.latestMetrics(location.dir),
      await this.datasetInputs(location.experimentDir, location.dir),
    ];
    if (!info.runName) info.runName = tags['mlflow.runName'] ?? null;
    return { info, data: { metrics, params, tags }, inputs };
  }

  /** The run's meta, or null when it is not one MLflow lists; a damaged meta is reported and skipped. */
  async readRunInfoOrSkip(location: RunLocation, experimentId: string): Promise<RunInfo | null> {
    try {
      return await this.readRunInfo(location, experimentId);
    } catch (err) {
      this.skipped(location.dir, ruleOf(err));
      return null;
    }
  }

  /** A run, or null when it is not one MLflow lists; a damaged run is reported and skipped. */
  async readRunOrSkip(location: RunLocation, experimentId: string): Promise<Run | null> {
    try {
      return await this.readRun(location, experimentId);
    } catch (err) {
      this.skipped(location.dir, ruleOf(err));
      return null;
    }
  }

  /** Every run of the given experiments (any lifecycle stage; the search filters by view). */
  async readRuns(experiments: ExperimentLocation[]): Promise<Run[]> {
    const runs: Run[] = [];
    for (const { experiment, dir } of experiments) {
      for (const location of await this.listRunDirs(dir)) {
        // One damaged run is skipped with a warning, never hides the others (verify fails on it).
        const run = await this.readRunOrSkip(location, experiment.experimentId);
        if (run) runs.push(run);
      }
    }
    return runs;
  }

  /**
   * Where a run lives: `<exp>/<run>` in the root or in `.trash`. Like git, a unique prefix of at
   * least MIN_ID_PREFIX characters names a run too (the full id is the directory's name); an
   * ambiguous one is AMBIGUOUS_ID with the candidates.
   */
  async findRun(runId: string): Promise<(RunLocation & { experimentId: string }) | null> {
    const roots: string[] = [];
    for (const entry of (await this.tree.list('')) ?? []) {
      if (entry.isDir && entry.name !== MODELS_DIR && !entry.name.endsWith(TRASH_DIR)) roots.push(entry.name);
    }
    for (const entry of (await this.tree.list(TRASH_DIR)) ?? []) if (entry.isDir) roots.push(joinPath(TRASH_DIR, entry.name));
    const at = (experimentDir: string, dir: string) => ({ experimentDir, dir, experimentId: experimentDir.slice(experimentDir.lastIndexOf('/') + 1) });
    for (const experimentDir of roots) {
      const dir = joinPath(experimentDir, runId);
      if ((await this.tree.read(joinPath(dir, META_FILE))) !== null) return at(experimentDir, dir);
    }
    if (runId.length < MIN_ID_PREFIX) return null;
    const matches = new Map<string, ReturnType<typeof at>>();
    for (const experimentDir of roots) {
      for (const entry of (await this.tree.list(experimentDir)) ?? []) {
        if (!entry.isDir || !entry.name.startsWith(runId) || matches.has(entry.name)) continue;
        const dir = joinPath(experimentDir, entry.name);
        if ((await this.tree.read(joinPath(dir, META_FILE))) !== null) matches.set(entry.name, at(experimentDir, dir));
      }
    }
    if (matches.size > 1) {
      const candidates = [...matches.keys()].sort();
      throw fail('AMBIGUOUS_ID', `Run id prefix '${runId}' is ambiguous: ${candidates.join(', ')}`, { prefix: runId, candidates });
    }
    return matches.values().next().value ?? null;
  }
}

/** The shortest run id prefix accepted (as git's shortest abbreviation). */
export const MIN_ID_PREFIX = 4;
