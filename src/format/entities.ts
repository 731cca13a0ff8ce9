/**
 * In-memory shapes of what the mlruns tree holds, named and typed like MLflow's entities
 * (mlflow/entities). Shared by the store, the API, the CLI and the browser UI.
 */

/** A metric step. MLflow stores int64 steps; values beyond 2^53 stay exact as bigint. */
export type Step = number | bigint;

export type LifecycleStage = 'active' | 'deleted';

/** Run status names, as MLflow reports them. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** Which lifecycle stages a search returns. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  runName: string | null;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
  /** Only set for deleted runs. */
  deletedTime?: number | null;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: Step;
  /** MLflow 3.x metric lines may name the dataset the value was computed on. */
  datasetName?: string;
  datasetDigest?: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  /** JSON string. */
  source: string;
  /** JSON string or null. */
  schema: string | null;
  /** JSON string or null. */
  profile: string | null;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Record<string, string>;
}

export interface RunData {
  /** Latest value per key, by MLflow's rule: max of (step, timestamp, value). */
  metrics: Record<string, Metric>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: DatasetInput[];
}

export interface FileInfo {
  /** Path relative to the run's artifact root, POSIX separators. */
  path: string;
  isDir: boolean;
  /** Bytes; null for directories. */
  fileSize: number | null;
}

/** A page of search results with MLflow's page token. */
export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export const RUN_STATUS_CODES: Record<RunStatus, number> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

export const TERMINATED_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

export function runStatusFromCode(code: number): RunStatus | undefined {
  return (Object.keys(RUN_STATUS_CODES) as RunStatus[]).find((s) => RUN_STATUS_CODES[s] === code);
}
