/**
 * The static site's data files (spec/site.md), defined once: their shapes and where they live.
 * Shared by the builder (src/site, Node) and the app (ui/, browser): it lives in the format layer, imports nothing
 * and uses no Node API: the UI's type check (ui/tsconfig.json, no Node types) compiles it too.
 */

/** Written into every data file; a reader refuses a format it does not know. */
export const SITE_FORMAT = 'mltrack-site/2';

/** Runs per shard of an experiment's runs index: small enough that the first one paints at once. */
export const RUNS_PER_SHARD = 1000;

/** Folder of the data files inside the site. */
export const DATA_DIR = 'data';

/** Paths of the data files, relative to the site root (POSIX, URL-safe: ids are hex or digits). */
export const sitePaths = {
  manifest: `${DATA_DIR}/site.json`,
  registry: `${DATA_DIR}/registry.json`,
  log: `${DATA_DIR}/log.json`,
  /** Shard `shard` (0-based, of `SiteExperiment.shards`) of an experiment's runs index. */
  runsShard: (experimentId: string, shard: number) => `${DATA_DIR}/experiments/${experimentId}/runs-${shard}.json`,
  /** Parent and child runs of an experiment (tag `mlflow.parentRunId`), so a run page needs no shard. */
  families: (experimentId: string) => `${DATA_DIR}/experiments/${experimentId}/families.json`,
  run: (runId: string) => `${DATA_DIR}/runs/${runId}/run.json`,
  metrics: (runId: string) => `${DATA_DIR}/runs/${runId}/metrics.json`,
  /** Folder of a run's copied artifacts; each file keeps its artifact path below it (see `ArtifactEntry.href`). */
  artifacts: (runId: string) => `${DATA_DIR}/runs/${runId}/artifacts`,
} as const;

/** A metric value as JSON: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (as MLflow's REST API writes them). */
export type JsonMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';
/** A step as JSON: a number, or a decimal string when beyond 2^53 (MLflow steps are int64). */
export type JsonStep = number | string;

export interface SiteSource {
  /** `worktree`: an mlruns directory on disk; `revision`: a commit of the tracking branch read from git objects. */
  kind: 'worktree' | 'revision';
  /** The revision as given (`mltrack`, `mltrack~3`, a commit id); revision builds only. */
  rev?: string;
  /** The commit it resolved to; revision builds only. */
  commit?: string;
}

export interface SiteExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  /** Milliseconds since the epoch, or null. */
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
  /** Runs in its index, deleted ones included. */
  runCount: number;
  /**
   * Shard files of its runs index (`runs-0.json` … `runs-<shards-1>.json`). A full build orders runs
   * by start time, so the last shard holds the newest runs; an incremental build adds new runs to the
   * last shard. The app loads the last shard first.
   */
  shards: number;
  activeRunCount: number;
  /** Latest run start time, ms; null without runs. */
  lastRunStart: number | null;
  /** Keys that occur in any of its runs, sorted. */
  metricKeys: string[];
  paramKeys: string[];
  tagKeys: string[];
}

/** `data/site.json`: what the site holds. Loaded first; everything else on demand. */
export interface SiteManifest {
  format: typeof SITE_FORMAT;
  /** `mltrack <version>`. */
  generator: string;
  /** When the data was built, ms since the epoch. */
  builtAt: number;
  source: SiteSource;
  experiments: SiteExperiment[];
  registry: { models: number; versions: number };
  /** The tracking branch history in `log.json`, or null when the tree is not in a git repository with one. */
  log: { branch: string; commits: number; truncated: boolean } | null;
  /** Artifacts up to this size were copied into the site; larger ones are listed only. */
  artifactLimitBytes: number;
  /** True when served by `mltrack ui`: the app polls the manifest and reloads when `builtAt` changes. */
  live: boolean;
}

/**
 * `data/experiments/<id>/runs-<shard>.json`: up to `RUNS_PER_SHARD` runs of an experiment as columns
 * (one array per field, all `count` long, index i is run i). Compact, and cheap to turn into MLflow
 * `Run` objects so the browser evaluates filters and order_by with the CLI's own code.
 */
/**
 * `experiments/<id>/families.json`: `parent` maps each run with the tag `mlflow.parentRunId` to that
 * value; `name` holds the run name of every run of the experiment that is a child or a parent named
 * by one (a parent id missing from `name` is not in the experiment).
 */
export interface SiteRunFamilies {
  format: typeof SITE_FORMAT;
  experimentId: string;
  parent: Record<string, string>;
  name: Record<string, string | null>;
}

/** The tag that names a run's parent run. */
export const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** The families file of an experiment's runs, from each run's id, name and parent tag. */
export function runFamilies(experimentId: string, runs: Iterable<{ runId: string; runName: string | null; parent: string | null }>): SiteRunFamilies {
  const all = new Map<string, string | null>();
  const parent: Record<string, string> = {};
  for (const r of runs) {
    all.set(r.runId, r.runName);
    if (r.parent !== null) parent[r.runId] = r.parent;
  }
  const name: Record<string, string | null> = {};
  for (const [child, p] of Object.entries(parent)) {
    name[child] = all.get(child) ?? null;
    if (all.has(p)) name[p] = all.get(p) ?? null;
  }
  return { format: SITE_FORMAT, experimentId, parent, name };
}

export interface RunsIndex {
  format: typeof SITE_FORMAT;
  experimentId: string;
  shard: number;
  count: number;
  runId: string[];
  runName: (string | null)[];
  status: string[];
  lifecycleStage: string[];
  userId: string[];
  startTime: number[];
  endTime: (number | null)[];
  /** null when it is the default `<experiment artifactLocation>/<runId>/artifacts`. */
  artifactUri: (string | null)[];
  /** Latest value and step per metric key; null where a run lacks the metric. */
  metrics: Record<string, { value: (JsonMetricValue | null)[]; step: (JsonStep | null)[] }>;
  params: Record<string, (string | null)[]>;
  tags: Record<string, (string | null)[]>;
  /** Dataset inputs per run as `[name, digest, context]` triples (context: the `mlflow.data.context` input tag, or null). */
  datasets: [string, string, string | null][][];
}

/** One run of a runs index: a row of its columns. */
export interface IndexRow {
  runId: string;
  runName: string | null;
  status: string;
  lifecycleStage: string;
  userId: string;
  startTime: number;
  endTime: number | null;
  artifactUri: string | null;
  metrics: Record<string, { value: JsonMetricValue; step: JsonStep }>;
  params: Record<string, string>;
  tags: Record<string, string>;
  datasets: [string, string, string | null][];
}

/** Rows as one shard's columns. */
export function rowsToIndex(experimentId: string, shard: number, rows: readonly IndexRow[]): RunsIndex {
  const n = rows.length;
  const index: RunsIndex = {
    format: SITE_FORMAT, experimentId, shard, count: n,
    runId: [], runName: [], status: [], lifecycleStage: [], userId: [], startTime: [], endTime: [], artifactUri: [],
    metrics: {}, params: {}, tags: {}, datasets: [],
  };
  const column = <T>(): (T | null)[] => new Array<T | null>(n).fill(null);
  rows.forEach((row, i) => {
    index.runId.push(row.runId);
    index.runName.push(row.runName);
    index.status.push(row.status);
    index.lifecycleStage.push(row.lifecycleStage);
    index.userId.push(row.userId);
    index.startTime.push(row.startTime);
    index.endTime.push(row.endTime);
    index.artifactUri.push(row.artifactUri);
    index.datasets.push(row.datasets);
    for (const [key, m] of Object.entries(row.metrics)) {
      const col = (index.metrics[key] ??= { value: column(), step: column() });
      col.value[i] = m.value;
      col.step[i] = m.step;
    }
    for (const [key, v] of Object.entries(row.params)) (index.params[key] ??= column())[i] = v;
    for (const [key, v] of Object.entries(row.tags)) (index.tags[key] ??= column())[i] = v;
  });
  return index;
}

/** A shard's columns back as rows (an incremental build keeps the unchanged ones). */
export function indexToRows(index: RunsIndex): IndexRow[] {
  const rows: IndexRow[] = [];
  for (let i = 0; i < index.count; i++) {
    const row: IndexRow = {
      runId: index.runId[i]!, runName: index.runName[i] ?? null, status: index.status[i]!, lifecycleStage: index.lifecycleStage[i]!,
      userId: index.userId[i]!, startTime: index.startTime[i]!, endTime: index.endTime[i] ?? null, artifactUri: index.artifactUri[i] ?? null,
      metrics: {}, params: {}, tags: {}, datasets: index.datasets[i] ?? [],
    };
    for (const [key, col] of Object.entries(index.metrics)) {
      const value = col.value[i];
      if (value !== null && value !== undefined) row.metrics[key] = { value, step: col.step[i] ?? 0 };
    }
    for (const [key, col] of Object.entries(index.params)) if (col[i] !== null && col[i] !== undefined) row.params[key] = col[i]!;
    for (const [key, col] of Object.entries(index.tags)) if (col[i] !== null && col[i] !== undefined) row.tags[key] = col[i]!;
    rows.push(row);
  }
  return rows;
}

export interface SiteMetric {
  value: JsonMetricValue;
  step: JsonStep;
  timestamp: number;
  /** Lines in the metric's history file. */
  points: number;
}

export interface SiteDatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags: Record<string, string>;
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
  /** Bytes; null for directories. */
  size: number | null;
  /**
   * Where the copy is, relative to the site root (URL-encoded per segment), or null when not copied
   * (too large, a directory, or a Git LFS pointer whose content is not here). Active content
   * (HTML, SVG, scripts) is stored with `.txt` appended, so opening it can never run a script.
   */
  href: string | null;
  /** A Git LFS pointer: the content is in LFS, not in the tree. */
  lfs?: boolean;
}

/** `data/runs/<runId>/run.json`: one run in full. */
export interface SiteRun {
  format: typeof SITE_FORMAT;
  info: {
    runId: string;
    runName: string | null;
    experimentId: string;
    userId: string;
    status: string;
    startTime: number;
    endTime: number | null;
    artifactUri: string;
    lifecycleStage: string;
  };
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, SiteMetric>;
  inputs: SiteDatasetInput[];
  /** The artifact tree, or a reason why it could not be read. */
  artifacts: { files: ArtifactEntry[]; truncated: boolean } | { unavailable: string };
}

/**
 * `data/runs/<runId>/metrics.json`: every metric history of a run, each as the exact text of its
 * mlruns metric file (`<timestamp> <value> <step>` lines), parsed in the browser with the same
 * parser as the CLI. Loaded only when a chart needs it.
 */
export interface SiteMetricHistories {
  format: typeof SITE_FORMAT;
  runId: string;
  metrics: Record<string, string>;
}

export interface SiteCommit {
  commit: string;
  author: string;
  email: string;
  /** ms since the epoch. */
  time: number;
  subject: string;
  trailers: { key: string; value: string }[];
}

/** `data/log.json`: the tracking branch's first-parent history, newest first. */
export interface SiteLog {
  format: typeof SITE_FORMAT;
  branch: string;
  commits: SiteCommit[];
  /** True when older commits were left out (see `MAX_LOG_COMMITS`). */
  truncated: boolean;
}

export const MAX_LOG_COMMITS = 5000;

/**
 * A registry event from the registry's annotated git tags (spec/git-layout.md): a version was
 * registered, or moved to a stage. The stage history the page shows: who, when, why.
 */
export interface SiteRegistryEvent {
  kind: 'registered' | 'stage';
  version: number;
  /** The stage entered (`None`, `Staging`, `Production`, `Archived`, `Deleted`); null for registrations. */
  stage: string | null;
  /** The git tag name. */
  tag: string;
  /** `Name <email>` of whoever made the tag. */
  tagger: string;
  /** When the change happened (the version's timestamp for stage events, else the tag date), ms. */
  time: number;
  /** Why, as given with `--reason`; null when not given. */
  reason: string | null;
  runId: string | null;
  /** The tracking-branch commit holding the change. */
  commit: string;
}

export interface SiteModelVersion {
  version: number;
  currentStage: string | null;
  description: string | null;
  source: string | null;
  runId: string | null;
  runLink: string | null;
  status: string | null;
  statusMessage: string | null;
  userId: string | null;
  storageLocation: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
  aliases: string[];
  /** From the model's `MLmodel` (`model_size_bytes`), else the sum of its artifact sizes; null when unknown. */
  modelSizeBytes: number | null;
  /** The source run as the site knows it (null when the run is not in the site). */
  run: { experimentId: string; runName: string | null; status: string; startTime: number; endTime: number | null } | null;
}

export interface SiteRegisteredModel {
  name: string;
  description: string | null;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  /** Highest version per stage (MLflow's `latest_versions`). */
  latestVersions: { version: number; stage: string }[];
  /** Visible versions (soft-deleted ones left out), by version. */
  versions: SiteModelVersion[];
  /** Tracking-branch commits that changed this model (`Mltrack-Model` trailer), newest first. */
  commits: SiteCommit[];
  /** Stage history from the registry's git tags, oldest first; empty when the source has no tags. */
  events: SiteRegistryEvent[];
}

/** `data/registry.json`. */
export interface SiteRegistry {
  format: typeof SITE_FORMAT;
  models: SiteRegisteredModel[];
}

/**
 * Artifact types copied under their own name: inert on every static host (images, plain text, JSON,
 * CSV). Anything else, HTML, SVG and every XML type included, is stored with `.txt` appended when it
 * is text and `.bin` when it is binary, so no host serves it as a document that could run script.
 */
export const INERT_ARTIFACT = /\.(png|jpe?g|gif|webp|bmp|ico|txt|log|csv|tsv|json|jsonl)$/i;

/** Text for storage purposes: no NUL byte and valid UTF-8 in the first 8 KiB. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return false;
  try {
    // Streaming: a character cut at the 8 KiB mark is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length < bytes.length });
    return true;
  } catch {
    return false;
  }
}

/** The stored name of an artifact copy (see `ArtifactEntry.href`). */
export function storedArtifactName(path: string, bytes: Uint8Array): string {
  if (INERT_ARTIFACT.test(path)) return path;
  return looksLikeText(bytes) ? `${path}.txt` : `${path}.bin`;
}

/**
 * What stands for the mlruns root in URIs the site publishes (the tracking branch's placeholder,
 * `ROOT_TOKEN` in src/git/artifactUris.ts; repeated here because this file imports nothing).
 */
export const SITE_ROOT_TOKEN = 'file:///.mltrack-root';

/**
 * A URI as the app shows it: under the mlruns root it reads as a path relative to the project
 * (`mlruns/1/<run>/artifacts`, where the CLI prints the reader's own absolute path), anything else
 * (s3://, another file: path) as it is.
 */
export function displayUri(uri: string, rootName = 'mlruns'): string {
  if (uri === SITE_ROOT_TOKEN) return rootName;
  if (uri.startsWith(`${SITE_ROOT_TOKEN}/`)) return `${rootName}/${uri.slice(SITE_ROOT_TOKEN.length + 1)}`;
  return uri;
}

/** A metric value from JSON. */
export function metricValueFromJson(v: JsonMetricValue): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

export function metricValueToJson(v: number): JsonMetricValue {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
}

export function stepFromJson(s: JsonStep): number | bigint {
  return typeof s === 'number' ? s : BigInt(s);
}

export function stepToJson(s: number | bigint): JsonStep {
  return typeof s === 'bigint' ? (Number.isSafeInteger(Number(s)) ? Number(s) : s.toString()) : s;
}
