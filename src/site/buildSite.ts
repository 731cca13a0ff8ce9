/**
 * `mltrack site build`: the prebuilt app (dist/ui, shipped in the package) plus the data files of a
 * working tree or of any revision. A full build is written into a fresh directory that replaces the
 * old one in one rename, so a server never sees half a site; on an earlier site of the same tree the
 * build is incremental, in place, file by file atomically (spec/site.md, "Incremental builds").
 */
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../format/errors.js';
import { fileUriToPath, pathToFileUri } from '../format/fileUri.js';
import { ROOT_TOKEN } from '../git/artifactUris.js';
import { findRepo, resolveRef, type GitRepo } from '../git/repo.js';
import { openRevision } from '../git/revision.js';
import { partitionRegistryTags } from '../git/registryTags.js';
import { readTrackingLog } from '../git/trackingLog.js';
import { parseEventMessage, tagToStage } from '../format/registryTags.js';
import { git } from '../git/repo.js';
import { branchRef } from '../git/trackingLayout.js';
import { RESERVED_EXPERIMENT_SUBDIRS } from '../format/layout.js';
import { ConfinedFsTreeReader, isInside } from '../store/ConfinedFsTreeReader.js';
import { faultPoint } from '../store/faultPoint.js';
import { stampTree, type NameLists, type TreeStamp } from './runSignature.js';
import { SiteDataBuilder, siteLog, type ModelEvent, type SiteDataResult, type SiteDataSource } from './buildSiteData.js';
import { MAX_LOG_COMMITS, type SiteLog } from '../format/siteFormat.js';

export const VERSION = '0.1.0';

/** Marks a directory as a site mltrack built, so a rebuild may replace it. */
export const SITE_MARKER = '.mltrack-site';

export interface BuildSiteOptions {
  /** Output directory (replaced as a whole). */
  out: string;
  /** The working tree's mlruns directory (absolute). */
  mlruns: string;
  /** Working directory: where the git repository is looked for. */
  cwd: string;
  /** Build from this revision instead of the working tree. */
  rev?: string;
  /** The tracking branch, for the history (default `mltrack`). */
  branch?: string;
  artifactLimitBytes?: number;
  /** Copy the prebuilt app (default true). */
  app?: boolean;
  /** Set by `mltrack ui`: the app polls for new data. */
  live?: boolean;
  /**
   * When `out` is an earlier site of the same working tree, update it in place, reading and writing
   * only the runs that changed (default true; false rebuilds it whole).
   */
  incremental?: boolean;
  /** Runs per shard of a runs index (default RUNS_PER_SHARD; tests and benchmarks set it). */
  shardSize?: number;
  onStart?: (runs: number) => void;
  onRun?: (done: number) => void;
  onWarning?: (message: string) => void;
}

export interface BuildSiteResult extends SiteDataResult {
  out: string;
  ms: number;
}

/** Where the prebuilt app is: dist/ui beside the compiled code (or, running from src/, the built dist/ui). */
export function appDir(): string {
  const candidates = [new URL('../ui/', import.meta.url), new URL('../../dist/ui/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) {
    throw fail('INVALID_STATE', `The prebuilt UI is missing (looked in ${candidates.join(' and ')}): run 'npm run build' in the mltrack package`);
  }
  return found;
}

function tryRepo(cwd: string): GitRepo | null {
  try {
    return findRepo(cwd);
  } catch {
    return null;
  }
}

async function trackingLog(repo: GitRepo | null, rev: string | null, branch: string): Promise<SiteLog | null> {
  if (!repo || !rev || !(await resolveRef(repo, rev))) return null;
  try {
    return siteLog(branch, await readTrackingLog(repo, { rev, maxCount: MAX_LOG_COMMITS + 1 }));
  } catch {
    return null;
  }
}

/** The registry's stage history from its git tags; for a revision, only tags of commits it contains. */
async function registryEvents(repo: GitRepo | null, commit: string | null, branch: string): Promise<ModelEvent[]> {
  if (!repo) return [];
  let records;
  try {
    // Only tags that record a change on the tracking branch: a forged one is not history (spec/tags.md).
    records = (await partitionRegistryTags(repo, commit ?? branchRef(branch))).trusted;
  } catch {
    return [];
  }
  let reachable: Set<string> | null = null;
  if (commit) {
    const merged = await git(repo, ['for-each-ref', '--merged', commit, '--format=%(refname:strip=2)', 'refs/tags/mltrack/']).catch(() => '');
    reachable = new Set(merged.split('\n').filter(Boolean));
  }
  return records
    .filter((r) => !reachable || reachable.has(r.tag))
    .map((r) => {
      let note: ReturnType<typeof parseEventMessage> = { runId: null, reason: null, commit: null, time: null };
      try {
        note = parseEventMessage(r.message);
      } catch {
        // a hand-made annotation that is not ours: the event still shows, without a reason
      }
      return {
        model: r.event.model,
        kind: r.event.kind,
        version: r.event.version,
        stage: r.event.stage ? tagToStage(r.event.stage) : null,
        tag: r.tag,
        tagger: r.tagger,
        time: r.at,
        reason: note.reason,
        runId: note.runId,
        commit: r.commit,
      };
    });
}

/** The local mlruns root as a `file:` URI prefix becomes the same placeholder the tracking branch uses. */
function publicUriFor(mlruns: string): (uri: string) => string {
  const local = pathToFileUri(mlruns).replace(/\/+$/, '');
  return (uri) => (uri === local || uri.startsWith(local + '/') ? ROOT_TOKEN + uri.slice(local.length) : uri);
}

async function dataSource(options: BuildSiteOptions, repo: GitRepo | null): Promise<{ src: SiteDataSource; logRev: string | null }> {
  const branch = options.branch ?? 'mltrack';
  if (options.rev) {
    if (!repo) throw fail('NOT_A_REPO', `${options.cwd} is not inside a git repository, so --rev ${options.rev} cannot be read`);
    const opened = await openRevision(repo, options.rev, null);
    return {
      src: { tree: opened.reader.tree, source: { kind: 'revision', rev: options.rev, commit: opened.commit }, externalArtifacts: null, publicUri: (u) => u, stamp: null },
      logRev: opened.commit,
    };
  }
  const root = resolve(options.mlruns);
  // Artifacts are read only from inside the mlruns tree: a run whose artifact_uri points into a
  // home folder, /proc or /etc (a teammate can set it) is shown as stored elsewhere, never copied.
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  const external = (uri: string) => {
    const path = fileUriToPath(uri);
    if (!path || !isAbsolute(path) || !existsSync(path)) return null;
    return isInside(realRoot, realpathSync(path)) ? new ConfinedFsTreeReader(path, realRoot) : null;
  };
  const stamp = (dir: string, previous: TreeStamp | undefined, lists: NameLists) => stampTree(`${root}/${dir}`, previous, lists);
  return {
    src: { tree: new ConfinedFsTreeReader(root, realRoot), source: { kind: 'worktree' }, externalArtifacts: external, publicUri: publicUriFor(root), stamp, listRunDirs: (dir) => plainRunDirs(root, dir) },
    logRev: repo && (await resolveRef(repo, branchRef(branch))) ? branchRef(branch) : null,
  };
}

/**
 * An experiment's run directories from one readdir, when every entry is a plain directory or file:
 * those are inside the tree wherever the experiment is, so the confined reader's realpath and stat
 * of each (20,000 calls at 10,000 runs) would give the same answer. Null when any entry is a symlink
 * or special file, or the listing fails: the reader decides, with its warnings.
 */
function plainRunDirs(root: string, experimentDir: string): string[] | null {
  let entries: Dirent[];
  try {
    entries = readdirSync(`${root}/${experimentDir}`, { withFileTypes: true });
  } catch {
    return null;
  }
  const dirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!RESERVED_EXPERIMENT_SUBDIRS.has(e.name)) dirs.push(`${experimentDir}/${e.name}`);
    } else if (!e.isFile()) return null;
  }
  return dirs;
}

/** Refuse to replace a non-empty directory that is not a site mltrack built. */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw fail('ALREADY_EXISTS', `${out} is a file; --out needs a directory`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !entries.includes(SITE_MARKER)) {
    throw fail('ALREADY_EXISTS', `${out} exists and is not a site built by mltrack; choose an empty or new --out directory`);
  }
}

export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const started = performance.now();
  const out = resolve(options.out);
  checkOut(out);
  const app = options.app === false ? null : appDir();
  const repo = tryRepo(options.cwd);
  const { src, logRev } = await dataSource(options, repo);
  if (!options.rev && !existsSync(src.tree.describe(''))) {
    throw fail('NOT_FOUND', `No mlruns directory at ${options.mlruns}: log a run first, or pass --rev to build from the tracking branch`);
  }
  const log = await trackingLog(repo, logRev, options.branch ?? 'mltrack');
  const events = await registryEvents(repo, src.source.commit ?? null, options.branch ?? 'mltrack');

  const dataOptions = {
    artifactLimitBytes: options.artifactLimitBytes,
    log,
    events,
    generator: `mltrack ${VERSION}`,
    live: options.live,
    shardSize: options.shardSize,
    onStart: options.onStart,
    onRun: options.onRun,
    onWarning: options.onWarning,
  };
  if (options.incremental !== false && !options.rev && existsSync(out)) {
    const builder = new SiteDataBuilder(src, { ...dataOptions, out, incremental: true });
    if (builder.canBuildInPlace()) {
      if (app) syncApp(app, out);
      const result = await builder.build();
      return { ...result, out, ms: performance.now() - started };
    }
  }

  // Build beside the target, then swap it in.
  mkdirSync(dirname(out), { recursive: true });
  const staging = join(dirname(out), `.${basename(out)}.building-${process.pid}-${Date.now()}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    if (app) cpSync(app, staging, { recursive: true });
    writeFileSync(join(staging, SITE_MARKER), 'Built by `mltrack site build`; rebuilding replaces this directory.\n');
    writeFileSync(join(staging, '.nojekyll'), '');
    const result = await new SiteDataBuilder(src, { ...dataOptions, out: staging }).build();
    replaceDir(staging, out);
    return { ...result, out, ms: performance.now() - started };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The app's files into a site updated in place, each copied under a temporary name and renamed over
 * the old one, only when it differs. Everything else first and `index.html` last, and files the new
 * app no longer has removed after it: a reader (or a build killed half-way) sees the old page with
 * its assets or the new one with its assets. data/ and the markers are not the app's.
 */
export function syncApp(app: string, out: string): void {
  const leftover = /^\..*\.tmp-\d+$/;
  const stale: string[] = [];
  const copy = (from: string, to: string, last: string[]): Set<string> => {
    mkdirSync(to, { recursive: true });
    const entries = readdirSync(from, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const kept = copy(join(from, entry.name), join(to, entry.name), last);
        for (const old of readdirSync(join(to, entry.name))) if (!kept.has(old)) stale.push(join(to, entry.name, old));
      } else if (entry.isFile()) {
        if (entry.name === 'index.html') last.push(join(from, entry.name), join(to, entry.name));
        else replaceFile(join(from, entry.name), join(to, entry.name));
      }
    }
    for (const old of readdirSync(to)) if (leftover.test(old)) stale.push(join(to, old));
    return new Set(entries.map((e) => e.name));
  };
  const last: string[] = [];
  copy(app, out, last);
  for (let i = 0; i < last.length; i += 2) replaceFile(last[i]!, last[i + 1]!);
  for (const path of stale) rmSync(path, { recursive: true, force: true });
}

function replaceFile(from: string, to: string): void {
  const bytes = readFileSync(from);
  if (existsSync(to) && readFileSync(to).equals(bytes)) return;
  const tmp = join(dirname(to), `.${basename(to)}.tmp-${process.pid}`);
  writeFileSync(tmp, bytes);
  faultPoint('site:app');
  renameSync(tmp, to);
}

/** Move `from` to `to`, replacing `to` if it exists (old copy removed after the rename). */
export function replaceDir(from: string, to: string): void {
  if (!existsSync(to)) {
    renameSync(from, to);
    return;
  }
  const old = `${to}.old-${process.pid}-${Date.now()}`;
  renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}

