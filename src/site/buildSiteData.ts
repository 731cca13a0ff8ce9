/**
 * The site's data files (spec/site.md) from any mlruns tree: the working directory or a commit of
 * the tracking branch, both read through MlrunsReader and RegistryReader over a TreeReader. Writes
 * one columnar runs index per experiment, one detail and one history file per run, copies of small
 * artifacts, the registry and the tracking log.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Experiment, Metric, RunInfo } from '../format/entities.js';
import { isMltrackError } from '../format/errors.js';
import { ARTIFACTS_DIR, METRICS_DIR, PARAMS_DIR, TAGS_DIR, joinPath } from '../format/layout.js';
import { STAGE_DELETED_INTERNAL } from '../format/registryMeta.js';
import { decodeUtf8 } from '../format/text.js';
import { parseYaml } from '../format/yaml.js';
import { MlrunsReader, type ExperimentLocation, type RunLocation } from '../store/MlrunsReader.js';
import { RegistryReader, type ModelVersion } from '../store/RegistryReader.js';
import type { TreeReader } from '../store/TreeReader.js';
import {
  MAX_LOG_COMMITS, SITE_FORMAT, metricValueToJson, sitePaths, stepToJson, storedArtifactName,
  type ArtifactEntry, type RunsIndex, type SiteCommit, type SiteDatasetInput, type SiteExperiment, type SiteLog, type SiteManifest,
  type SiteMetric, type SiteMetricHistories, type SiteModelVersion, type SiteRegisteredModel, type SiteRegistry, type SiteRegistryEvent, type SiteRun, type SiteSource,
} from '../format/siteFormat.js';
import { scanMetricText as scanMetric } from '../format/metricFile.js';

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
  files: number;
  bytes: number;
  warnings: string[];
}

interface BuiltRun {
  info: RunInfo;
  metrics: Record<string, Metric>;
  params: Record<string, string>;
  tags: Record<string, string>;
  datasets: [string, string, string | null][];
  artifactTree: { tree: TreeReader; root: string } | null;
  artifactFiles: ArtifactEntry[];
}

class Writer {
  files = 0;
  bytes = 0;
  private readonly dirs = new Map<string, Promise<unknown>>();
  constructor(readonly root: string) {}

  async write(rel: string, data: string | Uint8Array): Promise<void> {
    const abs = join(this.root, rel);
    const dir = dirname(abs);
    let made = this.dirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.dirs.set(dir, made);
    }
    await made;
    await writeFile(abs, data);
    this.files++;
    this.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  }

  json(rel: string, value: unknown): Promise<void> {
    return this.write(rel, JSON.stringify(value));
  }
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

function sortedKeys<T>(record: Record<string, T>): string[] {
  return Object.keys(record).sort();
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

  constructor(
    private readonly src: SiteDataSource,
    private readonly options: SiteDataOptions,
  ) {
    this.reader = new MlrunsReader(src.tree, (w) => this.warn(`skipped ${w.path}: ${w.rule}`));
    this.out = new Writer(options.out);
    this.limit = options.artifactLimitBytes ?? DEFAULT_ARTIFACT_LIMIT;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  async build(): Promise<SiteDataResult> {
    const located = await this.reader.listExperiments('ALL');
    // Every run directory first, sorted by name, so a build does not depend on the file system's
    // listing order, and progress knows its total.
    const runDirs = new Map<ExperimentLocation, RunLocation[]>();
    for (const location of located) {
      runDirs.set(location, (await this.reader.listRunDirs(location.dir)).sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0)));
    }
    this.options.onStart?.([...runDirs.values()].reduce((n, l) => n + l.length, 0));
    const experiments: SiteExperiment[] = [];
    let done = 0;
    for (const location of located) {
      experiments.push(
        await this.buildExperiment(location, runDirs.get(location)!, () => {
          done++;
          this.options.onRun?.(done);
        }),
      );
    }
    experiments.sort((a, b) => (a.lifecycleStage === b.lifecycleStage ? Number(a.experimentId) - Number(b.experimentId) || (a.experimentId < b.experimentId ? -1 : 1) : a.lifecycleStage === 'active' ? -1 : 1));
    const registry = await this.buildRegistry();
    const log = this.options.log ?? null;
    if (log) await this.out.json(sitePaths.log, log);
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
    return { manifest, runs: done, files: this.out.files, bytes: this.out.bytes, warnings: this.warnings };
  }

  // ------------------------------------------------------------------ experiments and runs

  private async buildExperiment(location: ExperimentLocation, locations: RunLocation[], tick: () => void): Promise<SiteExperiment> {
    const exp = location.experiment;
    const built = await pool(locations, this.options.concurrency ?? 16, async (runLocation) => {
      try {
        return await this.buildRun(exp, runLocation.experimentDir, runLocation.dir);
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
    const index = this.runsIndex(exp, runs);
    await this.out.json(sitePaths.runsIndex(exp.experimentId), index);
    let lastRunStart: number | null = null;
    for (const r of runs) if (lastRunStart === null || r.info.startTime > lastRunStart) lastRunStart = r.info.startTime;
    return {
      experimentId: exp.experimentId,
      name: exp.name,
      artifactLocation: this.src.publicUri(exp.artifactLocation),
      lifecycleStage: exp.lifecycleStage,
      creationTime: exp.creationTime,
      lastUpdateTime: exp.lastUpdateTime,
      tags: exp.tags,
      runCount: runs.length,
      activeRunCount: runs.filter((r) => r.info.lifecycleStage === 'active').length,
      lastRunStart,
      metricKeys: sortedKeys(index.metrics),
      paramKeys: sortedKeys(index.params),
      tagKeys: sortedKeys(index.tags),
    };
  }

  private async buildRun(exp: Experiment, experimentDir: string, runDir: string): Promise<BuiltRun | null> {
    const info = await this.reader.readRunInfo({ experimentDir, dir: runDir }, exp.experimentId);
    if (!info) return null;
    const params = await this.reader.valueFiles(joinPath(runDir, PARAMS_DIR), 'param');
    const tags = await this.reader.valueFiles(joinPath(runDir, TAGS_DIR), 'tag');
    if (!info.runName) info.runName = tags['mlflow.runName'] ?? null;

    // Metrics: the latest value for the index, the file text itself for the history file.
    const metrics: Record<string, Metric> = {};
    const siteMetrics: Record<string, SiteMetric> = {};
    const histories: Record<string, string> = {};
    const metricsDir = joinPath(runDir, METRICS_DIR);
    for (const key of (await this.reader.keyFiles(metricsDir, 'metric')).sort()) {
      const path = joinPath(metricsDir, key);
      const text = (await this.reader.text(path)) ?? '';
      const { latest, points } = scanMetric(key, text, this.src.tree.describe(path));
      metrics[key] = latest;
      siteMetrics[key] = { value: metricValueToJson(latest.value), step: stepToJson(latest.step), timestamp: latest.timestamp, points };
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
    return { info, metrics, params, tags, datasets, artifactTree: 'unavailable' in artifactTree ? null : artifactTree, artifactFiles };
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

  private runsIndex(exp: Experiment, runs: BuiltRun[]): RunsIndex {
    const n = runs.length;
    const column = <T>(): (T | null)[] => new Array<T | null>(n).fill(null);
    const metrics: RunsIndex['metrics'] = {};
    const params: RunsIndex['params'] = {};
    const tags: RunsIndex['tags'] = {};
    const defaultRoot = exp.artifactLocation.replace(/\/+$/, '');
    const index: RunsIndex = {
      format: SITE_FORMAT,
      experimentId: exp.experimentId,
      count: n,
      runId: [], runName: [], status: [], lifecycleStage: [], userId: [], startTime: [], endTime: [], artifactUri: [],
      metrics, params, tags, datasets: [],
    };
    runs.forEach((run, i) => {
      const info = run.info;
      index.runId.push(info.runId);
      index.runName.push(info.runName);
      index.status.push(info.status);
      index.lifecycleStage.push(info.lifecycleStage);
      index.userId.push(info.userId);
      index.startTime.push(info.startTime);
      index.endTime.push(info.endTime);
      index.artifactUri.push(info.artifactUri === `${defaultRoot}/${info.runId}/${ARTIFACTS_DIR}` ? null : this.src.publicUri(info.artifactUri));
      index.datasets.push(run.datasets);
      for (const [key, m] of Object.entries(run.metrics)) {
        const col = (metrics[key] ??= { value: column(), step: column() });
        col.value[i] = metricValueToJson(m.value);
        col.step[i] = stepToJson(m.step);
      }
      for (const [key, v] of Object.entries(run.params)) (params[key] ??= column())[i] = v;
      for (const [key, v] of Object.entries(run.tags)) (tags[key] ??= column())[i] = v;
    });
    return index;
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
    const run = mv.runId ? this.runsById.get(mv.runId) : undefined;
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
  private async modelSize(run: BuiltRun, mv: ModelVersion): Promise<number | null> {
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
