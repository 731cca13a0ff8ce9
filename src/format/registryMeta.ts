/**
 * Model registry meta files (spec 7): `models/<name>/meta.yaml` for a registered model and
 * `models/<name>/version-<n>/meta.yaml` for a model version. Read as MLflow's registry FileStore
 * does (`RegisteredModel.from_dictionary`, `ModelVersion.from_dictionary`); written in MLflow
 * 2.x's layout, which 2.x and 3.x both read.
 */
import { fail } from './errors.js';
import { dumpYaml, YamlFields, type YamlValue } from './yaml.js';

/** Stages MLflow lists in `latest_versions`, canonical spelling (`get_canonical_stage`). */
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];
/** The stage of a soft-deleted version: the directory stays, every lookup says "not found". */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

/** Prefix of a model version directory; only such directories are read. */
export const VERSION_DIR_PREFIX = 'version-';
export const ALIASES_DIR = 'aliases';

/** What `models/<name>/meta.yaml` holds. Tags and aliases live in `tags/` and `aliases/`. */
export interface RegisteredModelMeta {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
  /** The `aliases` snapshot MLflow writes (alias -> version). Ignored on read: `aliases/` files win. */
  aliasesSnapshot: Record<string, string>;
  /** [3.x] extra keys, kept so a reader can show them; 2.x ignores them. */
  deploymentJobId?: string | null;
  deploymentJobState?: string | null;
  workspace?: string | null;
}

/** What `models/<name>/version-<n>/meta.yaml` holds. Tags live in `tags/`. */
export interface ModelVersionMeta {
  name: string;
  /** An int in the file; a quoted `'1'` reads back too, as in MLflow. */
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number | null;
  /** `None`, `Staging`, `Production`, `Archived` or `Deleted_Internal`; null when absent. */
  currentStage: string | null;
  description: string | null;
  userId: string | null;
  source: string | null;
  runId: string | null;
  runLink: string | null;
  /** A string in the file: `READY`, `PENDING_REGISTRATION`, `FAILED_REGISTRATION`. */
  status: string | null;
  statusMessage: string | null;
  /** FileStore only: where the artifacts really are (the download URI). */
  storageLocation: string | null;
  /** [2.x] snapshot of the version's aliases at the last rewrite. Ignored on read. */
  aliasesSnapshot: string[];
  /** [3.x] the logged model (`m-...`) the version was created from. */
  modelId?: string | null;
  deploymentJobState?: string | null;
  workspace?: string | null;
}

function optionalString(f: YamlFields, key: string): string | null {
  return f.string(key) ?? null;
}

/** An int field MLflow keeps as given; a quoted number is accepted as MLflow's `int()` would. */
function intLike(f: YamlFields, key: string): number | null | undefined {
  if (!f.has(key)) return undefined;
  const node = f.entries.get(key)!;
  if (node.kind === 'scalar' && node.pyType === 'str' && /^[-+]?\d+$/.test(node.text.trim())) {
    const n = Number(node.text.trim());
    if (Number.isSafeInteger(n)) return n;
  }
  return f.int(key);
}

function stringList(f: YamlFields, key: string): string[] {
  const node = f.entries.get(key);
  if (node === undefined || (node.kind === 'scalar' && node.pyType === 'null')) return [];
  if (node.kind !== 'seq') return [];
  return node.items.flatMap((item) => (item.kind === 'scalar' && item.pyType !== 'null' ? [item.text] : []));
}

/** A version as the registry reads it: its meta with its tags and the aliases pointing at it. */
export interface ModelVersion extends Omit<ModelVersionMeta, 'aliasesSnapshot'> {
  tags: Record<string, string>;
  /** Aliases whose file content is exactly this version's directory suffix, sorted. */
  aliases: string[];
}

/** A registered model as the registry reads it. */
export interface RegisteredModel extends Omit<RegisteredModelMeta, 'aliasesSnapshot'> {
  tags: Record<string, string>;
  /** alias -> the verbatim content of `aliases/<alias>` (normally the version number). */
  aliases: Record<string, string>;
  /** Highest version per stage among None, Staging, Production and Archived, ordered by version. */
  latestVersions: ModelVersion[];
}

/** Read `models/<name>/meta.yaml`. `name` is required, as `RegisteredModel(name, ...)` requires it. */
export function parseRegisteredModelMeta(text: string, where: string): RegisteredModelMeta {
  const f = YamlFields.parse(text, where);
  const meta: RegisteredModelMeta = {
    name: f.requiredString('name'),
    creationTimestamp: f.int('creation_timestamp') ?? null,
    lastUpdatedTimestamp: f.int('last_updated_timestamp') ?? null,
    description: optionalString(f, 'description'),
    aliasesSnapshot: f.stringMap('aliases'),
  };
  if (f.has('deployment_job_id')) meta.deploymentJobId = optionalString(f, 'deployment_job_id');
  if (f.has('deployment_job_state')) meta.deploymentJobState = optionalString(f, 'deployment_job_state');
  if (f.has('workspace')) meta.workspace = optionalString(f, 'workspace');
  return meta;
}

/**
 * Read `version-<n>/meta.yaml`. `name`, `version` and `creation_timestamp` are required (MLflow's
 * `ModelVersion.__init__` takes them positionally); everything else may be absent or null.
 */
export function parseModelVersionMeta(text: string, where: string): ModelVersionMeta {
  const f = YamlFields.parse(text, where);
  const version = intLike(f, 'version');
  if (version === undefined || version === null) {
    throw fail('MALFORMED_META', `${where}: field 'version' is missing`, { path: where, field: 'version' });
  }
  const creationTimestamp = f.int('creation_timestamp');
  if (creationTimestamp === undefined || creationTimestamp === null) {
    throw fail('MALFORMED_META', `${where}: field 'creation_timestamp' is missing`, { path: where, field: 'creation_timestamp' });
  }
  const meta: ModelVersionMeta = {
    name: f.requiredString('name'),
    version,
    creationTimestamp,
    lastUpdatedTimestamp: f.int('last_updated_timestamp') ?? null,
    currentStage: optionalString(f, 'current_stage'),
    description: optionalString(f, 'description'),
    userId: optionalString(f, 'user_id'),
    source: optionalString(f, 'source'),
    runId: optionalString(f, 'run_id'),
    runLink: optionalString(f, 'run_link'),
    status: optionalString(f, 'status'),
    statusMessage: optionalString(f, 'status_message'),
    storageLocation: optionalString(f, 'storage_location'),
    aliasesSnapshot: stringList(f, 'aliases'),
  };
  if (f.has('model_id')) meta.modelId = optionalString(f, 'model_id');
  if (f.has('deployment_job_state')) meta.deploymentJobState = optionalString(f, 'deployment_job_state');
  if (f.has('workspace')) meta.workspace = optionalString(f, 'workspace');
  return meta;
}

/** `models/<name>/meta.yaml` as MLflow 2.x writes it (the 3.x-only keys are left out: 2.x and 3.x both read this). */
export function formatRegisteredModelMeta(meta: RegisteredModelMeta): string {
  return dumpYaml({
    aliases: meta.aliasesSnapshot,
    creation_timestamp: meta.creationTimestamp,
    description: meta.description,
    last_updated_timestamp: meta.lastUpdatedTimestamp,
    name: meta.name,
  });
}

/** `version-<n>/meta.yaml` as MLflow 2.x writes it, `version` an int and `status` a string. */
export function formatModelVersionMeta(meta: ModelVersionMeta): string {
  const doc: Record<string, YamlValue> = {
    aliases: meta.aliasesSnapshot,
    creation_timestamp: meta.creationTimestamp,
    current_stage: meta.currentStage,
    description: meta.description,
    last_updated_timestamp: meta.lastUpdatedTimestamp,
    name: meta.name,
    run_id: meta.runId,
    run_link: meta.runLink,
    source: meta.source,
    status: meta.status,
    status_message: meta.statusMessage,
    storage_location: meta.storageLocation,
    user_id: meta.userId,
    version: meta.version,
  };
  return dumpYaml(doc);
}

/** MLflow's `get_canonical_stage`: case-insensitive match on the four stages, else an error. */
export function canonicalStage(stage: string): ModelStage {
  const found = MODEL_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) throw fail('INVALID_ARGUMENT', `Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`, { stage });
  return found;
}
