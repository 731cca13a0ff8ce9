/**
 * What every part of the FileStore shares: the tree's root, its reader and clock, where runs are
 * (cached by id) and the writes of metas and value files. One instance per FileStore.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunInfo } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { formatExperimentMeta, type ExperimentMeta } from '../format/experimentMeta.js';
import { pathToFileUri } from '../format/fileUri.js';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, META_FILE, TRASH_DIR } from '../format/layout.js';
import { formatRunMeta } from '../format/runMeta.js';
import { validateRunId } from '../format/validation.js';
import { writeAtomic } from './fsWrite.js';
import { keyPathError } from './keyRules.js';
import type { MlrunsReader, RunLocation } from './MlrunsReader.js';

export interface LocatedRun extends RunLocation {
  experimentId: string;
  info: RunInfo;
}

export class StoreCore {
  constructor(
    readonly root: string,
    readonly reader: MlrunsReader,
    readonly clock: () => number,
  ) {}

  requireRoot(): void {
    if (!existsSync(this.root)) {
      throw fail('NOT_FOUND', `No mlruns directory at ${this.root} (check --mlruns / MLFLOW_TRACKING_URI, or create one with mltrack init)`, { mlruns: this.root });
    }
  }

  /** Like MLflow: a missing root is created with the Default experiment; an existing one only gains `.trash/`. */
  ensureRoot(): void {
    if (!existsSync(this.root)) {
      mkdirSync(this.root, { recursive: true });
      this.writeExperimentMeta(DEFAULT_EXPERIMENT_ID, {
        experimentId: DEFAULT_EXPERIMENT_ID,
        name: DEFAULT_EXPERIMENT_NAME,
        artifactLocation: pathToFileUri(join(this.root, DEFAULT_EXPERIMENT_ID)),
        lifecycleStage: 'active',
        creationTime: this.clock(),
        lastUpdateTime: this.clock(),
      });
    }
    mkdirSync(join(this.root, TRASH_DIR), { recursive: true });
  }

  abs(rel: string): string {
    return join(this.root, rel);
  }

  writeExperimentMeta(dir: string, meta: ExperimentMeta): void {
    writeAtomic(join(this.abs(dir), META_FILE), formatExperimentMeta(meta));
  }


  readonly runCache = new Map<string, RunLocation & { experimentId: string }>();

  /** Parsed metas by run id, reused while meta.yaml's stat data is unchanged (every rewrite is a rename). */
  private readonly infoCache = new Map<string, { stamp: string; info: RunInfo }>();

  async locateRun(runId: string): Promise<LocatedRun> {
    validateRunId(runId);
    this.requireRoot();
    let location = this.runCache.get(runId);
    let stat = location ? statOrNull(join(this.abs(location.dir), META_FILE)) : null;
    if (!location || !stat) {
      location = (await this.reader.findRun(runId)) ?? undefined;
      if (!location) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
      this.runCache.set(runId, location);
      stat = statOrNull(join(this.abs(location.dir), META_FILE));
    }
    const stamp = stat ? `${stat.mtimeNs}:${stat.size}:${stat.ino}` : '';
    const cached = this.infoCache.get(runId);
    if (cached && cached.stamp === stamp) return { ...location, info: { ...cached.info } };
    const info = await this.reader.readRunInfo(location, location.experimentId);
    if (!info) {
      // The meta exists (findRun saw it) but names another experiment: MLflow's get_run says INVALID_STATE.
      if (existsSync(join(this.abs(location.dir), META_FILE))) {
        throw fail('INVALID_STATE', `Run '${runId}' metadata is in invalid state: its meta.yaml names an experiment other than ${location.experimentId}`, { runId });
      }
      throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    }
    // `runId` may be a unique prefix (MlrunsReader.findRun): the directory's name is the full id.
    const fullId = location.dir.slice(location.dir.lastIndexOf('/') + 1);
    if (info.runId !== fullId) throw fail('INVALID_STATE', `Run '${fullId}': its meta.yaml names run '${info.runId}'`, { runId: fullId });
    if (stamp) this.infoCache.set(runId, { stamp, info: { ...info } });
    return { ...location, info };
  }

  /** A run that may be written to: MLflow requires lifecycle_stage active (any status). */
  async activeRun(runId: string): Promise<LocatedRun> {
    const run = await this.locateRun(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw fail('NOT_ACTIVE', `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`, { runId });
    }
    return run;
  }

  writeRunMeta(runDir: string, info: RunInfo): void {
    writeAtomic(join(this.abs(runDir), META_FILE), formatRunMeta(info));
  }

  /** A value file (param, tag) written via a temp file in the owner directory, never inside the key folder. */
  writeValue(ownerDir: string, folder: string, key: string, value: string): void {
    const target = join(this.abs(ownerDir), folder, key);
    try {
      writeAtomic(target, value, this.abs(ownerDir));
    } catch (err) {
      throw keyPathError(err, key);
    }
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}
