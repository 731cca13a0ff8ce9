/**
 * Rules for the model registry, `<root>/models/` (spec 7): each registered model's meta names its
 * directory, each `version-<n>` meta holds `version: <n>` as an int and a canonical stage, and each
 * alias file holds exactly the digits of an existing version (no trailing newline).
 */
import { isMltrackError } from '../format/errors.js';
import { META_FILE, MODELS_DIR, TAGS_DIR, joinPath } from '../format/layout.js';
import { ALIASES_DIR, MODEL_STAGES, STAGE_DELETED_INTERNAL, VERSION_DIR_PREFIX } from '../format/registryMeta.js';
import { validateAlias, validateModelName } from '../format/validation.js';
import { intField, pyTypeName, stringField } from './metaFields.js';
import type { VerifyContext } from './VerifyContext.js';

const STAGES: readonly string[] = [...MODEL_STAGES, STAGE_DELETED_INTERNAL];
const STATUSES = ['READY', 'PENDING_REGISTRATION', 'FAILED_REGISTRATION'];

/** One `version-<n>` directory; returns its stage (null when unknown) for the alias checks. */
async function verifyVersion(ctx: VerifyContext, modelDir: string, versionDir: string): Promise<string | null> {
  ctx.stats.modelVersions++;
  const dir = joinPath(MODELS_DIR, modelDir, versionDir);
  const suffix = versionDir.slice(VERSION_DIR_PREFIX.length);
  if (!/^\d+$/.test(suffix)) {
    ctx.problems.error(dir, `directory name '${versionDir}' is not version-<int>: MLflow fails computing the next version number (int('${suffix}'))`, 'INVALID_ID');
  }
  const path = joinPath(dir, META_FILE);
  if ((await ctx.tree.read(path)) === null) {
    ctx.problems.error(dir, "version directory without meta.yaml: MLflow's registry fails listing versions (Yaml file does not exist)", 'MALFORMED_FILE');
    return null;
  }
  await ctx.valueFiles(joinPath(dir, TAGS_DIR), 'model version tag', { placeholderIs: 'warning' });
  const f = await ctx.yaml(path);
  if (!f) return null;

  const name = stringField(ctx, path, f, 'name', { required: true, consequence: 'MLflow fails reading the version' });
  if (typeof name === 'string' && name !== modelDir) {
    ctx.problems.error(path, `name '${name}' differs from its registered model directory '${modelDir}'`, 'INVALID_STATE');
  }
  const version = f.entries.get('version');
  if (version === undefined || (version.kind === 'scalar' && version.pyType === 'null')) {
    ctx.problems.error(path, "field 'version' is missing: MLflow fails reading the version", 'MALFORMED_META');
  } else if (version.kind === 'scalar' && version.pyType === 'str' && /^\s*[-+]?\d+\s*$/.test(version.text)) {
    ctx.problems.error(path, `field 'version' is the string '${version.text}', not an int: MLflow reads it but its next version number and latest_versions break; write version: ${version.text.trim()}`, 'MALFORMED_META');
  } else if (version.kind !== 'scalar' || version.pyType !== 'int') {
    ctx.problems.error(path, `field 'version' must be an int, found ${version.kind === 'scalar' ? `${pyTypeName(version)} '${version.text}'` : pyTypeName(version)}`, 'MALFORMED_META');
  }
  if (version?.kind === 'scalar' && /^\s*[-+]?\d+\s*$/.test(version.text) && /^\d+$/.test(suffix) && BigInt(version.text.trim()) !== BigInt(suffix)) {
    ctx.problems.error(path, `version ${version.text.trim()} differs from its directory '${versionDir}': lookups use the directory, the entity reports the field`, 'INVALID_STATE');
  }
  intField(ctx, path, f, 'creation_timestamp', { required: true, consequence: 'MLflow fails reading the version' });
  intField(ctx, path, f, 'last_updated_timestamp', { nullable: true });

  const stage = stringField(ctx, path, f, 'current_stage', { nullable: true });
  if (!f.has('current_stage') || stage === null) {
    ctx.problems.warning(path, "no current_stage: MLflow reads the version but leaves it out of latest_versions (write 'None')", 'MALFORMED_META');
  } else if (typeof stage === 'string' && !STAGES.includes(stage)) {
    ctx.problems.error(path, `current_stage '${stage}' is not a canonical stage (${STAGES.join(', ')}): MLflow leaves the version out of latest_versions`, 'MALFORMED_META');
  }
  const status = stringField(ctx, path, f, 'status', { nullable: true });
  if (typeof status === 'string' && !STATUSES.includes(status)) {
    ctx.problems.error(path, `status '${status}' is not one of ${STATUSES.join(', ')}: MLflow fails rendering the version`, 'MALFORMED_META');
  }
  return typeof stage === 'string' ? stage : null;
}

/** `aliases/<alias>`: the verbatim content must be an existing version's number. */
async function verifyAliases(ctx: VerifyContext, modelDir: string, versions: Map<string, string | null>): Promise<void> {
  const folder = joinPath(MODELS_DIR, modelDir, ALIASES_DIR);
  for (const alias of await ctx.filesUnder(folder)) {
    const path = joinPath(folder, alias);
    try {
      validateAlias(alias);
    } catch (err) {
      if (!isMltrackError(err)) throw err;
      ctx.problems.warning(path, `${err.message}: MLflow never writes such an alias and cannot set or delete it`, 'INVALID_NAME');
    }
    const content = await ctx.text(path);
    if (content === null) continue;
    const trimmed = content.trim();
    if (content !== trimmed) {
      const what = /\n$/.test(content) ? 'ends with a newline' : 'has surrounding whitespace';
      ctx.problems.error(path, `alias file ${what}: MLflow compares the content verbatim, so '${alias}' matches no version (${JSON.stringify(content)} is not ${JSON.stringify(trimmed)}); write the digits only`, 'MALFORMED_FILE');
      continue;
    }
    if (!versions.has(content)) {
      ctx.problems.error(path, `alias '${alias}' names version '${content}', which does not exist: get_model_version_by_alias fails`, 'NOT_FOUND');
    } else if (versions.get(content) === STAGE_DELETED_INTERNAL) {
      ctx.problems.error(path, `alias '${alias}' names version ${content}, which is deleted (Deleted_Internal): get_model_version_by_alias fails`, 'NOT_FOUND');
    }
  }
}

async function verifyRegisteredModel(ctx: VerifyContext, modelDir: string): Promise<void> {
  ctx.stats.registeredModels++;
  const dir = joinPath(MODELS_DIR, modelDir);
  try {
    validateModelName(modelDir);
  } catch (err) {
    if (!isMltrackError(err)) throw err;
    ctx.problems.warning(dir, `${err.message}: MLflow cannot look the model up by this name`, 'INVALID_NAME');
  }
  const path = joinPath(dir, META_FILE);
  if ((await ctx.tree.read(path)) === null) {
    ctx.problems.error(dir, "registered model directory without meta.yaml: MLflow's registry fails listing models (Yaml file does not exist)", 'MALFORMED_FILE');
  } else {
    const f = await ctx.yaml(path);
    if (f) {
      const name = stringField(ctx, path, f, 'name', { required: true, consequence: 'MLflow fails listing models' });
      if (typeof name === 'string' && name !== modelDir) {
        ctx.problems.error(path, `name '${name}' differs from its directory '${modelDir}': MLflow looks models up by directory and reports the field`, 'INVALID_STATE');
      }
      intField(ctx, path, f, 'creation_timestamp', { nullable: true });
      intField(ctx, path, f, 'last_updated_timestamp', { nullable: true });
    }
  }
  await ctx.valueFiles(joinPath(dir, TAGS_DIR), 'registered model tag', { placeholderIs: 'warning' });

  const versions = new Map<string, string | null>();
  for (const entry of (await ctx.tree.list(dir)) ?? []) {
    if (!entry.isDir || entry.name === TAGS_DIR || entry.name === ALIASES_DIR) continue;
    if (entry.name.startsWith(VERSION_DIR_PREFIX)) {
      versions.set(entry.name.slice(VERSION_DIR_PREFIX.length), await verifyVersion(ctx, modelDir, entry.name));
    } else {
      ctx.problems.warning(joinPath(dir, entry.name), `ignored by MLflow: only ${VERSION_DIR_PREFIX}<n> directories hold model versions`, 'MALFORMED_FILE');
    }
  }
  await verifyAliases(ctx, modelDir, versions);
}

export async function verifyRegistry(ctx: VerifyContext): Promise<void> {
  for (const entry of (await ctx.tree.list(MODELS_DIR)) ?? []) {
    if (entry.isDir) await verifyRegisteredModel(ctx, entry.name);
  }
}
