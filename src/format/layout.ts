/** Names of the folders and files of an mlruns tree (spec section 2), defined once. */

export const META_FILE = 'meta.yaml';
export const TRASH_DIR = '.trash';
export const MODELS_DIR = 'models';
export const METRICS_DIR = 'metrics';
export const PARAMS_DIR = 'params';
export const TAGS_DIR = 'tags';
export const ARTIFACTS_DIR = 'artifacts';
export const INPUTS_DIR = 'inputs';
export const OUTPUTS_DIR = 'outputs';
export const DATASETS_DIR = 'datasets';
export const TRACES_DIR = 'traces';
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** Sub-directories of an experiment that are not runs. */
export const RESERVED_EXPERIMENT_SUBDIRS: ReadonlySet<string> = new Set([TAGS_DIR, DATASETS_DIR, TRACES_DIR, MODELS_DIR]);

/** Prefix of the temporary files mltrack renames into place; never inside a key folder. */
export const TEMP_PREFIX = '.mltrack-tmp-';

/** Directories every run must have (MLflow 3.x refuses a run without them). */
export const RUN_SUBDIRS = [METRICS_DIR, PARAMS_DIR, ARTIFACTS_DIR, TAGS_DIR] as const;

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
