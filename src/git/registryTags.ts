/**
 * Registry events as annotated git tags (grammar in src/format/registryTags.ts, spec/tags.md). Events
 * are found by comparing the `models/` trees of two tracking commits; a tag points at the commit
 * where its change landed and is never moved. `syncRegistryTags` replays the branch's first-parent
 * history to add the tags a merge (say, of a reviewed pull request) brought without them.
 */
import { VERSION_DIR_PREFIX, parseModelVersionMeta } from '../format/registryMeta.js';
import { CHANGED_BY_TAG, formatEventMessage, formatRegistryTag, parseEventMessage, parseRegistryTag, stageToTag, type RegistryEvent, type TagStage } from '../format/registryTags.js';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MODELS_DIR } from '../format/layout.js';
import { ObjectReader } from './objectStore.js';
import { formatSignature, writeObject, type TreeEntry } from './objects.js';
import { committerIdentity, compareAndSwapRef, git, type GitRepo } from './repo.js';
import { MLRUNS_PATH } from './trackingLayout.js';
import type { LoggedRegistryEvent } from '../store/registryEventLog.js';

/** Where registry events wait for the next commit (src/store/registryEventLog.ts). */
export function registryEventLogPath(gitdir: string): string {
  return join(gitdir, 'mltrack', 'registry-events.jsonl');
}

/** Version tag whose value explains a change ("why"); copied into the event's annotation. */
export const REASON_TAG = 'mltrack.reason';

export interface AnnotatedEvent extends RegistryEvent {
  runId: string | null;
  reason: string | null;
  changedBy?: string | null;
  /** When it happened (ms), kept in the annotation: a registration's tag name has no time. */
  time: number | null;
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

/** A version whose directory differs between two mlruns trees, with its state before (null: new) and after. */
interface VersionChange {
  now: NonNullable<Awaited<ReturnType<typeof readVersion>>>;
  old: Awaited<ReturnType<typeof readVersion>>;
}

async function versionChangesBetween(objects: ObjectReader, before: string | null, after: string | null): Promise<VersionChange[]> {
  const oldModels = await entries(objects, (await entries(objects, before)).get(MODELS_DIR)?.oid);
  const newModels = await entries(objects, (await entries(objects, after)).get(MODELS_DIR)?.oid);
  const changes: VersionChange[] = [];
  for (const [dir, model] of [...newModels].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (oldModels.get(dir)?.oid === model.oid) continue;
    const oldVersions = await entries(objects, oldModels.get(dir)?.oid);
    const newVersions = await entries(objects, model.oid);
    for (const [name, tree] of newVersions) {
      if (!name.startsWith(VERSION_DIR_PREFIX) || oldVersions.get(name)?.oid === tree.oid) continue;
      const now = await readVersion(objects, tree);
      if (!now || now.currentStage === null) continue;
      changes.push({ now, old: await readVersion(objects, oldVersions.get(name)) });
    }
  }
  return changes;
}

/** The events the files alone show for one changed version: its registration, and the stage it is in now if that changed. */
function diffEvents({ now, old }: VersionChange): AnnotatedEvent[] {
  // A reason belongs to the change that set it: one left over from an earlier change is not repeated.
  const reason = now.reason !== null && now.reason !== old?.reason ? now.reason : null;
  const base = { model: now.name, version: now.version, runId: now.runId, reason, changedBy: now.changedBy };
  const events: AnnotatedEvent[] = [];
  if (!old) events.push({ kind: 'registered', ...base, time: now.creationTimestamp });
  const entered = !old ? now.currentStage !== 'None' : old.currentStage !== now.currentStage;
  if (entered) {
    try {
      const stage = stageToTag(now.currentStage!);
      const timestamp = now.lastUpdatedTimestamp ?? now.creationTimestamp;
      events.push({ kind: 'stage', stage, timestamp, ...base, time: timestamp });
    } catch {
      // a non-canonical stage is verify's business
    }
  }
  return events;
}

function byModelVersion(a: AnnotatedEvent, b: AnnotatedEvent): number {
  return a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version || (a.time ?? 0) - (b.time ?? 0) || (a.kind === 'registered' ? -1 : b.kind === 'registered' ? 1 : 0);
}

/** Registry events between two mlruns trees (null: empty), from the files alone. */
export async function registryEventsBetween(objects: ObjectReader, before: string | null, after: string | null): Promise<AnnotatedEvent[]> {
  return (await versionChangesBetween(objects, before, after)).flatMap(diffEvents).sort(byModelVersion);
}

/**
 * The events of a commit: for each changed version, the events logged as they happened when the log
 * ends in the state the files hold (each transition keeps its own time and reason), else what the
 * files show. Returns the events and the logged ones it settled (used, or overruled by the files).
 */
export async function commitRegistryEvents(objects: ObjectReader, before: string | null, after: string | null, logged: readonly LoggedRegistryEvent[], snapshotAt = Infinity): Promise<{ events: AnnotatedEvent[]; used: Set<LoggedRegistryEvent> }> {
  const used = new Set<LoggedRegistryEvent>();
  const events: AnnotatedEvent[] = [];
  for (const change of await versionChangesBetween(objects, before, after)) {
    const { now, old } = change;
    // Events logged after the snapshot began may not be in it: they wait for the next commit.
    const mine = logged.filter((e) => e.model === now.name && e.version === now.version && e.timestamp < snapshotAt).sort((a, b) => a.timestamp - b.timestamp);
    const lastStage = [...mine].reverse().find((e) => e.kind === 'stage');
    const startStage = old ? old.currentStage : 'None';
    const endsRight = lastStage ? lastStage.stage === now.currentStage : mine.length > 0 && now.currentStage === startStage;
    const fromLog: AnnotatedEvent[] = [];
    // Each logged change names its own user; lines written before users were logged fall back to the files.
    const loggedUser = (e: LoggedRegistryEvent) => (e.changedBy !== undefined ? e.changedBy : now.changedBy);
    if (endsRight) {
      if (!old && !mine.some((e) => e.kind === 'registered')) fromLog.push({ kind: 'registered', model: now.name, version: now.version, runId: now.runId, reason: null, changedBy: now.changedBy, time: now.creationTimestamp });
      for (const e of mine) {
        if (e.kind === 'registered') {
          if (!old) fromLog.push({ kind: 'registered', model: now.name, version: now.version, runId: e.runId, reason: e.reason, changedBy: loggedUser(e), time: e.timestamp });
          continue;
        }
        let stage: TagStage;
        try {
          stage = stageToTag(e.stage!);
        } catch {
          continue;
        }
        fromLog.push({ kind: 'stage', model: now.name, version: now.version, stage, timestamp: e.timestamp, runId: e.runId, reason: e.reason, changedBy: loggedUser(e), time: e.timestamp });
      }
    }
    // Settled either way: the logged events became tags, or the files disagree with them and decide.
    for (const e of mine) used.add(e);
    events.push(...(endsRight ? fromLog : diffEvents(change)));
  }
  return { events: events.sort(byModelVersion), used };
}

/** The commit-message trailers that name a commit's registry events (spec/tags.md). */
export const EVENT_TRAILER = 'Mltrack-Registry-Event';

export function eventTrailers(events: readonly AnnotatedEvent[]): string[] {
  return [...new Set(events.map((e) => `${EVENT_TRAILER}: ${formatRegistryTag(e)}`))];
}

/** The tag names a commit message lists as its registry events, or null when it lists none (then the files decide). */
export function eventsInMessage(message: string): Set<string> | null {
  const names = [...message.matchAll(new RegExp(`^${EVENT_TRAILER}: (\\S+)$`, 'gm'))].map((m) => m[1]!).filter((n) => parseRegistryTag(n));
  return names.length ? new Set(names) : null;
}

/** Create the annotated tags for events that landed in `commit`; existing tags are left alone. Returns the names created. */
export async function createRegistryTags(repo: GitRepo, commit: string, events: AnnotatedEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const who = committerIdentity(repo.workdir ?? repo.gitdir);
  const created: string[] = [];
  for (const event of events) {
    const name = formatRegistryTag(event);
    const message = formatEventMessage({ event, runId: event.runId, reason: event.reason, commit, changedBy: event.changedBy, time: event.time });
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

/** The events one commit of the branch holds: the ones its message lists, else what its files show. */
async function eventsOfCommit(objects: ObjectReader, commit: string, before: string | null, after: string | null): Promise<AnnotatedEvent[]> {
  const fromFiles = await registryEventsBetween(objects, before, after);
  const listed = eventsInMessage((await objects.commit(commit)).message);
  if (!listed) return fromFiles;
  const runs = new Map((await versionChangesBetween(objects, before, after)).map((c) => [`${c.now.name}\u0000${c.now.version}`, c.now.runId]));
  return [...listed].map((name) => {
    const event = parseRegistryTag(name)!;
    return { ...event, runId: runs.get(`${event.model}\u0000${event.version}`) ?? null, reason: null, time: event.timestamp ?? null };
  });
}

/** Walk the branch's first-parent history: each commit that changed models/, with the events it holds. */
async function* registryCommits(repo: GitRepo, objects: ObjectReader, branchRef: string): AsyncGenerator<{ commit: string; events: AnnotatedEvent[] }> {
  const commits = (await git(repo, ['rev-list', '--first-parent', '--reverse', branchRef]).catch(() => '')).split('\n').filter(Boolean);
  let previous: string | null = null;
  let previousModels: string | null = null;
  for (const commit of commits) {
    const mlruns = await mlrunsOf(objects, commit);
    const models = mlruns ? ((await objects.entry(mlruns, MODELS_DIR))?.oid ?? null) : null;
    if (models !== previousModels) yield { commit, events: await eventsOfCommit(objects, commit, previous, mlruns) };
    previous = mlruns;
    previousModels = models;
  }
}

/** Tag every registry event on the branch's first-parent history that has no tag yet. */
export async function syncRegistryTags(repo: GitRepo, objects: ObjectReader, branchRef: string): Promise<string[]> {
  const existing = new Set(await listRegistryTagNames(repo));
  const created: string[] = [];
  for await (const { commit, events } of registryCommits(repo, objects, branchRef)) {
    const missing = events.filter((e) => !existing.has(formatRegistryTag(e)));
    for (const name of await createRegistryTags(repo, commit, missing)) {
      existing.add(name);
      created.push(name);
    }
  }
  return created;
}

/**
 * A pull moves the branch, then tags what arrived untagged. The marker is written before the branch
 * moves and removed once the tags are there, so a process killed in between leaves the tagging to
 * the next pull or commit (`finishRegistryTags` when the marker is there), not to chance.
 */
function pendingTagsPath(gitdir: string): string {
  return join(gitdir, 'mltrack', 'registry-tags-pending');
}

export function markRegistryTagsPending(gitdir: string): void {
  mkdirSync(dirname(pendingTagsPath(gitdir)), { recursive: true });
  writeFileSync(pendingTagsPath(gitdir), '');
}

/** Tag the branch's untagged registry changes and clear the marker; with `onlyIfPending`, only when a marker says a pull stopped first. */
export async function finishRegistryTags(repo: GitRepo, objects: ObjectReader, branchRef: string, onlyIfPending = false): Promise<string[]> {
  if (onlyIfPending && !existsSync(pendingTagsPath(repo.gitdir))) return [];
  const created = await syncRegistryTags(repo, objects, branchRef);
  rmSync(pendingTagsPath(repo.gitdir), { force: true });
  return created;
}

/** tag name -> the branch commit whose change it records: what a trusted tag must point at. */
export async function branchRegistryEvents(repo: GitRepo, objects: ObjectReader, branchRef: string): Promise<Map<string, string>> {
  const events = new Map<string, string>();
  for await (const { commit, events: list } of registryCommits(repo, objects, branchRef)) for (const e of list) events.set(formatRegistryTag(e), commit);
  return events;
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
  /** When the event happened (ms): the stage timestamp, else the annotation's time, else when it was tagged. */
  at: number;
}

function eventTime(event: RegistryEvent, message: string, tagged: number): number {
  if (event.timestamp !== undefined) return event.timestamp;
  try {
    return parseEventMessage(message).time ?? tagged;
  } catch {
    return tagged;
  }
}

/** Every registry tag with its annotation, in the order the events happened. */
export async function readRegistryTags(repo: GitRepo): Promise<TagRecord[]> {
  const sep = '\u001e';
  const out = await git(repo, ['for-each-ref', `--format=%(refname:strip=2)%1f%(taggername) %(taggeremail)%1f%(taggerdate:unix)%1f%(*objectname)%1f%(contents)${sep}`, 'refs/tags/mltrack/']).catch(() => '');
  const records: TagRecord[] = [];
  for (const chunk of out.split(sep)) {
    const [tag, tagger, time, commit, message] = chunk.replace(/^\n/, '').split('\u001f');
    if (!tag || message === undefined) continue;
    const event = parseRegistryTag(tag);
    if (event) records.push({ tag, event, tagger: tagger!.trim(), time: Number(time) * 1000, commit: commit!, message, at: eventTime(event, message, Number(time) * 1000) });
  }
  return records.sort((a, b) => a.at - b.at || (a.event.kind === 'registered' ? -1 : b.event.kind === 'registered' ? 1 : 0) || a.time - b.time);
}

export interface UntrustedTag {
  record: TagRecord;
  why: string;
}

/**
 * Split the registry tags into those that record a change on the tracking branch and those that do
 * not (spec/tags.md, "Trust"): a tag is trusted when the branch commit it points at holds its event
 * (listed in the commit's trailers, or shown by its files) and its time is not in the future.
 */
export async function partitionRegistryTags(repo: GitRepo, branchRef: string, now = Date.now(), label = branchRef.replace(/^refs\/heads\//, '')): Promise<{ trusted: TagRecord[]; untrusted: UntrustedTag[] }> {
  const records = await readRegistryTags(repo);
  const trusted: TagRecord[] = [];
  const untrusted: UntrustedTag[] = [];
  if (!records.length) return { trusted, untrusted };
  const onBranch = await branchRegistryEvents(repo, new ObjectReader(repo.gitdir), branchRef);
  // A clock a few minutes fast is not a forgery.
  const future = now + 10 * 60 * 1000;
  for (const record of records) {
    const holder = onBranch.get(record.tag);
    if (record.at > future) untrusted.push({ record, why: `its time ${new Date(record.at).toISOString()} is in the future` });
    else if (!holder) untrusted.push({ record, why: `no commit of ${label} holds this event` });
    else if (holder !== record.commit) untrusted.push({ record, why: `it points at ${record.commit.slice(0, 10)}, but the event is in ${holder.slice(0, 10)}` });
    else trusted.push(record);
  }
  return { trusted, untrusted };
}
