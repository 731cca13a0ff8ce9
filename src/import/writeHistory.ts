/**
 * Writes an imported history as an mlruns tree MLflow's file stores read back (spec sections 3-7),
 * with the format layer's codecs. Every file is written only when it differs (TreeWriter), and a
 * meta.yaml goes last in its folder, since readers skip a folder until its meta.yaml exists.
 */
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { datasetId, formatDatasetMeta, formatInputMeta, inputId } from '../format/datasetMeta.js';
import { formatExperimentMeta } from '../format/experimentMeta.js';
import { pathToFileUri } from '../format/fileUri.js';
import { ARTIFACTS_DIR, DATASETS_DIR, INPUTS_DIR, META_FILE, METRICS_DIR, MODELS_DIR, OUTPUTS_DIR, PARAMS_DIR, RUN_SUBDIRS, TAGS_DIR, TRASH_DIR, joinPath } from '../format/layout.js';
import { formatMetricLine } from '../format/metricFile.js';
import { pyFloatRepr } from '../format/pyFloat.js';
import { ALIASES_DIR, STAGE_DELETED_INTERNAL, VERSION_DIR_PREFIX, formatModelVersionMeta, formatRegisteredModelMeta } from '../format/registryMeta.js';
import { formatRunMeta } from '../format/runMeta.js';
import { dumpYaml } from '../format/yaml.js';
import { localArtifactPath, moveUnder, type Rebase } from './artifactLocations.js';
import type { ArtifactsFrom, ImportedHistory, ImportedLoggedModel, ImportedRun, Omission } from './history.js';
import { ImportManifest } from './importManifest.js';
import { TreeWriter } from './TreeWriter.js';

export type ArtifactMode = 'copy' | 'link' | 'keep';

export interface WriteOptions {
  mlruns: string;
  artifacts: ArtifactMode;
  rebases: Rebase[];
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
  /** What the last import from this source wrote, so only its keys are pruned; none: prune nothing. */
  manifest?: ImportManifest;
}

export interface ImportCounts {
  experiments: number;
  runs: number;
  params: number;
  tags: number;
  metricValues: number;
  datasetInputs: number;
  loggedModels: number;
  registeredModels: number;
  modelVersions: number;
  artifactFiles: number;
  artifactBytes: number;
}

export interface WriteResult {
  counts: ImportCounts;
  filesWritten: number;
  bytesWritten: number;
  changedPaths: string[];
  omitted: Omission[];
}

/** Files under `root`, never following a link out of it: the walk stays inside the recorded artifact root. */
function walkArtifacts(root: string, skipped: (path: string, why: string) => void): { abs: string; rel: string }[] {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    return []; // MLflow lists a missing folder as empty
  }
  const out: { abs: string; rel: string }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) skipped(abs, 'a symbolic link: not followed, the import reads only inside the recorded artifact root');
      else if (st.isDirectory()) walk(abs, childRel);
      else if (st.isFile() && realpathSync(abs).startsWith(real + sep)) out.push({ abs, rel: childRel });
      else skipped(abs, 'not a regular file');
    }
  };
  walk(real, '');
  return out;
}

export function writeHistory(history: ImportedHistory, options: WriteOptions): WriteResult {
  const w = new TreeWriter(options.mlruns, options.dryRun);
  const manifest = options.manifest ?? ImportManifest.load(null, '');
  /** A folder of key files as the source has it: written where they differ, removed where the source dropped them. */
  const keyFolder = (folder: string, values: Record<string, string>) => {
    for (const [key, value] of Object.entries(values)) w.put(joinPath(folder, key), value);
    w.prune(folder, Object.keys(values), (key) => manifest.owned(folder, key));
    manifest.record(folder, Object.keys(values));
  };
  const counts: ImportCounts = { experiments: 0, runs: 0, params: 0, tags: 0, metricValues: 0, datasetInputs: 0, loggedModels: 0, registeredModels: 0, modelVersions: 0, artifactFiles: 0, artifactBytes: 0 };
  const omitted: Omission[] = [...history.omitted];
  const skippedFiles: string[] = [];
  const unreachable: string[] = [];
  const danglingAliases: string[] = [];
  /** Old artifact roots -> new, so registry sources that point into a run or model follow it. */
  const moved: { from: string; to: string }[] = [];
  const total = history.experiments.reduce((n, e) => n + e.runs.length + e.loggedModels.length, 0) + history.registeredModels.length;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  /** `local`: a folder the files are in already, or a dry run's listing of them; else the recorded URI is read. */
  const copyArtifacts = (recorded: string, local: ArtifactsFrom | undefined, targetDir: string) => {
    if (Array.isArray(local)) {
      for (const file of local) {
        counts.artifactFiles++;
        counts.artifactBytes += file.size;
        w.wouldCopy(joinPath(targetDir, file.path), file.size);
      }
      return;
    }
    const from = local ?? localArtifactPath(recorded, options.rebases);
    if (from === null) {
      if (recorded) unreachable.push(recorded);
      return;
    }
    for (const file of walkArtifacts(from, (p) => skippedFiles.push(p))) {
      const size = lstatSync(file.abs).size;
      counts.artifactFiles++;
      counts.artifactBytes += size;
      w.copy(file.abs, joinPath(targetDir, file.rel), options.artifacts === 'link' ? 'link' : 'copy');
    }
  };

  const location = (recorded: string, inTree: string): string => {
    if (options.artifacts === 'keep') {
      const local = localArtifactPath(recorded, options.rebases);
      return local && options.rebases.length ? pathToFileUri(local) : recorded;
    }
    return pathToFileUri(join(options.mlruns, inTree));
  };

  for (const { experiment, runs, loggedModels } of history.experiments) {
    const id = experiment.experimentId;
    const expDir = experiment.lifecycleStage === 'deleted' ? joinPath(TRASH_DIR, id) : id;
    // Deleted or restored in the source since the last import: the folder moves, as MLflow moves it.
    w.move(experiment.lifecycleStage === 'deleted' ? id : joinPath(TRASH_DIR, id), expDir);
    const expLocation = location(experiment.artifactLocation, id);
    counts.experiments++;
    w.dir(expDir);
    keyFolder(joinPath(expDir, TAGS_DIR), experiment.tags);
    counts.tags += Object.keys(experiment.tags).length;

    for (const run of runs) {
      writeRun(run, expDir, expLocation);
      tick();
    }
    for (const model of loggedModels) {
      writeLoggedModel(model, expDir, expLocation);
      tick();
    }
    w.put(joinPath(expDir, META_FILE), formatExperimentMeta({ ...experiment, artifactLocation: expLocation }));
  }

  function writeRun(run: ImportedRun, expDir: string, expLocation: string): void {
    const runDir = joinPath(expDir, run.info.runId);
    const artifactUri = options.artifacts === 'keep' ? location(run.info.artifactUri, '') : `${expLocation}/${run.info.runId}/${ARTIFACTS_DIR}`;
    counts.runs++;
    for (const sub of RUN_SUBDIRS) w.dir(joinPath(runDir, sub));
    keyFolder(joinPath(runDir, PARAMS_DIR), run.params);
    keyFolder(joinPath(runDir, TAGS_DIR), run.tags);
    counts.params += Object.keys(run.params).length;
    counts.tags += Object.keys(run.tags).length;
    for (const [key, rows] of Object.entries(run.metrics())) {
      w.put(joinPath(runDir, METRICS_DIR, key), rows.map(formatMetricLine).join(''));
      counts.metricValues += rows.length;
    }
    for (const input of run.datasetInputs) {
      const dsId = datasetId(input.dataset.name, input.dataset.digest);
      w.put(joinPath(expDir, DATASETS_DIR, dsId, META_FILE), formatDatasetMeta(input.dataset));
      w.put(joinPath(runDir, INPUTS_DIR, inputId(dsId, run.info.runId), META_FILE), formatInputMeta({ sourceId: dsId, sourceType: 'DATASET', tags: input.tags }));
      counts.datasetInputs++;
    }
    for (const out of run.modelOutputs) {
      w.put(joinPath(runDir, OUTPUTS_DIR, out.modelId, META_FILE), dumpYaml({ destination_id: out.modelId, destination_type: 'MODEL_OUTPUT', source_id: out.modelId, source_type: 'RUN_OUTPUT', step: out.step, tags: {} }));
    }
    for (const modelId of run.modelInputs) {
      w.put(joinPath(runDir, INPUTS_DIR, inputId(modelId, run.info.runId), META_FILE), formatInputMeta({ sourceId: modelId, sourceType: 'MODEL', tags: {} }));
    }
    if (options.artifacts !== 'keep') {
      copyArtifacts(run.info.artifactUri, run.artifactsFrom, joinPath(runDir, ARTIFACTS_DIR));
      moved.push({ from: run.info.artifactUri, to: artifactUri });
    }
    w.put(joinPath(runDir, META_FILE), formatRunMeta({ ...run.info, artifactUri }));
  }

  function writeLoggedModel(model: ImportedLoggedModel, expDir: string, expLocation: string): void {
    const dir = joinPath(expDir, MODELS_DIR, model.modelId);
    const artifactLocation = options.artifacts === 'keep' ? location(model.artifactLocation, '') : `${expLocation}/${MODELS_DIR}/${model.modelId}/${ARTIFACTS_DIR}`;
    counts.loggedModels++;
    w.dir(joinPath(dir, ARTIFACTS_DIR));
    keyFolder(joinPath(dir, TAGS_DIR), model.tags);
    keyFolder(joinPath(dir, PARAMS_DIR), model.params);
    for (const [key, rows] of Object.entries(model.metrics)) {
      const lines = rows.map((m) => `${m.timestamp} ${pyFloatRepr(m.value)} ${m.step} ${m.runId}${m.datasetName ? ` ${m.datasetName} ${m.datasetDigest}` : ''}\n`);
      w.put(joinPath(dir, METRICS_DIR, key), lines.join(''));
    }
    if (options.artifacts !== 'keep') {
      copyArtifacts(model.artifactLocation, model.artifactsFrom, joinPath(dir, ARTIFACTS_DIR));
      moved.push({ from: model.artifactLocation, to: artifactLocation });
    }
    const meta: Record<string, string | number | null> = {
      artifact_location: artifactLocation,
      creation_timestamp: model.creationTimestamp,
      experiment_id: model.experimentId,
      last_updated_timestamp: model.lastUpdatedTimestamp,
      model_id: model.modelId,
      model_type: model.modelType,
      name: model.name,
      source_run_id: model.sourceRunId,
      status: model.status,
      status_message: model.statusMessage,
    };
    if (model.lifecycleStage === 'deleted') meta.lifecycle_stage = 'deleted';
    w.put(joinPath(dir, META_FILE), dumpYaml(meta));
  }

  // Longest roots first, so a model folder inside a run's folder is not taken for the run's.
  moved.sort((a, b) => b.from.length - a.from.length);
  const follow = (uri: string | null): string | null => {
    if (!uri) return uri;
    for (const m of moved) {
      const to = moveUnder(uri, m.from, m.to);
      if (to !== null) return to;
    }
    return uri;
  };
  for (const model of history.registeredModels) {
    const dir = joinPath(MODELS_DIR, model.meta.name);
    counts.registeredModels++;
    keyFolder(joinPath(dir, TAGS_DIR), model.tags);
    // MLflow's registry file store removes a deleted version's aliases; its SQL store keeps the row, which
    // then resolves to nothing. The tree gets the file store's form, and the report names what was left.
    const deleted = new Set(model.versions.filter((v) => v.meta.currentStage === STAGE_DELETED_INTERNAL).map((v) => v.meta.version));
    const kept: Record<string, string> = {};
    for (const [alias, version] of Object.entries(model.aliases)) {
      if (deleted.has(version)) danglingAliases.push(`${model.meta.name}@${alias}`);
      else kept[alias] = String(version);
    }
    keyFolder(joinPath(dir, ALIASES_DIR), kept);
    for (const version of model.versions) {
      const vDir = joinPath(dir, `${VERSION_DIR_PREFIX}${version.meta.version}`);
      counts.modelVersions++;
      keyFolder(joinPath(vDir, TAGS_DIR), version.tags);
      w.put(joinPath(vDir, META_FILE), formatModelVersionMeta({ ...version.meta, source: follow(version.meta.source), storageLocation: follow(version.meta.storageLocation) }));
    }
    w.put(joinPath(dir, META_FILE), formatRegisteredModelMeta({ ...model.meta, aliasesSnapshot: Object.fromEntries(Object.entries(model.meta.aliasesSnapshot).filter(([, v]) => !deleted.has(Number(v)))) }));
    tick();
  }

  if (danglingAliases.length) omitted.push({ kind: 'aliases', count: danglingAliases.length, reason: `name a deleted model version, which MLflow's file store drops (${danglingAliases.join(', ')})` });
  if (skippedFiles.length) omitted.push({ kind: 'artifact files', count: skippedFiles.length, reason: `links or special files, not read (e.g. ${skippedFiles[0]})` });
  if (unreachable.length) omitted.push({ kind: 'artifact roots', count: unreachable.length, reason: `not on this machine's file system (e.g. ${unreachable[0]}); use --artifacts keep to keep the URIs` });
  return { counts, filesWritten: w.filesWritten, bytesWritten: w.bytesWritten, changedPaths: [...w.changed].sort(), omitted };
}
