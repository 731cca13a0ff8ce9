/**
 * MLflow's validation rules (spec section 6): key characters and path sanity, lengths, names, ids.
 * Every check throws a one-line MltrackError with a stable code; nothing is written before it passes.
 */
import { fail } from './errors.js';

/** Python's `^[/\w.\- :]*$` with Unicode `\w` (letters and numbers of any script, and `_`). */
const KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,63}$/u;
const RUN_ID = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,255}$/u;
const ALIAS = /^[\p{L}\p{N}_-]*$/u;

export const LIMITS = {
  keyLength: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentTagValue: 5000,
  experimentName: 500,
  registryTagValue: 100_000,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  aliasLength: 255,
  maxSearchResults: 50_000,
} as const;

/**
 * The first `/`-separated component of `path` that git hosts refuse as a tree entry (`.git` in any
 * case, with the trailing dots and spaces Windows drops, or its short name `git~1`), or null.
 */
export function gitUnsafeComponent(path: string): string | null {
  for (const part of path.split('/')) {
    const folded = part.toLowerCase().replace(/[. ]+$/, '');
    if (folded === '.git' || folded === 'git~1') return part;
  }
  return null;
}

/**
 * MLflow accepts a key, artifact path or name with a `.git` component, but it becomes a file or
 * folder name on the tracking branch, and git hosts (and git itself) refuse to push such a tree.
 * Refused when logged, so a push never becomes impossible; reads still accept it.
 */
export function rejectGitUnsafeName(what: string, name: string): void {
  const part = gitUnsafeComponent(name);
  if (part !== null) {
    throw fail('GIT_UNSAFE_NAME', `Invalid ${what} ${JSON.stringify(name)}: the component ${JSON.stringify(part)} is a name git refuses to store, so the tracking branch could not be pushed`, { name, component: part });
  }
}

/** Python's posixpath.normpath. */
export function posixNormpath(path: string): string {
  if (path === '') return '.';
  const initialSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (initialSlashes === 0 && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(initialSlashes) + parts.join('/');
  return joined || '.';
}

/** True when `key` is a usable relative path under its folder: no `..`, no leading `/`, nothing normpath changes. */
export function isSanePath(key: string): boolean {
  return posixNormpath(key) === key && key !== '.' && !key.startsWith('..') && !key.startsWith('/');
}

export type KeyKind = 'metric' | 'param' | 'tag' | 'experiment tag' | 'registered model tag' | 'model version tag' | 'input tag';

/** Validate a metric, param or tag name as MLflow does on write and on read. */
/** Keys already found valid (with the length check): logging the same keys again and again is the common case. */
const validKeys = new Set<string>();

export function validateKey(kind: KeyKind, key: unknown, options: { checkLength?: boolean } = {}): string {
  if (typeof key === 'string' && validKeys.has(key)) return key;
  if (typeof key !== 'string') throw fail('INVALID_KEY', `Invalid ${kind} name: a string is required, got ${key === null ? 'null' : typeof key}`);
  if (!KEY_CHARS.test(key)) {
    throw fail(
      'INVALID_KEY',
      `Invalid ${kind} name: ${JSON.stringify(key)}. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)`,
      { kind, key },
    );
  }
  if (!isSanePath(key)) {
    throw fail('PATH_TRAVERSAL', `Invalid ${kind} name: ${JSON.stringify(key)}. Names may be treated as files in certain cases, and must not resolve to other names when treated as such`, { kind, key });
  }
  if ((options.checkLength ?? true) && [...key].length > LIMITS.keyLength) {
    throw fail('VALUE_TOO_LONG', `${capitalise(kind)} name '${key.slice(0, 40)}...' is ${[...key].length} characters, the limit is ${LIMITS.keyLength}`, { kind, key });
  }
  if (options.checkLength ?? true) {
    rejectGitUnsafeName(`${kind} name`, key);
    if (validKeys.size > 100_000) validKeys.clear();
    validKeys.add(key);
  }
  return key;
}

function capitalise(text: string): string {
  return text[0]!.toUpperCase() + text.slice(1);
}

/** Length in Python characters (code points), which is what MLflow's limits count. */
export function pyLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function validateValueLength(kind: string, key: string, value: string, limit: number): string {
  if (typeof value !== 'string') throw fail('INVALID_VALUE', `${capitalise(kind)} '${key}' must have a string value, got ${typeof value}`);
  const length = value.length <= limit ? value.length : pyLength(value);
  if (length > limit) {
    throw fail('VALUE_TOO_LONG', `${capitalise(kind)} '${key}' has a value of ${length} characters, the limit is ${limit}`, { key, length, limit });
  }
  return value;
}

export function validateExperimentId(id: unknown): string {
  if (typeof id !== 'string' || !EXPERIMENT_ID.test(id)) throw fail('INVALID_ID', `Invalid experiment ID: ${JSON.stringify(id)}`, { id });
  return id;
}

export function validateRunId(id: unknown): string {
  if (typeof id !== 'string' || !RUN_ID.test(id)) throw fail('INVALID_ID', `Invalid run ID: ${JSON.stringify(id)}`, { id });
  return id;
}

export function isExperimentId(id: string): boolean {
  return EXPERIMENT_ID.test(id);
}

export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw fail('INVALID_NAME', 'Invalid experiment name: it must be a non-empty string');
  if (pyLength(name) > LIMITS.experimentName) throw fail('VALUE_TOO_LONG', `Experiment name is ${pyLength(name)} characters, the limit is ${LIMITS.experimentName}`);
  rejectGitUnsafeName('experiment name', name);
  return name;
}

export function validateMetricValue(key: string, value: unknown): number {
  if (typeof value !== 'number') throw fail('INVALID_VALUE', `Got invalid value ${String(value)} for metric '${key}' (timestamp=..). Please specify value as a valid double (64-bit floating point)`, { key });
  return value;
}

/** MLflow keeps steps and timestamps as int64. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function inInt64(n: number | bigint): boolean {
  const big = typeof n === 'bigint' ? n : BigInt(n);
  return big >= INT64_MIN && big <= INT64_MAX;
}

export function validateTimestamp(key: string, timestamp: unknown): number {
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp) || timestamp < 0 || !inInt64(timestamp)) {
    throw fail('INVALID_VALUE', `Got invalid timestamp ${String(timestamp)} for metric '${key}': an integer number of milliseconds between 0 and 2^63-1 is required`, { key });
  }
  return timestamp;
}

export function validateStep(key: string, step: unknown): number | bigint {
  if ((typeof step !== 'bigint' && (typeof step !== 'number' || !Number.isInteger(step))) || !inInt64(step)) {
    throw fail('INVALID_VALUE', `Got invalid step ${String(step)} for metric '${key}': an integer between -2^63 and 2^63-1 is required`, { key });
  }
  return step;
}

/** A registered model name becomes a directory: refuse separators, `%`, `:` and names normpath changes. */
export function validateModelName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw fail('INVALID_NAME', 'Registered model name cannot be empty');
  if (/[/\\%:]/.test(name) || name === '.' || name === '..' || posixNormpath(name) !== name) {
    throw fail('INVALID_NAME', `Invalid registered model name ${JSON.stringify(name)}: it must not contain '/', '\\', '%' or ':' and must not be '.' or '..'`, { name });
  }
  return name;
}

export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias.length === 0 || !ALIAS.test(alias) || pyLength(alias) > LIMITS.aliasLength) {
    throw fail('INVALID_NAME', `Invalid alias ${JSON.stringify(alias)}: use letters, digits, '_' and '-', at most ${LIMITS.aliasLength} characters`);
  }
  if (alias.toLowerCase() === 'latest' || /^[vV]\d+$/.test(alias)) throw fail('INVALID_NAME', `Alias '${alias}' is reserved`);
  return alias;
}

/** An artifact path inside a run: relative, POSIX, and never escaping the run's artifact root. */
export function validateArtifactPath(path: string): string {
  if (path === '' || path === '.') return '';
  const normal = posixNormpath(path.replace(/\\/g, '/'));
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../') || /^[a-zA-Z]:/.test(path)) {
    throw fail('PATH_TRAVERSAL', `Invalid artifact path ${JSON.stringify(path)}: it must stay inside the run's artifact directory`, { path });
  }
  return normal === '.' ? '' : normal;
}

/** An artifact path about to be written: inside the run's artifact root, and storable by git. */
export function validateNewArtifactPath(path: string): string {
  const normal = validateArtifactPath(path);
  rejectGitUnsafeName('artifact path', normal);
  return normal;
}
