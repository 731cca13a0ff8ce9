/** The browser-safe layer: entities, file formats, validation and search. No node:* imports. */
export type { Dataset, DatasetInput, Experiment, FileInfo, LifecycleStage, Metric, Page, Run, RunData, RunInfo, RunStatus, Step, ViewType } from './entities.js';
export { RUN_STATUS_CODES, TERMINATED_STATUSES, runStatusFromCode } from './entities.js';
export { ErrorCodes, MltrackError, fail, isMltrackError, type ErrorCode } from './errors.js';
export { formatExperimentMeta, parseExperimentMeta, type ExperimentMeta } from './experimentMeta.js';
export { formatRunMeta, parseRunMeta, type ParsedRunMeta } from './runMeta.js';
export { datasetId, formatDatasetMeta, formatInputMeta, inputId, parseDatasetMeta, parseInputMeta } from './datasetMeta.js';
export { compareMetricRecency, formatMetricLine, latestMetric, parseMetricHistory } from './metricFile.js';
export { parsePyFloat, parsePyInt, pyFloatRepr } from './pyFloat.js';
export { dumpYaml, parseYaml, YamlFields, type YamlValue } from './yaml.js';
export { pyResolve } from './pyyaml.js';
export { newExperimentId, newRunId } from './ids.js';
export { randomRunName } from './runNames.js';
export { md5Hex } from './md5.js';
export { fileUriToPath, pathToFileUri } from './fileUri.js';
export { LIMITS, isSanePath, posixNormpath, validateArtifactPath, validateExperimentId, validateExperimentName, validateKey, validateRunId } from './validation.js';
export { experimentJson, metricJson, runJson, stringifyJson, type Json } from './restJson.js';
export * as layout from './layout.js';
export * as search from './search/index.js';
