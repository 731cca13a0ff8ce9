/**
 * The model registry of an mlruns tree (`<root>/models/`, spec 7), read the way MLflow's registry
 * FileStore reads it, over any TreeReader. Read-only: registered models with their tags and aliases,
 * versions with their tags and aliases, `latest_versions` per stage; soft-deleted versions
 * (`Deleted_Internal`) are hidden from listings and "not found" on get, with MLflow's message.
 */
import { fail } from '../format/errors.js';
import { META_FILE, MODELS_DIR, TAGS_DIR, joinPath } from '../format/layout.js';
import {
  ALIASES_DIR, MODEL_STAGES, STAGE_DELETED_INTERNAL, VERSION_DIR_PREFIX, canonicalStage, parseModelVersionMeta, parseRegisteredModelMeta,
  type ModelVersion, type RegisteredModel,
} from '../format/registryMeta.js';
import { MlrunsReader } from './MlrunsReader.js';
import type { TreeReader } from './TreeReader.js';

export type { ModelVersion, RegisteredModel } from '../format/registryMeta.js';

/** MLflow's `_validate_model_version`: `int(version)` must succeed. */
function checkVersion(version: string | number): string {
  const text = String(version);
  if (!/^\s*[-+]?\d(?:_?\d)*\s*$/.test(text)) {
    throw fail('INVALID_ARGUMENT', `Parameter 'version' must be an integer, got '${text}'.`, { version: text });
  }
  return text;
}

/** MLflow's registry FileStore refuses names it cannot use as one directory. */
function checkModelName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw fail('INVALID_NAME', 'Registered model name cannot be empty.');
  if (name.includes('/') || name.includes('\\')) {
    throw fail('INVALID_NAME', `Invalid name: '${name}'. Registered model name cannot contain path separator`, { name });
  }
  if (name.includes('%')) throw fail('INVALID_NAME', `Invalid name: '${name}'. Registered model name cannot contain '%' character`, { name });
  if (name === '.' || name === '..') throw fail('INVALID_NAME', `Invalid name: '${name}'.`, { name });
}

export class RegistryReader {
  private readonly files: MlrunsReader;

  constructor(readonly tree: TreeReader) {
    this.files = new MlrunsReader(tree);
  }

  private async requiredText(path: string): Promise<string> {
    const text = await this.files.text(path);
    if (text === null) {
      throw fail('MALFORMED_FILE', `${this.tree.describe(path)}: Yaml file does not exist (every registry directory needs its meta.yaml)`, { path });
    }
    return text;
  }

  /** Names of the registered model directories (every sub-directory of `models/`). */
  async listRegisteredModelDirs(): Promise<string[]> {
    const entries = (await this.tree.list(MODELS_DIR)) ?? [];
    return entries.filter((e) => e.isDir).map((e) => e.name).sort();
  }

  /** Version directory names (`version-*`) of a registered model directory, including deleted ones. */
  async listModelVersionDirs(modelDir: string): Promise<string[]> {
    const entries = (await this.tree.list(joinPath(MODELS_DIR, modelDir))) ?? [];
    return entries.filter((e) => e.isDir && e.name.startsWith(VERSION_DIR_PREFIX)).map((e) => e.name).sort(byVersionDir);
  }

  /** `aliases/<alias>` files: alias -> verbatim content (no validation on read, as in MLflow). */
  private async aliasFiles(modelDir: string): Promise<Record<string, string>> {
    const folder = joinPath(MODELS_DIR, modelDir, ALIASES_DIR);
    const out: Record<string, string> = {};
    const walk = async (rel: string): Promise<void> => {
      for (const entry of (await this.tree.list(joinPath(folder, rel))) ?? []) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDir) await walk(key);
        else out[key] = (await this.files.text(joinPath(folder, key))) ?? '';
      }
    };
    await walk('');
    return out;
  }

  /** One version directory, whatever its stage (the raw read MLflow does before filtering). */
  private async readVersionDir(modelDir: string, versionDir: string, aliases: Record<string, string>): Promise<ModelVersion> {
    const dir = joinPath(MODELS_DIR, modelDir, versionDir);
    const metaPath = joinPath(dir, META_FILE);
    const { aliasesSnapshot: _ignored, ...meta } = parseModelVersionMeta(await this.requiredText(metaPath), this.tree.describe(metaPath));
    const tags = await this.files.valueFiles(joinPath(dir, TAGS_DIR), 'model version tag');
    const suffix = versionDir.slice(VERSION_DIR_PREFIX.length);
    const versionAliases = Object.keys(aliases).filter((alias) => aliases[alias] === suffix).sort();
    return { ...meta, tags, aliases: versionAliases };
  }

  /** Every version directory of a model, deleted ones included (MLflow's `_list_file_model_versions_under_path`). */
  private async readAllVersions(modelDir: string): Promise<ModelVersion[]> {
    const aliases = await this.aliasFiles(modelDir);
    const out: ModelVersion[] = [];
    for (const versionDir of await this.listModelVersionDirs(modelDir)) out.push(await this.readVersionDir(modelDir, versionDir, aliases));
    return out;
  }

  private latestOf(versions: ModelVersion[], stages?: readonly string[]): ModelVersion[] {
    const wanted = new Set<string>(stages && stages.length > 0 ? stages.map(canonicalStage) : MODEL_STAGES);
    const best = new Map<string, ModelVersion>();
    for (const mv of versions) {
      if (mv.currentStage === null || !wanted.has(mv.currentStage)) continue;
      const current = best.get(mv.currentStage);
      if (!current || current.version < mv.version) best.set(mv.currentStage, mv);
    }
    // MLflow iterates a Python set of stages, whose order is not stable; order by version instead.
    return [...best.values()].sort((a, b) => a.version - b.version);
  }

  private async readModelDir(modelDir: string): Promise<RegisteredModel> {
    const metaPath = joinPath(MODELS_DIR, modelDir, META_FILE);
    const { aliasesSnapshot: _ignored, ...meta } = parseRegisteredModelMeta(await this.requiredText(metaPath), this.tree.describe(metaPath));
    const tags = await this.files.valueFiles(joinPath(MODELS_DIR, modelDir, TAGS_DIR), 'registered model tag');
    const aliases = await this.aliasFiles(modelDir);
    const latestVersions = this.latestOf(await this.readAllVersions(modelDir));
    return { ...meta, tags, aliases, latestVersions };
  }

  private async modelDirExists(name: string): Promise<boolean> {
    return (await this.tree.list(joinPath(MODELS_DIR, name))) !== null;
  }

  /** Every registered model, sorted by name (MLflow's default search order). */
  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    for (const dir of await this.listRegisteredModelDirs()) out.push(await this.readModelDir(dir));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    checkModelName(name);
    if (!(await this.modelDirExists(name))) throw fail('NOT_FOUND', `Registered Model with name=${name} not found`, { name });
    return this.readModelDir(name);
  }

  /** MLflow's `get_latest_versions(name, stages)`. */
  async getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    checkModelName(name);
    if (!(await this.modelDirExists(name))) throw fail('NOT_FOUND', `Registered Model with name=${name} not found`, { name });
    return this.latestOf(await this.readAllVersions(name), stages);
  }

  /**
   * Every visible model version (all models, or one model's), `Deleted_Internal` ones left out as
   * search_model_versions does; ordered by name, then version.
   */
  async listModelVersions(name?: string): Promise<ModelVersion[]> {
    const dirs = name === undefined ? await this.listRegisteredModelDirs() : [name];
    if (name !== undefined) {
      checkModelName(name);
      if (!(await this.modelDirExists(name))) throw fail('NOT_FOUND', `Registered Model with name=${name} not found`, { name });
    }
    const out: ModelVersion[] = [];
    for (const dir of dirs) {
      for (const mv of await this.readAllVersions(dir)) if (mv.currentStage !== STAGE_DELETED_INTERNAL) out.push(mv);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version));
  }

  /** MLflow's `get_model_version`: a missing or soft-deleted version is "not found". */
  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    checkModelName(name);
    const text = checkVersion(version);
    if (!(await this.modelDirExists(name))) throw fail('NOT_FOUND', `Registered Model with name=${name} not found`, { name });
    const versionDir = `${VERSION_DIR_PREFIX}${text}`;
    const notFound = () => fail('NOT_FOUND', `Model Version (name=${name}, version=${text}) not found`, { name, version: text });
    if ((await this.tree.list(joinPath(MODELS_DIR, name, versionDir))) === null) throw notFound();
    const mv = await this.readVersionDir(name, versionDir, await this.aliasFiles(name));
    if (mv.currentStage === STAGE_DELETED_INTERNAL) throw notFound();
    return mv;
  }

  /** MLflow's `get_model_version_by_alias`: the alias file's content names the version. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    checkModelName(name);
    if (!(await this.modelDirExists(name))) throw fail('NOT_FOUND', `Registered Model with name=${name} not found`, { name });
    const version = await this.files.text(joinPath(MODELS_DIR, name, ALIASES_DIR, alias));
    if (version === null) throw fail('INVALID_ARGUMENT', `Registered model alias ${alias} not found.`, { name, alias });
    return this.getModelVersion(name, version);
  }
}

function byVersionDir(a: string, b: string): number {
  const x = Number(a.slice(VERSION_DIR_PREFIX.length));
  const y = Number(b.slice(VERSION_DIR_PREFIX.length));
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
