/** Experiment writes with MLflow's rules: create, rename, delete (into `.trash/`), restore, tags. */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Experiment } from '../format/entities.js';
import { fail } from '../format/errors.js';
import type { ExperimentMeta } from '../format/experimentMeta.js';
import { pathToFileUri } from '../format/fileUri.js';
import { newExperimentId } from '../format/ids.js';
import { DEFAULT_EXPERIMENT_ID, TAGS_DIR, TRASH_DIR } from '../format/layout.js';
import { LIMITS, validateExperimentId, validateExperimentName, validateKey, validateValueLength } from '../format/validation.js';
import { checkKeyClashes } from './keyRules.js';
import type { StoreCore } from './StoreCore.js';

export async function createExperiment(core: StoreCore, name: string, options: { artifactLocation?: string; artifactRoot?: string; tags?: Record<string, string> } = {}): Promise<string> {
  validateExperimentName(name);
  core.ensureRoot();
  const tags = options.tags ?? {};
  for (const key of Object.keys(tags)) validateKey('experiment tag', key);
  checkKeyClashes(null, Object.keys(tags));
  const existing = (await core.reader.listExperiments('ALL')).find((e) => e.experiment.name === name);
  if (existing) {
    const state = existing.experiment.lifecycleStage === 'deleted' ? ' in deleted state' : '';
    throw fail('ALREADY_EXISTS', `Experiment '${name}' already exists${state}.`, { name });
  }
  let id = newExperimentId();
  while (existsSync(core.abs(id)) || existsSync(core.abs(join(TRASH_DIR, id)))) id = newExperimentId();
  const now = core.clock();
  const location = options.artifactLocation
    ? resolveArtifactLocation(options.artifactLocation)
    : pathToFileUri(options.artifactRoot ? join(resolve(options.artifactRoot), id) : core.abs(id));
  try {
    mkdirSync(core.abs(id), { recursive: true });
    for (const [key, value] of Object.entries(tags)) core.writeValue(id, TAGS_DIR, key, value);
    // meta.yaml last: until it exists, readers skip the directory.
    core.writeExperimentMeta(id, { experimentId: id, name, artifactLocation: location, lifecycleStage: 'active', creationTime: now, lastUpdateTime: now });
  } catch (err) {
    // An experiment that could not be written whole leaves no folder behind (the id is new: nothing else is in it).
    rmSync(core.abs(id), { recursive: true, force: true });
    throw err;
  }
  return id;
}

async function activeExperimentDir(core: StoreCore, experimentId: string, action: string): Promise<{ dir: string; experiment: Experiment }> {
  validateExperimentId(experimentId);
  core.requireRoot();
  const found = await core.reader.findExperiment(experimentId);
  if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
  if (found.inTrash || found.experiment.lifecycleStage !== 'active') {
    throw fail('NOT_ACTIVE', `Cannot ${action} experiment ${experimentId}: it is not active (lifecycle_stage '${found.experiment.lifecycleStage}')`, { experimentId });
  }
  return { dir: found.dir, experiment: found.experiment };
}

export async function renameExperiment(core: StoreCore, experimentId: string, newName: string): Promise<void> {
  validateExperimentName(newName);
  const { dir, experiment } = await activeExperimentDir(core, experimentId, 'rename');
  if (experiment.name === newName) return;
  if ((await core.reader.listExperiments('ALL')).some((e) => e.experiment.name === newName)) {
    throw fail('ALREADY_EXISTS', `Experiment '${newName}' already exists.`, { name: newName });
  }
  core.writeExperimentMeta(dir, { ...stripTags(experiment), name: newName, lastUpdateTime: core.clock() });
}

/** Marks the experiment and its active runs deleted, then moves it into `.trash/`. The Default experiment stays. */
export async function deleteExperiment(core: StoreCore, experimentId: string): Promise<void> {
  if (experimentId === DEFAULT_EXPERIMENT_ID) throw fail('INVALID_ARGUMENT', 'Cannot delete the Default experiment (id 0): it is reserved.');
  const { dir, experiment } = await activeExperimentDir(core, experimentId, 'delete');
  const now = core.clock();
  for (const location of await core.reader.listRunDirs(dir)) {
    const info = await core.reader.readRunInfoOrSkip(location, experimentId);
    if (info && info.lifecycleStage === 'active') core.writeRunMeta(location.dir, { ...info, lifecycleStage: 'deleted', deletedTime: now });
  }
  core.writeExperimentMeta(dir, { ...stripTags(experiment), lifecycleStage: 'deleted', lastUpdateTime: now });
  mkdirSync(core.abs(TRASH_DIR), { recursive: true });
  renameSync(core.abs(dir), core.abs(join(TRASH_DIR, experimentId)));
  core.runCache.clear();
}

export async function restoreExperiment(core: StoreCore, experimentId: string): Promise<void> {
  validateExperimentId(experimentId);
  core.requireRoot();
  const found = await core.reader.findExperiment(experimentId);
  if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
  if (!found.inTrash) throw fail('INVALID_STATE', `Cannot restore experiment ${experimentId}: it is not deleted`, { experimentId });
  if (existsSync(core.abs(experimentId))) throw fail('ALREADY_EXISTS', `Cannot restore experiment ${experimentId}: an active experiment directory with that id exists`);
  const active = await core.reader.listExperiments('ACTIVE_ONLY');
  if (active.some((e) => e.experiment.name === found.experiment.name)) {
    throw fail('ALREADY_EXISTS', `Cannot restore experiment ${experimentId}: an active experiment is named '${found.experiment.name}'`);
  }
  renameSync(core.abs(found.dir), core.abs(experimentId));
  core.runCache.clear();
  const now = core.clock();
  core.writeExperimentMeta(experimentId, { ...stripTags(found.experiment), lifecycleStage: 'active', lastUpdateTime: now });
  for (const location of await core.reader.listRunDirs(experimentId)) {
    const info = await core.reader.readRunInfoOrSkip(location, experimentId);
    if (info && info.lifecycleStage === 'deleted') {
      const { deletedTime: _dropped, ...rest } = info;
      core.writeRunMeta(location.dir, { ...rest, lifecycleStage: 'active' });
    }
  }
}

export async function setExperimentTag(core: StoreCore, experimentId: string, key: string, value: string): Promise<void> {
  validateKey('experiment tag', key);
  validateValueLength('experiment tag', key, value, LIMITS.experimentTagValue);
  const { dir } = await activeExperimentDir(core, experimentId, 'set a tag on');
  core.writeValue(dir, TAGS_DIR, key, value);
}

export async function deleteExperimentTag(core: StoreCore, experimentId: string, key: string): Promise<void> {
  validateKey('experiment tag', key);
  const { dir } = await activeExperimentDir(core, experimentId, 'delete a tag of');
  const path = join(core.abs(dir), TAGS_DIR, key);
  if (!existsSync(path)) throw fail('NOT_FOUND', `No tag with name: ${key} in experiment with id ${experimentId}`, { key });
  rmSync(path);
}

function stripTags(experiment: Experiment): ExperimentMeta {
  const { tags: _tags, ...meta } = experiment;
  return meta;
}

/** A relative artifact location given at creation is made absolute, as MLflow does. */
function resolveArtifactLocation(location: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !/^[a-zA-Z]:[\\/]/.test(location)) return location;
  return pathToFileUri(resolve(location));
}
