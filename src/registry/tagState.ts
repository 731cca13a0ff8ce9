/**
 * The registry state the event tags describe (spec/tags.md), and the check that it agrees with the
 * files: every version in `models/` has its registration tag, its current stage is the stage of its
 * latest stage tag (by the timestamp in the tag name), and no tag names a version the files lack.
 * Only tags on the tip's history count (`git for-each-ref --merged <tip>`), so a tag fetched for a
 * commit not merged yet is not held against an older tip.
 */
import { spawn } from 'node:child_process';
import { MODELS_DIR, META_FILE, joinPath } from '../format/layout.js';
import { VERSION_DIR_PREFIX, parseModelVersionMeta } from '../format/registryMeta.js';
import { formatRegistryTag, parseRegistryTag, stageToTag, tagToStage, type RegistryEvent } from '../format/registryTags.js';
import { fail } from '../format/errors.js';
import { partitionRegistryTags } from '../git/registryTags.js';
import { git, resolveRef, type GitRepo } from '../git/repo.js';
import { MLRUNS_PATH } from '../git/trackingLayout.js';
import type { TreeReader } from '../store/TreeReader.js';
import type { GateProblem } from './registryProblem.js';

/** What the tags say about one version. */
export interface VersionTagState {
  model: string;
  version: number;
  /** `mltrack/<model>@v<n>`, when present. */
  registrationTag: string | null;
  /** Canonical stage (`Production`, `Deleted_Internal`, ...) of the latest stage tag, or null when there is none. */
  stage: string | null;
  stageTag: string | null;
  stageTimestamp: number | null;
}

/** model -> version -> state. */
export type TagRegistryState = Map<string, Map<number, VersionTagState>>;

/** The registry state from tag names alone: registered versions, and the latest stage per version by timestamp. */
export function registryStateFromTags(tags: Iterable<string | { tag: string; event: RegistryEvent }>): TagRegistryState {
  const state: TagRegistryState = new Map();
  for (const item of tags) {
    const tag = typeof item === 'string' ? item : item.tag;
    const event = typeof item === 'string' ? parseRegistryTag(item) : item.event;
    if (!event) continue;
    let versions = state.get(event.model);
    if (!versions) state.set(event.model, (versions = new Map()));
    let v = versions.get(event.version);
    if (!v) versions.set(event.version, (v = { model: event.model, version: event.version, registrationTag: null, stage: null, stageTag: null, stageTimestamp: null }));
    if (event.kind === 'registered') {
      v.registrationTag = tag;
      continue;
    }
    const ts = event.timestamp ?? 0;
    if (v.stageTimestamp === null || ts > v.stageTimestamp || (ts === v.stageTimestamp && tag > v.stageTag!)) {
      v.stage = tagToStage(event.stage!);
      v.stageTag = tag;
      v.stageTimestamp = ts;
    }
  }
  return state;
}

/** Names of the registry tags (`mltrack/...`) that point into the history of `commit`. */
export async function registryTagNamesAt(repo: GitRepo, commit: string): Promise<string[]> {
  const out = await git(repo, ['for-each-ref', `--merged=${commit}`, '--format=%(refname:strip=2)', 'refs/tags/mltrack/']);
  return out.split('\n').filter((name) => name && parseRegistryTag(name));
}

/** One version directory as the files have it. */
export interface FileVersion {
  model: string;
  dir: string;
  version: number;
  stage: string | null;
  timestamp: number;
}

/** Every version directory's name, number and stage, deleted ones included; unreadable metas are verify's business. */
export async function fileVersions(tree: TreeReader): Promise<{ models: Set<string>; versions: FileVersion[] }> {
  const models = new Set<string>();
  const versions: FileVersion[] = [];
  for (const modelEntry of (await tree.list(MODELS_DIR)) ?? []) {
    if (!modelEntry.isDir) continue;
    models.add(modelEntry.name);
    for (const entry of (await tree.list(joinPath(MODELS_DIR, modelEntry.name))) ?? []) {
      if (!entry.isDir || !entry.name.startsWith(VERSION_DIR_PREFIX)) continue;
      const path = joinPath(MODELS_DIR, modelEntry.name, entry.name, META_FILE);
      const bytes = await tree.read(path);
      if (!bytes) continue;
      try {
        const meta = parseModelVersionMeta(Buffer.from(bytes).toString('utf8'), tree.describe(path));
        models.add(meta.name);
        versions.push({ model: meta.name, dir: modelEntry.name, version: meta.version, stage: meta.currentStage, timestamp: meta.lastUpdatedTimestamp ?? meta.creationTimestamp });
      } catch {
        continue;
      }
    }
  }
  return { models, versions };
}

/** The blobs `oids`, read by one `git cat-file --batch` (git's own inflate: far faster than one read per object in JS). */
export function readBlobs(repo: GitRepo, oids: readonly string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repo.gitdir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(fail('IO_ERROR', `git cat-file --batch failed: ${stderr.trim()}`));
      const out = Buffer.concat(chunks);
      const blobs = new Map<string, Buffer>();
      let at = 0;
      while (at < out.length) {
        const eol = out.indexOf(0x0a, at);
        const [oid, type, size] = out.toString('utf8', at, eol).split(' ');
        at = eol + 1;
        if (type === 'missing' || size === undefined) continue;
        blobs.set(oid!, out.subarray(at, at + Number(size)));
        at += Number(size) + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(oids.join('\n') + '\n');
  });
}

/** The same as fileVersions, for a commit: `git ls-tree -r` of its models/ and one batch read of the version metas. */
async function fileVersionsAt(repo: GitRepo, commit: string, label: string): Promise<{ models: Set<string>; versions: FileVersion[] }> {
  const models = new Set<string>();
  const versions: FileVersion[] = [];
  const listing = await git(repo, ['ls-tree', '-r', '-z', `${commit}:${MLRUNS_PATH}/${MODELS_DIR}`]).catch(() => '');
  const metas: { dir: string; oid: string; path: string }[] = [];
  for (const line of listing.split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [, type, oid] = line.slice(0, tab).split(' ');
    const parts = line.slice(tab + 1).split('/');
    models.add(parts[0]!);
    if (type === 'blob' && parts.length === 3 && parts[1]!.startsWith(VERSION_DIR_PREFIX) && parts[2] === META_FILE) {
      metas.push({ dir: parts[0]!, oid: oid!, path: joinPath(MODELS_DIR, ...parts) });
    }
  }
  const blobs = await readBlobs(repo, [...new Set(metas.map((m) => m.oid))]);
  for (const m of metas) {
    const bytes = blobs.get(m.oid);
    if (!bytes) continue;
    try {
      const meta = parseModelVersionMeta(bytes.toString('utf8'), `${label}:${MLRUNS_PATH}/${m.path}`);
      models.add(meta.name);
      versions.push({ model: meta.name, dir: m.dir, version: meta.version, stage: meta.currentStage, timestamp: meta.lastUpdatedTimestamp ?? meta.creationTimestamp });
    } catch {
      continue;
    }
  }
  return { models, versions };
}

/**
 * Where the registry tags on `tip`'s history disagree with the files at `tip` (a revision of the
 * tracking branch: `mltrack`, `origin/mltrack`, a commit id). One problem per disagreement, naming the
 * model, the version and the rule. A tag whose whole model is gone from the files (deleted or renamed)
 * is only a warning: tags are immutable history.
 */
export async function checkTagsAgree(repo: GitRepo, tip: string): Promise<GateProblem[]> {
  const commit = (await resolveRef(repo, tip)) ?? (await resolveRef(repo, `refs/heads/${tip}`));
  if (!commit) throw fail('NOT_FOUND', `No revision '${tip}' in ${repo.gitdir}`, { rev: tip });
  const merged = new Set(await registryTagNamesAt(repo, commit));
  // Tags that record no change of the branch (forged, or future-dated) are not history: each is a warning, not everyone's failure.
  const { trusted, untrusted } = await partitionRegistryTags(repo, commit, Date.now(), tip.replace(/^refs\/heads\//, ''));
  const state = registryStateFromTags(trusted.filter((r) => merged.has(r.tag)));
  const { models, versions } = await fileVersionsAt(repo, commit, tip);
  const problems: GateProblem[] = [];
  const problem = (path: string, rule: string, severity: GateProblem['severity'] = 'error') => problems.push({ path, rule, code: 'TAGS_DISAGREE', severity });
  for (const u of untrusted.filter((u) => merged.has(u.record.tag))) {
    problems.push({ path: joinPath(MODELS_DIR, u.record.event.model), rule: `tag '${u.record.tag}' is untrusted and left out of the history: ${u.why}`, code: 'UNTRUSTED_TAG', severity: 'warning' });
  }

  const inFiles = new Set(versions.map((v) => `${v.model}\u0000${v.version}`));
  for (const [model, byVersion] of [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const v of [...byVersion.values()].sort((a, b) => a.version - b.version)) {
      if (inFiles.has(`${model}\u0000${v.version}`)) continue;
      const tag = v.registrationTag ?? v.stageTag!;
      if (models.has(model)) {
        problem(joinPath(MODELS_DIR, model, `${VERSION_DIR_PREFIX}${v.version}`), `tag '${tag}' names model '${model}' version ${v.version}, which is not in the files at ${tip}`);
      } else {
        problem(joinPath(MODELS_DIR, model), `tag '${tag}' names model '${model}' version ${v.version}, but the model is not in the files at ${tip} (deleted or renamed; its tags stay as history)`, 'warning');
      }
    }
  }

  for (const f of versions.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version))) {
    const path = joinPath(MODELS_DIR, f.dir, `${VERSION_DIR_PREFIX}${f.version}`);
    const tags = state.get(f.model)?.get(f.version);
    if (!tags?.registrationTag) {
      problem(path, `model '${f.model}' version ${f.version} has no registration tag '${formatRegistryTag({ kind: 'registered', model: f.model, version: f.version })}' (run mltrack tags sync)`);
    }
    if (f.stage === null) continue;
    let tagStage;
    try {
      tagStage = stageToTag(f.stage);
    } catch {
      continue; // a non-canonical stage is verify's registry rule
    }
    if (!tags?.stage) {
      if (f.stage === 'None') continue; // registered in None: no stage event
      const expected = formatRegistryTag({ kind: 'stage', model: f.model, version: f.version, stage: tagStage, timestamp: f.timestamp });
      problem(path, `model '${f.model}' version ${f.version} is in ${f.stage} but has no stage tag for it (expected '${expected}'; run mltrack tags sync)`);
    } else if (tags.stage !== f.stage) {
      problem(path, `model '${f.model}' version ${f.version} is in ${f.stage} in the files, but its latest stage tag '${tags.stageTag}' says ${tags.stage}`);
    }
  }
  return problems;
}
