/**
 * Shared state of one verification: the tree being read, the problems found so far, and the reads
 * every rule needs (text that must be UTF-8, meta.yaml files that must parse, key folders), each of
 * which records a problem instead of throwing, so one bad file never hides the next.
 */
import { isMltrackError } from '../format/errors.js';
import { joinPath, TEMP_PREFIX } from '../format/layout.js';
import { validateKey, type KeyKind } from '../format/validation.js';
import { decodeUtf8 } from '../format/text.js';
import { YamlFields } from '../format/yaml.js';
import type { TreeReader } from '../store/TreeReader.js';
import { ProblemList } from './Problem.js';

export interface VerifyOptions {
  /**
   * False for a tree read from git: git stores no empty directories, so a run's missing empty
   * `metrics/`, `params/` or `artifacts/` is the tracking branch's normal layout, not a problem.
   */
  emptyDirsKept?: boolean;
  /** Where the tree sits on disk, for telling an artifact_uri inside it from one outside (default: the tree's own path). */
  mlrunsRoot?: string | null;
}

export interface VerifyStats {
  experiments: number;
  runs: number;
  registeredModels: number;
  modelVersions: number;
}

export class VerifyContext {
  readonly problems = new ProblemList();
  readonly stats: VerifyStats = { experiments: 0, runs: 0, registeredModels: 0, modelVersions: 0 };
  readonly emptyDirsKept: boolean;
  readonly mlrunsRoot: string | null;
  /** Leftover temp files already reported where they sit (inside a key folder). */
  readonly reportedTemp = new Set<string>();

  constructor(
    readonly tree: TreeReader,
    options: VerifyOptions = {},
  ) {
    this.emptyDirsKept = options.emptyDirsKept ?? true;
    const own = tree.describe('');
    this.mlrunsRoot = options.mlrunsRoot ?? (own.startsWith('/') ? own : null);
  }

  /** A file's text; null when missing, or when it is not UTF-8 (reported). */
  async text(path: string): Promise<string | null> {
    const bytes = await this.tree.read(path);
    if (bytes === null) return null;
    try {
      return decodeUtf8(bytes, path);
    } catch {
      this.problems.error(path, 'file is not valid UTF-8: MLflow reads every file as UTF-8 and fails on it', 'INVALID_UTF8');
      return null;
    }
  }

  /** A meta.yaml as PyYAML reads it; null when missing or unreadable (reported). */
  async yaml(path: string): Promise<YamlFields | null> {
    const text = await this.text(path);
    if (text === null) return null;
    try {
      return YamlFields.parse(text, path);
    } catch (err) {
      this.record(path, err);
      return null;
    }
  }

  /** Record an MltrackError thrown by a parser as a problem of `path` (its message without the path prefix). */
  record(path: string, err: unknown): void {
    if (!isMltrackError(err)) throw err;
    const prefix = `${path}: `;
    const rule = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    this.problems.error(path, rule, err.code);
  }

  /** Every file below `folder` as a relative POSIX path (MLflow's os.walk of a key folder). */
  async filesUnder(folder: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const entry of (await this.tree.list(joinPath(folder, rel))) ?? []) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDir) await walk(key);
        else out.push(key);
      }
    };
    await walk('');
    return out.sort();
  }

  /** A key file name must be a key MLflow accepts on read (spec 1.3, 6). Returns whether it is. */
  checkKey(folder: string, key: string, kind: KeyKind): boolean {
    try {
      validateKey(kind, key, { checkLength: false });
      return true;
    } catch (err) {
      if (!isMltrackError(err)) throw err;
      this.problems.error(joinPath(folder, key), `file name is not a valid ${kind} key, MLflow refuses to read it: ${err.message}`, 'MALFORMED_FILE');
      return false;
    }
  }

  /** Value files (params, tags): valid keys and UTF-8 text. Returns key -> value for the readable ones. */
  async valueFiles(folder: string, kind: KeyKind, options: { placeholderIs?: 'error' | 'warning' } = {}): Promise<Record<string, string>> {
    const out: [string, string][] = [];
    for (const key of await this.filesUnder(folder)) {
      const path = joinPath(folder, key);
      if (isTempFile(key)) {
        this.leftoverInKeyFolder(path, kind, 'warning');
        continue;
      }
      if (key.split('/').pop() === '.gitkeep' && options.placeholderIs !== undefined) {
        this.problems.add(path, `placeholder file: it becomes a ${kind} named '${key}' (empty value) in MLflow; git-backed tools must not add placeholders to key folders`, 'MALFORMED_FILE', options.placeholderIs);
        continue;
      }
      if (!this.checkKey(folder, key, kind)) continue;
      const value = await this.text(path);
      if (value !== null) out.push([key, value]);
    }
    return Object.fromEntries(out);
  }

  /** A `.mltrack-tmp-*` file inside metrics/, params/ or tags/: MLflow takes it for a key. */
  leftoverInKeyFolder(path: string, kind: KeyKind, severity: 'error' | 'warning'): void {
    this.reportedTemp.add(path);
    this.problems.add(path, `leftover temporary file of an interrupted write, inside a key folder: MLflow takes it for a ${kind}; verify --fix removes it`, 'INVALID_STATE', severity, { kind: 'remove', path });
  }

  /** Whether `path` is a directory of the tree. */
  async isDir(path: string): Promise<boolean> {
    return (await this.tree.list(path)) !== null;
  }
}

/** `.mltrack-tmp-*`: what a killed writer leaves behind. */
export function isTempFile(path: string): boolean {
  return (path.split('/').pop() ?? '').startsWith(TEMP_PREFIX);
}
