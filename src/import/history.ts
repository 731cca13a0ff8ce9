/** What the importer reads out of an MLflow database, in the shapes of src/format, before writing. */
import type { Dataset, Experiment, Metric, RunInfo, Step } from '../format/entities.js';
import type { ModelVersionMeta, RegisteredModelMeta } from '../format/registryMeta.js';

export type ArtifactsFrom = string | { path: string; size: number }[];

export interface ImportedRun {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  /**
   * Every row of `metrics`, per key, in the order MLflow inserted them. Read when the writer reaches
   * the run, so only one run's rows are in memory at a time.
   */
  metrics: () => Record<string, Metric[]>;
  datasetInputs: { dataset: Dataset; tags: Record<string, string> }[];
  /** [3.x] models the run produced (`RUN_OUTPUT` -> `MODEL_OUTPUT`) and consumed. */
  modelOutputs: { modelId: string; step: Step }[];
  modelInputs: string[];
  /**
   * A local folder holding the artifact files already (downloaded from a server), or for a dry run
   * only their listing (nothing downloaded); else the recorded URI is read.
   */
  artifactsFrom?: ArtifactsFrom;
}

export interface ImportedLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: number;
  statusMessage: string | null;
  lifecycleStage: string | null;
  modelType: string | null;
  sourceRunId: string | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, (Metric & { runId: string })[]>;
  /** As ImportedRun.artifactsFrom. */
  artifactsFrom?: ArtifactsFrom;
}

export interface ImportedExperiment {
  experiment: Experiment;
  runs: ImportedRun[];
  loggedModels: ImportedLoggedModel[];
}

export interface ImportedModelVersion {
  meta: ModelVersionMeta;
  tags: Record<string, string>;
}

export interface ImportedRegisteredModel {
  meta: RegisteredModelMeta;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  versions: ImportedModelVersion[];
}

/** Something in the source that has no place in an mlruns tree, with why. */
export interface Omission {
  kind: string;
  count: number;
  reason: string;
}

/** The `revision` of a history read through the REST API, which does not tell the server's schema. */
export const REST_REVISION = 'REST';

export interface ImportedHistory {
  /** The database's alembic revision, or REST_REVISION. */
  revision: string;
  experiments: ImportedExperiment[];
  registeredModels: ImportedRegisteredModel[];
  omitted: Omission[];
}
