/**
 * The registry's event log as git tags (spec/tags.md), defined once: one immutable annotated tag per
 * registration and per stage assignment.
 *
 *   mltrack/<model>@v<version>                         a version was registered
 *   mltrack/<model>#<stage>#v<version>#<timestamp>      a version entered a stage (none, staging,
 *                                                       production, archived) or was deleted
 *
 * `<model>` is the name with every byte outside [A-Za-z0-9_-] percent-encoded (UTF-8, upper-case
 * hex), so any model name, with spaces, unicode, `#` or `@`, becomes a legal ref and parses back.
 * `<timestamp>` is the version's `last_updated_timestamp` in the files: the same event gets the same
 * tag name in every clone.
 */
import { fail } from './errors.js';

export const TAG_PREFIX = 'mltrack/';

/** Git keeps a ref as a file: stay well inside common 255-byte file-name limits. */
const MAX_ENCODED_NAME = 180;

export type RegistryEventKind = 'registered' | 'stage';
/** Stage names as they appear in tags (lower case); `deleted` is the soft delete. */
export type TagStage = 'none' | 'staging' | 'production' | 'archived' | 'deleted';

export interface RegistryEvent {
  kind: RegistryEventKind;
  model: string;
  version: number;
  /** For stage events. */
  stage?: TagStage;
  /** For stage events: the version's last_updated_timestamp when it entered the stage. */
  timestamp?: number;
}

export function encodeModelName(name: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && /[A-Za-z0-9_-]/.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function decodeModelName(encoded: string): string {
  if (!/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/.test(encoded)) throw fail('INVALID_NAME', `Not an encoded model name: '${encoded}'`);
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(encoded.charCodeAt(i));
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}

/** Refuse, before anything is written, a model name no tag could hold. */
export function assertTaggableModelName(name: string): void {
  const encoded = encodeModelName(name);
  if (encoded.length > MAX_ENCODED_NAME) {
    throw fail('INVALID_NAME', `Model name '${name.slice(0, 40)}…' is too long for a git tag (${encoded.length} bytes once encoded, at most ${MAX_ENCODED_NAME}); choose a shorter name`, { name });
  }
}

const STAGE_TO_TAG: Record<string, TagStage> = { None: 'none', Staging: 'staging', Production: 'production', Archived: 'archived', Deleted_Internal: 'deleted' };
const TAG_TO_STAGE: Record<TagStage, string> = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived', deleted: 'Deleted_Internal' };

export function stageToTag(stage: string): TagStage {
  const tag = STAGE_TO_TAG[stage];
  if (!tag) throw fail('INVALID_ARGUMENT', `Stage '${stage}' has no tag form`);
  return tag;
}

export function tagToStage(stage: TagStage): string {
  return TAG_TO_STAGE[stage];
}

/** The tag name (without `refs/tags/`) for an event. */
export function formatRegistryTag(event: RegistryEvent): string {
  const model = encodeModelName(event.model);
  if (event.kind === 'registered') return `${TAG_PREFIX}${model}@v${event.version}`;
  return `${TAG_PREFIX}${model}#${event.stage}#v${event.version}#${event.timestamp}`;
}

const REGISTERED = /^mltrack\/((?:[A-Za-z0-9_-]|%[0-9A-F]{2})+)@v([1-9]\d*)$/;
const STAGE = /^mltrack\/((?:[A-Za-z0-9_-]|%[0-9A-F]{2})+)#(none|staging|production|archived|deleted)#v([1-9]\d*)#(\d+)$/;

/** The event a tag name stands for, or null for any other tag. */
export function parseRegistryTag(tag: string): RegistryEvent | null {
  const name = tag.startsWith('refs/tags/') ? tag.slice('refs/tags/'.length) : tag;
  const registered = REGISTERED.exec(name);
  if (registered) return { kind: 'registered', model: decodeModelName(registered[1]!), version: Number(registered[2]) };
  const stage = STAGE.exec(name);
  if (stage) {
    return { kind: 'stage', model: decodeModelName(stage[1]!), stage: stage[2] as TagStage, version: Number(stage[3]), timestamp: Number(stage[4]) };
  }
  return null;
}

/** Version and registered-model tag naming the user of the last registry change (absent: not known). */
export const CHANGED_BY_TAG = 'mltrack.changed_by';

/** What the annotation of a registry tag says, beyond the tag name. */
export interface EventAnnotation {
  event: RegistryEvent;
  runId: string | null;
  /** Why, in the words of whoever made the change (the mltrack.reason version tag), if given. */
  reason: string | null;
  /** The tracking-branch commit that holds the change. */
  commit: string;
  /** Who made the change, when a server with users made it (the mltrack.changed_by version tag). */
  changedBy?: string | null;
  /** When the change was made (ms since the epoch), if known. */
  time?: number | null;
}

/** The annotated tag message: a title line, then `key: value` lines a program can read back. */
export function formatEventMessage(a: EventAnnotation): string {
  const e = a.event;
  const title = e.kind === 'registered' ? `Register ${e.model} version ${e.version}` : `Move ${e.model} version ${e.version} to ${tagToStage(e.stage!)}`;
  const lines = [title, '', `model: ${JSON.stringify(e.model)}`, `version: ${e.version}`, `event: ${e.kind}`];
  if (e.kind === 'stage') lines.push(`stage: ${tagToStage(e.stage!)}`, `timestamp: ${e.timestamp}`);
  lines.push(`run_id: ${a.runId ?? ''}`, `commit: ${a.commit}`);
  if (a.time !== undefined && a.time !== null) lines.push(`time: ${a.time}`);
  if (a.reason) lines.push(`reason: ${JSON.stringify(a.reason)}`);
  if (a.changedBy) lines.push(`changed_by: ${JSON.stringify(a.changedBy)}`);
  return lines.join('\n') + '\n';
}

export function parseEventMessage(message: string): { runId: string | null; reason: string | null; commit: string | null; time: number | null; changedBy?: string | null } {
  const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(message)?.[1] ?? null;
  const reason = field('reason');
  const changedBy = field('changed_by');
  const time = Number(field('time') ?? NaN);
  return {
    runId: field('run_id') || null,
    reason: reason ? (JSON.parse(reason) as string) : null,
    commit: field('commit'),
    time: Number.isSafeInteger(time) ? time : null,
    changedBy: changedBy ? (JSON.parse(changedBy) as string) : null,
  };
}
