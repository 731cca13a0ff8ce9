/**
 * mltrack's settings, loaded as a short pipeline with the precedence written as data:
 * flags > environment > `.mltrack.yml` (found from the working directory upward) > defaults.
 * spec/config.md documents every key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fail } from '../format/errors.js';
import { fileUriToPath } from '../format/fileUri.js';
import { parseSettingsText } from '../format/settingsText.js';
import { parseGates, type Gates } from '../registry/gates.js';

export const CONFIG_FILE = '.mltrack.yml';

export interface Config {
  /** Absolute path of the mlruns tree. */
  mlruns: string;
  /** Experiment new runs go to when none is named (by name). */
  experiment: string | null;
  /** Experiment id from MLFLOW_EXPERIMENT_ID; wins over `experiment`. */
  experimentId: string | null;
  /** Git branch that holds the tracking history. */
  branch: string;
  /** Remote that push and pull use. */
  remote: string;
  /** Commit to the tracking branch whenever a run ends. */
  autoCommit: boolean;
  /** Artifacts above this many bytes go through Git LFS. */
  largeArtifactBytes: number;
  /** Promotion gates: canonical stage -> rules in MLflow's run filter grammar (src/registry/gates.ts). */
  gates: Gates;
  /** `registry.strict_gates`: `models transition` refuses a stage whose gates the version fails (default: it warns). */
  strictGates: boolean;
  /** What a source snapshot of a dirty work tree takes besides tracked files' changes. */
  sourceSnapshot: { untracked: boolean; deny: string[] };
  /** Record the (redacted) command line of `mltrack run` in the `mltrack.source.command` tag. */
  recordCommandLine: boolean;
  /** The `.mltrack.yml` that was read, if any. */
  configFile: string | null;
}

/** A partial config from one source; relative paths are resolved against `base`. */
export interface ConfigLayer {
  mlruns?: string;
  experiment?: string;
  experimentId?: string;
  branch?: string;
  remote?: string;
  autoCommit?: boolean;
  largeArtifactBytes?: number;
  gates?: Gates;
  strictGates?: boolean;
  sourceSnapshot?: { untracked: boolean; deny: string[] };
  recordCommandLine?: boolean;
}

export const DEFAULTS: Omit<Config, 'mlruns' | 'configFile'> & { mlruns: string } = {
  mlruns: 'mlruns',
  experiment: null,
  experimentId: null,
  branch: 'mltrack',
  remote: 'origin',
  autoCommit: false,
  largeArtifactBytes: 50 * 1024 * 1024,
  gates: {},
  strictGates: false,
  sourceSnapshot: { untracked: false, deny: [] },
  recordCommandLine: false,
};

/** The nearest `.mltrack.yml` from `cwd` upward, or null. */
export function findConfigFile(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export function parseSize(value: unknown, where: string): number {
  if (typeof value === 'number' && value >= 0) return value;
  const match = typeof value === 'string' ? SIZE.exec(value.trim()) : null;
  if (!match) throw fail('CONFIG_ERROR', `${where}: '${String(value)}' is not a size (e.g. 50MB, 1GiB, 1000000)`);
  return Math.round(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!);
}

function parseBool(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(0|false|no|off)$/i.test(value)) return false;
  throw fail('CONFIG_ERROR', `${where}: '${String(value)}' is not true or false`);
}

/**
 * A tracking URI as a local path: a plain path or a `file:` URI in any spelling MLflow accepts
 * (src/format/fileUri.ts). Servers and databases are refused with what to use instead.
 */
export function trackingUriToPath(uri: string, base: string, where: string): string {
  const path = fileUriToPath(uri);
  if (path === null) throw fail('CONFIG_ERROR', `${where}: tracking URI '${uri}' is not supported: ${unsupportedReason(uri)}`);
  return isAbsolute(path) ? path : resolve(base, path);
}

function parseSourceSnapshot(value: unknown, where: string): { untracked: boolean; deny: string[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('CONFIG_ERROR', `${where}: expected a mapping (untracked, deny)`);
  const out = { untracked: false, deny: [] as string[] };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'untracked') out.untracked = parseBool(v, `${where}.untracked`);
    else if (key === 'deny') {
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && p.trim())) throw fail('CONFIG_ERROR', `${where}.deny: expected a list of file name patterns`);
      out.deny = list.map((p: string) => p.trim());
    } else throw fail('CONFIG_ERROR', `${where}: unknown setting '${key}' (known: untracked, deny)`);
  }
  return out;
}

function unsupportedReason(uri: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)![1]!.toLowerCase();
  const local = "mltrack tracks into a local mlruns directory: use a path or a file: URI (e.g. file:./mlruns, file:///abs/mlruns)";
  if (scheme === 'file') return `a file: URI on another host is not supported; ${local}`;
  if (scheme === 'http' || scheme === 'https') return `an http(s) URI names a tracking server, which MLflow clients talk to (mltrack server serves one); mltrack itself reads the tree: ${local}`;
  if (/^(sqlite|postgresql|mysql|mssql)(\+|$)/.test(scheme)) return `mltrack has no database store (${scheme}: is MLflow's SQLAlchemy store); ${local}`;
  if (scheme === 'databricks' || scheme === 'databricks-uc' || scheme === 'uc') return `Databricks is not supported; ${local}`;
  return `the ${scheme}: scheme is not supported; ${local}`;
}

const FILE_KEYS: Record<string, (layer: ConfigLayer, value: unknown, base: string, where: string) => void> = {
  mlruns: (l, v, base, w) => (l.mlruns = trackingUriToPath(String(v), base, w)),
  tracking_uri: (l, v, base, w) => (l.mlruns = trackingUriToPath(String(v), base, w)),
  experiment: (l, v) => (l.experiment = String(v)),
  branch: (l, v) => (l.branch = String(v)),
  remote: (l, v) => (l.remote = String(v)),
  auto_commit: (l, v, _b, w) => (l.autoCommit = parseBool(v, w)),
  large_artifact_threshold: (l, v, _b, w) => (l.largeArtifactBytes = parseSize(v, w)),
  gates: (l, v, _b, w) => (l.gates = parseGates(v, w)),
  registry: (l, v, _b, w) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail('CONFIG_ERROR', `${w}: expected a mapping (strict_gates)`);
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      if (key === 'strict_gates') l.strictGates = parseBool(value, `${w}.${key}`);
      else throw fail('CONFIG_ERROR', `${w}: unknown setting '${key}' (known: strict_gates)`);
    }
  },
  source_snapshot: (l, v, _b, w) => (l.sourceSnapshot = parseSourceSnapshot(v, w)),
  record_command_line: (l, v, _b, w) => (l.recordCommandLine = parseBool(v, w)),
};

/** Keys other issues own (site settings) are accepted and left to their readers. */
const KNOWN_SECTIONS = new Set(['site', 'github', 'server']);

export function readConfigFile(path: string): ConfigLayer {
  return parseConfigText(readFileSync(path, 'utf8'), path, dirname(path));
}

/**
 * The settings of a `.mltrack.yml` given as text; `where` names it in messages (a path, or
 * `rev:.mltrack.yml` for a copy read from git), `base` resolves its relative paths.
 */
export function parseConfigText(text: string, where: string, base: string): ConfigLayer {
  const layer: ConfigLayer = {};
  for (const [key, value] of Object.entries(parseSettingsText(text, where))) {
    const apply = FILE_KEYS[key];
    if (apply) apply(layer, value, base, `${where}: ${key}`);
    else if (!KNOWN_SECTIONS.has(key)) throw fail('CONFIG_ERROR', `${where}: unknown setting '${key}' (known: ${[...Object.keys(FILE_KEYS), ...KNOWN_SECTIONS].join(', ')})`);
  }
  return layer;
}

export function readEnvironment(env: NodeJS.ProcessEnv, cwd: string): ConfigLayer {
  const layer: ConfigLayer = {};
  // An http(s) tracking URI names an MLflow server (say, `mltrack run`'s own) for MLflow clients; the tree is elsewhere.
  const trackingUri = env.MLFLOW_TRACKING_URI && /^https?:/i.test(env.MLFLOW_TRACKING_URI) ? undefined : env.MLFLOW_TRACKING_URI;
  const uri = env.MLTRACK_MLRUNS || trackingUri;
  if (uri) layer.mlruns = trackingUriToPath(uri, cwd, env.MLTRACK_MLRUNS ? 'MLTRACK_MLRUNS' : 'MLFLOW_TRACKING_URI');
  const experiment = env.MLTRACK_EXPERIMENT || env.MLFLOW_EXPERIMENT_NAME;
  if (experiment) layer.experiment = experiment;
  if (env.MLFLOW_EXPERIMENT_ID) layer.experimentId = env.MLFLOW_EXPERIMENT_ID;
  if (env.MLTRACK_BRANCH) layer.branch = env.MLTRACK_BRANCH;
  if (env.MLTRACK_REMOTE) layer.remote = env.MLTRACK_REMOTE;
  if (env.MLTRACK_AUTO_COMMIT) layer.autoCommit = parseBool(env.MLTRACK_AUTO_COMMIT, 'MLTRACK_AUTO_COMMIT');
  return layer;
}

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings from command-line flags; relative paths are taken from `cwd`. */
  flags?: ConfigLayer;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  // 1. defaults; 2. the config file; 3. the environment; 4. flags. Later layers win.
  const configFile = findConfigFile(cwd);
  const fileLayer = configFile ? readConfigFile(configFile) : {};
  const flags = { ...(options.flags ?? {}) };
  if (flags.mlruns) flags.mlruns = trackingUriToPath(flags.mlruns, cwd, '--mlruns');
  const layers: ConfigLayer[] = [fileLayer, readEnvironment(env, cwd), flags];
  const merged: Config = { ...DEFAULTS, mlruns: resolve(configFile ? dirname(configFile) : cwd, DEFAULTS.mlruns), configFile };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}
