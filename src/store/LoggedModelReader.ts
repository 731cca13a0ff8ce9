/**
 * MLflow 3.x logged models (spec 4.7): `<experiment>/models/m-<id>/` holds a model's meta.yaml,
 * tags, params, metrics and artifacts. They are neither experiments nor runs; a run names the
 * models it produced in `<run>/outputs/<model_id>/meta.yaml` (spec 4.6) and the ones it consumed
 * as `source_type: MODEL` inputs. Read-only, over any TreeReader.
 */
import type { FileInfo, LifecycleStage, Metric, Step } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { parseLifecycleStage } from '../format/experimentMeta.js';
import { fileUriToPath } from '../format/fileUri.js';
import { ARTIFACTS_DIR, INPUTS_DIR, META_FILE, METRICS_DIR, MODELS_DIR, OUTPUTS_DIR, PARAMS_DIR, TAGS_DIR, TRASH_DIR, joinPath } from '../format/layout.js';
import { parsePyFloat, parsePyInt } from '../format/pyFloat.js';
import { YamlFields } from '../format/yaml.js';
import { MlrunsReader } from './MlrunsReader.js';
import type { TreeReader } from './TreeReader.js';

/** `status` is an int in meta.yaml (LoggedModelStatus proto). */
export type LoggedModelStatus = 'UNSPECIFIED' | 'PENDING' | 'READY' | 'FAILED';
const STATUS_BY_CODE: Record<number, LoggedModelStatus> = { 0: 'UNSPECIFIED', 1: 'PENDING', 2: 'READY', 3: 'FAILED' };

/** A logged-model metric line: `<ts> <value> <step> <run_id>` or `... <run_id> <dataset_name> <dataset_digest>`. */
export interface LoggedModelMetric extends Metric {
  runId: string;
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  sourceRunId: string | null;
  modelType: string | null;
  status: LoggedModelStatus;
  statusMessage: string | null;
  /** Written `active` at creation and dropped by the finalize rewrite: absent means active. */
  lifecycleStage: LifecycleStage;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Every metric line, per key in file order. */
  metrics: Record<string, LoggedModelMetric[]>;
}

export interface LoggedModelLocation {
  model: LoggedModel;
  /** Path of the model directory relative to the root: `<exp>/models/<id>` or `.trash/<exp>/models/<id>`. */
  dir: string;
  experimentDir: string;
}

/** A run's output edge: the run produced this model (at this step). */
export interface LoggedModelOutput {
  modelId: string;
  step: Step;
  /** Path of the edge's meta.yaml relative to the root. */
  path: string;
}

/** A run's input edge of `source_type: MODEL`. */
export interface LoggedModelInput {
  modelId: string;
  path: string;
}

function parseModelMetricLine(key: string, raw: string, lineNo: number, where: string): LoggedModelMetric {
  const bad = (why: string): never => {
    throw fail('MALFORMED_METRIC', `Metric '${key}' is malformed (${where}): line ${lineNo} ${why}`, { key, path: where });
  };
  const fields = raw.trim().split(' ');
  if (fields.length !== 4 && fields.length !== 6) bad(`has ${fields.length} fields, expected 4 or 6`);
  const timestamp = parsePyInt(fields[0]!);
  if (timestamp === undefined) bad(`timestamp '${fields[0]}' is not an integer`);
  const value = parsePyFloat(fields[1]!);
  if (value === undefined) bad(`value '${fields[1]}' is not a number`);
  const step = parsePyInt(fields[2]!);
  if (step === undefined) bad(`step '${fields[2]}' is not an integer`);
  const metric: LoggedModelMetric = { key, value: value!, timestamp: Number(timestamp), step: step!, runId: fields[3]! };
  if (fields.length === 6) {
    metric.datasetName = fields[4]!;
    metric.datasetDigest = fields[5]!;
  }
  return metric;
}

export class LoggedModelReader {
  private readonly files: MlrunsReader;

  constructor(readonly tree: TreeReader) {
    this.files = new MlrunsReader(tree);
  }

  /** Experiment directories, active and in `.trash`, that may hold logged models. */
  private async experimentDirs(): Promise<string[]> {
    const out: string[] = [];
    for (const entry of (await this.tree.list('')) ?? []) {
      if (entry.isDir && entry.name !== MODELS_DIR && !entry.name.endsWith(TRASH_DIR)) out.push(entry.name);
    }
    for (const entry of (await this.tree.list(TRASH_DIR)) ?? []) if (entry.isDir) out.push(joinPath(TRASH_DIR, entry.name));
    return out;
  }

  private async readModelDir(dir: string): Promise<LoggedModel | null> {
    const metaPath = joinPath(dir, META_FILE);
    const text = await this.files.text(metaPath);
    if (text === null) return null;
    const where = this.tree.describe(metaPath);
    const f = YamlFields.parse(text, where);
    const statusCode = f.int('status');
    const status = statusCode === undefined || statusCode === null ? 'UNSPECIFIED' : STATUS_BY_CODE[statusCode];
    if (!status) throw fail('MALFORMED_META', `${where}: field 'status' has unknown code ${statusCode}`, { path: where, field: 'status' });
    const modelId = f.requiredString('model_id');
    const dirName = dir.slice(dir.lastIndexOf('/') + 1);
    if (modelId !== dirName) {
      throw fail('INVALID_STATE', `${where}: model_id '${modelId}' differs from its directory name '${dirName}'`, { path: where, field: 'model_id' });
    }
    const metrics: Record<string, LoggedModelMetric[]> = {};
    for (const key of await this.files.keyFiles(joinPath(dir, METRICS_DIR), 'metric')) {
      const path = joinPath(dir, METRICS_DIR, key);
      const body = (await this.files.text(path)) ?? '';
      const fileWhere = this.tree.describe(path);
      if (body.length === 0) throw fail('MALFORMED_METRIC', `Metric '${key}' is malformed (${fileWhere}): No data found`, { key, path: fileWhere });
      const lines = (body.endsWith('\n') ? body.slice(0, -1) : body).split('\n');
      metrics[key] = lines.map((line, i) => parseModelMetricLine(key, line, i + 1, fileWhere));
    }
    return {
      modelId,
      experimentId: f.requiredString('experiment_id'),
      name: f.requiredString('name'),
      artifactLocation: f.requiredString('artifact_location'),
      creationTimestamp: f.int('creation_timestamp') ?? null,
      lastUpdatedTimestamp: f.int('last_updated_timestamp') ?? null,
      sourceRunId: f.string('source_run_id') ?? null,
      modelType: f.string('model_type') ?? null,
      status,
      statusMessage: f.string('status_message') ?? null,
      lifecycleStage: parseLifecycleStage(f.string('lifecycle_stage'), where, 'active'),
      tags: await this.files.valueFiles(joinPath(dir, TAGS_DIR), 'tag'),
      params: await this.files.valueFiles(joinPath(dir, PARAMS_DIR), 'param'),
      metrics,
    };
  }

  /** Logged models of one experiment directory (`<exp>/models/<id>/` with a meta.yaml). */
  async listLoggedModels(experimentDir: string): Promise<LoggedModelLocation[]> {
    const out: LoggedModelLocation[] = [];
    for (const entry of (await this.tree.list(joinPath(experimentDir, MODELS_DIR))) ?? []) {
      if (!entry.isDir) continue;
      const dir = joinPath(experimentDir, MODELS_DIR, entry.name);
      const model = await this.readModelDir(dir);
      if (model) out.push({ model, dir, experimentDir });
    }
    return out.sort((a, b) => (a.model.modelId < b.model.modelId ? -1 : a.model.modelId > b.model.modelId ? 1 : 0));
  }

  /** Every logged model of the tree. */
  async listAllLoggedModels(): Promise<LoggedModelLocation[]> {
    const out: LoggedModelLocation[] = [];
    for (const experimentDir of await this.experimentDirs()) out.push(...(await this.listLoggedModels(experimentDir)));
    return out;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModelLocation> {
    for (const experimentDir of await this.experimentDirs()) {
      const dir = joinPath(experimentDir, MODELS_DIR, modelId);
      if ((await this.tree.list(dir)) === null) continue;
      const model = await this.readModelDir(dir);
      if (model) return { model, dir, experimentDir };
    }
    throw fail('NOT_FOUND', `Logged model with ID '${modelId}' not found`, { modelId });
  }

  /** The models a run produced: `<run>/outputs/<model_id>/meta.yaml` edges. */
  async runOutputs(runDir: string): Promise<LoggedModelOutput[]> {
    const out: LoggedModelOutput[] = [];
    for (const entry of (await this.tree.list(joinPath(runDir, OUTPUTS_DIR))) ?? []) {
      if (!entry.isDir) continue;
      const path = joinPath(runDir, OUTPUTS_DIR, entry.name, META_FILE);
      const text = await this.files.text(path);
      if (text === null) continue;
      const f = YamlFields.parse(text, this.tree.describe(path));
      const modelId = f.string('destination_id') || entry.name;
      const raw = f.bigint('step') ?? 0n;
      const step: Step = Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
      out.push({ modelId, step, path });
    }
    return out.sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  }

  /** The models a run consumed: `source_type: MODEL` input edges. */
  async runModelInputs(runDir: string): Promise<LoggedModelInput[]> {
    const out: LoggedModelInput[] = [];
    for (const entry of (await this.tree.list(joinPath(runDir, INPUTS_DIR))) ?? []) {
      if (!entry.isDir) continue;
      const path = joinPath(runDir, INPUTS_DIR, entry.name, META_FILE);
      const text = await this.files.text(path);
      if (text === null) continue;
      const f = YamlFields.parse(text, this.tree.describe(path));
      if (f.string('source_type') !== 'MODEL') continue;
      out.push({ modelId: f.requiredString('source_id'), path });
    }
    return out;
  }

  /**
   * Where the model's artifacts are, relative to the root. The default location
   * (`.../<exp>/models/<id>/artifacts`, an absolute URI baked in by the writer) is resolved against
   * this tree, wherever it now lives; any other location is returned as an absolute path in `external`.
   */
  artifactRoot(location: LoggedModelLocation): { inTree: string } | { external: string } {
    const uriPath = fileUriToPath(location.model.artifactLocation);
    const experimentId = location.experimentDir.slice(location.experimentDir.lastIndexOf('/') + 1);
    const defaultSuffix = `/${experimentId}/${MODELS_DIR}/${location.model.modelId}/${ARTIFACTS_DIR}`;
    if (uriPath === null) {
      throw fail('INVALID_STATE', `Logged model ${location.model.modelId} stores artifacts at '${location.model.artifactLocation}', which mltrack cannot reach (only local file: locations)`, { modelId: location.model.modelId });
    }
    if (uriPath === '' || uriPath.replace(/\/+$/, '').endsWith(defaultSuffix)) return { inTree: joinPath(location.dir, ARTIFACTS_DIR) };
    return { external: uriPath };
  }

  /** Recursive listing of a model's in-tree artifacts, sorted by path (directories have no size). */
  async listArtifacts(location: LoggedModelLocation): Promise<FileInfo[]> {
    const root = this.artifactRoot(location);
    if (!('inTree' in root)) {
      throw fail('INVALID_STATE', `Logged model ${location.model.modelId} keeps its artifacts outside the tree, at ${root.external}`, { modelId: location.model.modelId });
    }
    const out: FileInfo[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const entry of (await this.tree.list(joinPath(root.inTree, rel))) ?? []) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDir) {
          out.push({ path, isDir: true, fileSize: null });
          await walk(path);
        } else {
          out.push({ path, isDir: false, fileSize: await this.tree.size(joinPath(root.inTree, path)) });
        }
      }
    };
    await walk('');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
