/**
 * MLflow's model registry FileStore over `<mlruns>/models/` (spec section 7): registered models,
 * versions (numbers never reused), stages with archive_existing_versions, soft delete, aliases,
 * descriptions and tags. Reads go through RegistryReader; every write validates first and replaces
 * meta.yaml atomically.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { META_FILE, MODELS_DIR, TAGS_DIR } from '../format/layout.js';
import { CHANGED_BY_TAG } from '../format/registryTags.js';
import {
  ALIASES_DIR, STAGE_DELETED_INTERNAL, VERSION_DIR_PREFIX, canonicalStage, formatModelVersionMeta, formatRegisteredModelMeta,
  type ModelStage, type ModelVersionMeta, type RegisteredModelMeta,
} from '../format/registryMeta.js';
import { searchModelVersions, searchRegisteredModels, type SearchOptions } from '../format/search/index.js';
import { LIMITS, validateAlias, validateKey, rejectGitUnsafeName, validateModelName, validateValueLength } from '../format/validation.js';
import { writeAtomic } from './fsWrite.js';
import { FsTreeReader } from './FsTreeReader.js';
import { RegistryReader, type ModelVersion, type RegisteredModel } from './RegistryReader.js';
import { appendRegistryEvent, type LoggedRegistryEvent } from './registryEventLog.js';

export interface CreateVersionInput {
  source: string;
  runId?: string | null;
  runLink?: string | null;
  description?: string | null;
  userId?: string | null;
  tags?: Record<string, string>;
}

/** `runs:/<run_id>/<path>` names the run a version comes from. */
export function runIdFromSource(source: string): string | null {
  const match = /^runs:\/([^/]+)(?:\/.*)?$/.exec(source);
  return match ? match[1]! : null;
}

export class RegistryStore {
  readonly root: string;
  readonly reader: RegistryReader;
  private readonly clock: () => number;
  private readonly eventLog: string | null;
  private readonly user: string | null;

  /**
   * `eventLog`: where registrations and stage changes are recorded as they happen
   * (src/store/registryEventLog.ts). `user`: who makes the changes (mltrack server's authenticated
   * user), kept as the `mltrack.changed_by` tag of every model and version a change touches and in
   * each logged event; null removes that tag, so it never names someone for a change they did not make.
   */
  constructor(mlrunsRoot: string, options: { clock?: () => number; eventLog?: string | null; user?: string | null } = {}) {
    this.root = resolve(mlrunsRoot);
    this.reader = new RegistryReader(new FsTreeReader(this.root));
    this.clock = options.clock ?? Date.now;
    this.eventLog = options.eventLog ?? null;
    this.user = options.user ?? null;
  }

  /** The same registry, its changes made by `user`. */
  as(user: string | null): RegistryStore {
    return new RegistryStore(this.root, { clock: this.clock, eventLog: this.eventLog, user });
  }

  private logEvent(event: Omit<LoggedRegistryEvent, 'changedBy'>): void {
    if (this.eventLog) appendRegistryEvent(this.eventLog, { ...event, changedBy: this.user });
  }

  /** Records who made the change in a model or version directory (no user: the tag goes). */
  private stampUser(ownerDir: string): void {
    if (this.user) this.writeTag(ownerDir, CHANGED_BY_TAG, this.user);
    else rmSync(join(ownerDir, TAGS_DIR, CHANGED_BY_TAG), { force: true });
  }

  private modelDir(name: string): string {
    return join(this.root, MODELS_DIR, name);
  }

  private versionDir(name: string, version: number): string {
    return join(this.modelDir(name), `${VERSION_DIR_PREFIX}${version}`);
  }

  private writeModelMeta(model: RegisteredModel): void {
    const meta: RegisteredModelMeta = {
      name: model.name,
      creationTimestamp: model.creationTimestamp,
      lastUpdatedTimestamp: model.lastUpdatedTimestamp,
      description: model.description,
      aliasesSnapshot: model.aliases,
    };
    writeAtomic(join(this.modelDir(model.name), META_FILE), formatRegisteredModelMeta(meta));
  }

  private writeVersionMeta(mv: ModelVersion): void {
    const { tags: _tags, aliases, ...rest } = mv;
    const meta: ModelVersionMeta = { ...rest, aliasesSnapshot: aliases };
    writeAtomic(join(this.versionDir(mv.name, mv.version), META_FILE), formatModelVersionMeta(meta));
  }

  private writeTag(ownerDir: string, key: string, value: string): void {
    writeAtomic(join(ownerDir, TAGS_DIR, key), value, ownerDir);
  }

  private async touchModel(name: string, now: number): Promise<void> {
    const model = await this.reader.getRegisteredModel(name);
    this.stampUser(this.modelDir(name));
    this.writeModelMeta({ ...model, lastUpdatedTimestamp: now });
  }

  // ------------------------------------------------------------ registered models

  async createRegisteredModel(name: string, options: { description?: string | null; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    validateModelName(name);
    rejectGitUnsafeName('registered model name', name);
    const tags = options.tags ?? {};
    for (const [key, value] of Object.entries(tags)) checkTag('registered model tag', key, value);
    if (existsSync(this.modelDir(name))) throw fail('ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`, { name });
    const now = this.clock();
    mkdirSync(this.modelDir(name), { recursive: true });
    try {
      for (const [key, value] of Object.entries(tags)) this.writeTag(this.modelDir(name), key, value);
      this.stampUser(this.modelDir(name));
      this.writeModelMeta({ name, creationTimestamp: now, lastUpdatedTimestamp: now, description: options.description ?? null, tags, aliases: {}, latestVersions: [] });
    } catch (err) {
      // A model folder without its meta.yaml would block the name: a failed create leaves nothing.
      rmSync(this.modelDir(name), { recursive: true, force: true });
      throw err;
    }
    return this.reader.getRegisteredModel(name);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.reader.getRegisteredModel(name);
  }

  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    const model = await this.reader.getRegisteredModel(name);
    this.stampUser(this.modelDir(name));
    this.writeModelMeta({ ...model, description, lastUpdatedTimestamp: this.clock() });
    return this.reader.getRegisteredModel(name);
  }

  /**
   * Moves the model to a new name, versions with it. Unlike MLflow's FileStore (which drops them),
   * tags and aliases move too: losing them on a rename is never what anyone wants.
   */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(newName);
    rejectGitUnsafeName('registered model name', newName);
    const model = await this.reader.getRegisteredModel(name);
    if (existsSync(this.modelDir(newName))) throw fail('ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`, { name: newName });
    const versions = await this.allVersions(name);
    renameSync(this.modelDir(name), this.modelDir(newName));
    const now = this.clock();
    this.stampUser(this.modelDir(newName));
    this.writeModelMeta({ ...model, name: newName, lastUpdatedTimestamp: now });
    for (const mv of versions) {
      this.stampUser(this.versionDir(newName, mv.version));
      this.writeVersionMeta({ ...mv, name: newName, lastUpdatedTimestamp: now });
    }
    return this.reader.getRegisteredModel(newName);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.reader.getRegisteredModel(name);
    rmSync(this.modelDir(name), { recursive: true, force: true });
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    checkTag('registered model tag', key, value);
    await this.reader.getRegisteredModel(name);
    this.writeTag(this.modelDir(name), key, value);
    await this.touchModel(name, this.clock());
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateKey('registered model tag', key);
    await this.reader.getRegisteredModel(name);
    const path = join(this.modelDir(name), TAGS_DIR, key);
    if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} on registered model ${name}`, { name, key });
    rmSync(path);
    await this.touchModel(name, this.clock());
  }

  async searchRegisteredModels(options: SearchOptions = {}): Promise<Page<RegisteredModel>> {
    return searchRegisteredModels(await this.reader.listRegisteredModels(), options);
  }

  // ------------------------------------------------------------ versions

  /** Every version directory, soft-deleted ones included (they keep their number forever). */
  private async allVersions(name: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = [];
    for (const dir of await this.reader.listModelVersionDirs(name)) {
      const n = Number(dir.slice(VERSION_DIR_PREFIX.length));
      if (!Number.isSafeInteger(n)) continue;
      const mv = await this.reader.getModelVersion(name, n).catch((err) => {
        if ((err as { code?: string }).code === 'NOT_FOUND') return null;
        throw err;
      });
      if (mv) out.push(mv);
    }
    return out;
  }

  /** The next number: one past the highest version directory, deleted ones included (never reused). */
  private nextVersion(name: string): number {
    let max = 0;
    for (const entry of readdirSync(this.modelDir(name), { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith(VERSION_DIR_PREFIX)) continue;
      const n = Number(entry.name.slice(VERSION_DIR_PREFIX.length));
      if (Number.isSafeInteger(n) && n > max) max = n;
    }
    return max + 1;
  }

  async createModelVersion(name: string, input: CreateVersionInput): Promise<ModelVersion> {
    if (!input.source) throw fail('INVALID_ARGUMENT', 'A model version needs a source (runs:/<run_id>/<path> or a path)');
    const tags = input.tags ?? {};
    for (const [key, value] of Object.entries(tags)) checkTag('model version tag', key, value);
    await this.reader.getRegisteredModel(name);
    const now = this.clock();
    let version = this.nextVersion(name);
    // Two writers racing for a number: the directory creation decides, the loser takes the next one.
    for (;;) {
      try {
        mkdirSync(this.versionDir(name, version));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        version++;
      }
    }
    const dir = this.versionDir(name, version);
    for (const [key, value] of Object.entries(tags)) this.writeTag(dir, key, value);
    this.stampUser(dir);
    this.writeVersionMeta({
      name,
      version,
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      currentStage: 'None',
      description: input.description ?? null,
      userId: input.userId ?? this.user,
      source: input.source,
      runId: input.runId ?? runIdFromSource(input.source),
      runLink: input.runLink ?? null,
      status: 'READY',
      statusMessage: null,
      storageLocation: input.source,
      tags,
      aliases: [],
    });
    await this.touchModel(name, now);
    this.logEvent({ kind: 'registered', model: name, version, timestamp: now, reason: null, runId: input.runId ?? runIdFromSource(input.source) });
    return this.reader.getModelVersion(name, version);
  }

  getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    return this.reader.getModelVersion(name, version);
  }

  async updateModelVersion(name: string, version: number, description: string | null): Promise<ModelVersion> {
    const mv = await this.reader.getModelVersion(name, version);
    this.stampUser(this.versionDir(name, mv.version));
    this.writeVersionMeta({ ...mv, description, lastUpdatedTimestamp: this.clock() });
    return this.reader.getModelVersion(name, version);
  }

  /**
   * MLflow's transition_model_version_stage. With archiveExisting, every other version in the target
   * stage (Staging or Production only) becomes Archived with the same timestamp. Returns every
   * version whose stage changed, the target first.
   */
  async transitionModelVersionStage(name: string, version: number, stage: string, archiveExisting = false, options: { reason?: string | null } = {}): Promise<ModelVersion[]> {
    const target = canonicalStage(stage);
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw fail('INVALID_ARGUMENT', `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging and Production.`, { stage: target });
    }
    const mv = await this.reader.getModelVersion(name, version);
    const now = this.clock();
    const changed: ModelVersion[] = [];
    if (archiveExisting) {
      for (const other of await this.allVersions(name)) {
        if (other.version === mv.version || other.currentStage !== target) continue;
        const archived = { ...other, currentStage: 'Archived' as ModelStage, lastUpdatedTimestamp: now };
        this.stampUser(this.versionDir(name, other.version));
        this.writeVersionMeta(archived);
        changed.push(archived);
      }
    }
    const moved = { ...mv, currentStage: target, lastUpdatedTimestamp: now };
    this.stampUser(this.versionDir(name, mv.version));
    this.writeVersionMeta(moved);
    await this.touchModel(name, now);
    this.logEvent({ kind: 'stage', model: name, version: mv.version, stage: target, timestamp: now, reason: options.reason ?? null, runId: mv.runId });
    for (const other of changed) this.logEvent({ kind: 'stage', model: name, version: other.version, stage: 'Archived', timestamp: now, reason: null, runId: other.runId });
    return [moved, ...changed];
  }

  /** Soft delete, as MLflow: the directory stays (its number is never reused), its aliases go. */
  async deleteModelVersion(name: string, version: number): Promise<void> {
    const mv = await this.reader.getModelVersion(name, version);
    const now = this.clock();
    for (const alias of mv.aliases) rmSync(join(this.modelDir(name), ALIASES_DIR, alias), { force: true });
    this.stampUser(this.versionDir(name, mv.version));
    this.writeVersionMeta({ ...mv, currentStage: STAGE_DELETED_INTERNAL, aliases: [], lastUpdatedTimestamp: now });
    this.logEvent({ kind: 'stage', model: name, version: mv.version, stage: STAGE_DELETED_INTERNAL, timestamp: now, reason: null, runId: mv.runId });
    await this.touchModel(name, now);
  }

  async setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    checkTag('model version tag', key, value);
    await this.reader.getModelVersion(name, version);
    this.writeTag(this.versionDir(name, version), key, value);
    if (key !== CHANGED_BY_TAG) this.stampUser(this.versionDir(name, version));
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    validateKey('model version tag', key);
    await this.reader.getModelVersion(name, version);
    const path = join(this.versionDir(name, version), TAGS_DIR, key);
    if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} on model version ${name} ${version}`, { name, version, key });
    rmSync(path);
    if (key !== CHANGED_BY_TAG) this.stampUser(this.versionDir(name, version));
  }

  async searchModelVersions(options: SearchOptions = {}): Promise<Page<ModelVersion>> {
    const versions = (await this.reader.listModelVersions()).map((mv) => ({ ...mv, source: mv.source ?? '', currentStage: mv.currentStage ?? '' }));
    return searchModelVersions(versions, options);
  }

  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return this.reader.getLatestVersions(name, stages);
  }

  // ------------------------------------------------------------ aliases

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    validateAlias(alias);
    await this.reader.getModelVersion(name, version);
    writeAtomic(join(this.modelDir(name), ALIASES_DIR, alias), String(version), this.modelDir(name));
    this.stampUser(this.versionDir(name, version));
    await this.touchModel(name, this.clock());
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    await this.reader.getRegisteredModel(name);
    const path = join(this.modelDir(name), ALIASES_DIR, alias);
    if (!existsSync(path)) throw fail('NOT_FOUND', `Registered model alias ${alias} not found.`, { name, alias });
    rmSync(path);
    await this.touchModel(name, this.clock());
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.reader.getModelVersionByAlias(name, alias);
  }
}

function checkTag(kind: 'registered model tag' | 'model version tag', key: string, value: string): void {
  validateKey(kind, key);
  validateValueLength(kind, key, value, LIMITS.registryTagValue);
}
