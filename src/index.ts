/** mltrack's public API for Node programs. */
export * from './api/fluent.js';
export { ActiveRun, type MetricOptions } from './api/ActiveRun.js';
export { loadConfig, type Config } from './api/config.js';
export { contentDigest } from './api/datasetDigest.js';
export { FileStore, type BatchInput, type CreateRunInput, type MetricInput, type SearchRunsInput } from './store/FileStore.js';
export { MlrunsReader } from './store/MlrunsReader.js';
export { setReadWarningSink, type ReadWarning, type ReadWarningSink } from './store/readWarnings.js';
export type { TreeReader, DirEntry } from './store/TreeReader.js';
export { MltrackError, isMltrackError, type ErrorCode } from './format/errors.js';
export type { Dataset, DatasetInput, Experiment, FileInfo, Metric, Page, Run, RunInfo, RunStatus, Step, ViewType } from './format/entities.js';
