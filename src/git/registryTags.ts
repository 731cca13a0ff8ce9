/**
 * Registry events as annotated git tags (grammar in src/format/registryTags.ts, spec/tags.md). Events
 * are found by comparing the `models/` trees of two tracking commits; a tag points at the commit
 * where its change landed and is never moved. `syncRegistryTags` replays the branch's first-parent
 * history to add the tags a merge (say, of a reviewed pull request) brought without them.
 */
import { VERSION_DIR_PREFIX, parseModelVersionMeta } from '../format/registryMeta.js';
import { formatEventMessage, formatRegistryTag, parseRegistryTag, stageToTag, type RegistryEvent, type TagStage } from '../format/registryTags.js';
import { MODELS_DIR } from '../format/layout.js';
import type { ObjectReader } from './objectStore.js';
import { formatSignature, writeObject, type TreeEntry } from './objects.js';
import { committerIdentity, compareAndSwapRef, git, type GitRepo } from './repo.js';
import { MLRUNS_PATH } from './trackingLayout.js';

/** Version tag whose value explains a change ("why"); copied into the event's annotation. */
export const REASON_TAG = 'mltrack.reason';
/** Version tag naming the authenticated user of the last registry change (mltrack server). */
export const CHANGED_BY_TAG = 'mltrack.changed_by';

export interface AnnotatedEvent extends RegistryEvent {
  runId: string | null;
  reason: string | null;
  changedBy?: string | null;
}

async function entries(objects: ObjectReader, oid: string | null | undefined): Promise<Map<string, TreeEntry>> {
  if (!oid) return new Map();
  return new Map((await objects.tree(oid)).map((e) => [e.name, e]));
}

async function readVersion(objects: ObjectReader, versionTree: TreeEntry | undefined) {
  if (!versionTree || versionTree.mode !== '40000') return null;
  const files = await entries(objects, versionTree.oid);
  const meta = files.get('meta.yaml');
  if (!meta) return null;
  try {
    const parsed = parseModelVersionMeta(Buffer.from(await objects.blob(meta.oid)).toString('utf8'), 'meta.yaml');
    const tags = await entries(objects, files.get('tags')?.oid);
    const reasonEntry = tags.get(REASON_TAG);
    const reason = reasonEntry ? Buffer.from(await objects.blob(reasonEntry.oid)).toString('utf8') : null;
    const byEntry = tags.get(CHANGED_BY_TAG);
    const changedBy = byEntry ? Buffer.from(await objects.blob(byEntry.oid)).toString('utf8') : null;
    return { ...parsed, reason, changedBy };
  } catch {
    return null; // verify reports unreadable metas; events skip them
  }
}

/** Registry events between two mlruns trees (null: empty). */
export async function registryEventsBetween(objects: ObjectReader, before: string | null, after: string | null): Promise<AnnotatedEvent[]> {
  const oldModels = await entries(objects, (await entries(objects, before)).get(MODELS_DIR)?.oid);
  const newModels = await entries(objects, (await entries(objects, after)).get(MODELS_DIR)?.oid);
  const events: AnnotatedEvent[] = [];
  for (const [dir, model] of [...newModels].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (oldModels.get(dir)?.oid === model.oid) continue;
    const oldVersions = await entries(objects, oldModels.get(dir)?.oid);
    const newVersions = await entries(objects, model.oid);
    for (const [name, tree] of newVersions) {
      if (!name.startsWith(VERSION_DIR_PREFIX) || oldVersions.get(name)?.oid === tree.oid) continue;
      const now = await readVersion(objects, tree);
      if (!now || now.currentStage === null) continue;
      const old = await readVersion(objects, oldVersions.get(name));
      // A reason belongs to the change that set it: one left over from an earlier change is not repeated.
      const reason = now.reason !== null && now.reason !== old?.reason ? now.reason : null;
      const base = { model: now.name, version: now.version, runId: now.runId, reason, changedBy: now.changedBy };
      if (!old) events.push({ kind: 'registered', ...base });
      const entered = !old ? now.currentStage !== 'None' : old.currentStage !== now.currentStage;
      if (entered) {
        let stage: TagStage;
        try {
          stage = stageToTag(now.currentStage);
        } catch {
          continue; // a non-canonical stage is verify's business
        }
        events.push({ kind: 'stage', stage, timestamp: now.lastUpdatedTimestamp ?? now.creationTimestamp, ...base });
      }
    }
  }
  return events.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version || (a.kind === 'registered' ? -1 : 1)));
}

/** Create the annotated tags for events that landed in `commit`; existing tags are left alone. Returns the names created. */
export async function createRegistryTags(repo: GitRepo, commit: string, events: AnnotatedEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const who = committerIdentity(repo.workdir ?? repo.gitdir);
  const created: string[] = [];
  for (const event of events) {
    const name = formatRegistryTag(event);
    const message = formatEventMessage({ event, runId: event.runId, reason: event.reason, commit, changedBy: event.changedBy });
    const body = `object ${commit}\ntype commit\ntag ${name}\ntagger ${formatSignature(who)}\n\n${message}`;
    const tag = writeObject(repo.gitdir, 'tag', Buffer.from(body));
    if (await compareAndSwapRef(repo, `refs/tags/${name}`, tag, null, 'mltrack: registry event')) created.push(name);
  }
  return created;
}

async function mlrunsOf(objects: ObjectReader, commit: string): Promise<string | null> {
  const entry = await objects.entry((await objects.commit(commit)).tree, MLRUNS_PATH);
  return entry?.mode === '40000' ? entry.oid : null;
}

/** Tag every registry event on the branch's first-parent history that has no tag yet. */
export async function syncRegistryTags(repo: GitRepo, objects: ObjectReader, branchRef: string): Promise<string[]> {
  const commits = (await git(repo, ['rev-list', '--first-parent', '--reverse', branchRef]).catch(() => '')).split('\n').filter(Boolean);
  const existing = new Set(await listRegistryTagNames(repo));
  const created: string[] = [];
  let previous: string | null = null;
  let previousModels: string | null = null;
  for (const commit of commits) {
    const mlruns = await mlrunsOf(objects, commit);
    const models = mlruns ? ((await objects.entry(mlruns, MODELS_DIR))?.oid ?? null) : null;
    if (models !== previousModels) {
      const missing = (await registryEventsBetween(objects, previous, mlruns)).filter((e) => !existing.has(formatRegistryTag(e)));
      for (const name of await createRegistryTags(repo, commit, missing)) {
        existing.add(name);
        created.push(name);
      }
    }
    previous = mlruns;
    previousModels = models;
  }
  return created;
}

export async function listRegistryTagNames(repo: GitRepo): Promise<string[]> {
  const out = await git(repo, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags/mltrack/']).catch(() => '');
  return out.split('\n').filter((name) => name && parseRegistryTag(name));
}

export interface TagRecord {
  tag: string;
  event: RegistryEvent;
  tagger: string;
  /** Milliseconds since the epoch. */
  time: number;
  message: string;
  commit: string;
}

/** Every registry tag with its annotation, oldest event first. */
export async function readRegistryTags(repo: GitRepo): Promise<TagRecord[]> {
  const sep = '\u001e';
  const out = await git(repo, ['for-each-ref', `--format=%(refname:strip=2)%1f%(taggername) %(taggeremail)%1f%(taggerdate:unix)%1f%(*objectname)%1f%(contents)${sep}`, 'refs/tags/mltrack/']).catch(() => '');
  const records: TagRecord[] = [];
  for (const chunk of out.split(sep)) {
    const [tag, tagger, time, commit, message] = chunk.replace(/^\n/, '').split('\u001f');
    if (!tag || message === undefined) continue;
    const event = parseRegistryTag(tag);
    if (event) records.push({ tag, event, tagger: tagger!.trim(), time: Number(time) * 1000, commit: commit!, message });
  }
  return records.sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0) || a.time - b.time || (a.event.kind === 'registered' ? -1 : 1));
}
