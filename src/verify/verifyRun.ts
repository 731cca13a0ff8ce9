/**
 * Rules for one run directory (spec 4): its meta.yaml as MLflow 2.x and 3.x read it, the folders
 * 3.x requires, metric files, key files, and dataset input edges.
 */
import { posix } from 'node:path';
import { RUN_STATUS_CODES, type RunStatus } from '../format/entities.js';
import { fileUriToPath } from '../format/fileUri.js';
import { isMltrackError } from '../format/errors.js';
import { parseInputMeta } from '../format/datasetMeta.js';
import { ARTIFACTS_DIR, DATASETS_DIR, INPUTS_DIR, META_FILE, METRICS_DIR, PARAMS_DIR, TAGS_DIR, joinPath } from '../format/layout.js';
import { parseMetricHistory } from '../format/metricFile.js';
import type { YamlFields } from '../format/yaml.js';
import { idField, intField, stringField } from './metaFields.js';
import { isTempFile, type VerifyContext } from './VerifyContext.js';

const RUN_NAME_TAG = 'mlflow.runName';

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A `file:` artifact_uri outside the mlruns tree (a teammate's home, /proc, /etc) is a warning: site
 * build and ui never copy from there, and MLflow would read and write there. The default layout
 * (`…/<experiment>/<run>/artifacts`, as a tree copied from another machine keeps it) is read inside
 * the tree and passes; remote schemes (s3:, mlflow-artifacts:) are not local reads and pass.
 */
/** The tracking branch's placeholder for the mlruns root (ROOT_TOKEN in src/git/artifactUris.ts; verify sits below git). */
const ROOT_TOKEN = 'file:///.mltrack-root';

function checkArtifactUri(ctx: VerifyContext, path: string, uri: string, defaultSuffix: string): void {
  if (uri.replace(/\/+$/, '').endsWith(defaultSuffix)) return;
  if (uri === ROOT_TOKEN || uri.startsWith(ROOT_TOKEN + '/')) return;
  const local = fileUriToPath(uri);
  if (local === null) return;
  const root = ctx.mlrunsRoot;
  if (root && isInside(root, local)) return;
  ctx.problems.warning(path, `artifact_uri ${JSON.stringify(uri)} points outside the mlruns tree: site build and ui do not copy artifacts from there, and MLflow would read and write there`, 'UNSAFE_ARTIFACT');
}

function isInside(root: string, path: string): boolean {
  const rel = posix.relative(posix.normalize(root), posix.normalize(path));
  return rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel));
}

/** The meta.yaml rules; returns `run_name` when it is a usable string. */
function checkRunMeta(ctx: VerifyContext, path: string, f: YamlFields, runDirName: string, experimentId: string): string | null {
  const { problems } = ctx;

  // Ids: 3.x needs run_id, 2.x needs run_uuid; both must name the directory.
  const runId = stringField(ctx, path, f, 'run_id', { nullable: true });
  const runUuid = stringField(ctx, path, f, 'run_uuid', { nullable: true });
  if (!runId && !runUuid) {
    problems.error(path, "neither 'run_id' nor 'run_uuid' is set: no MLflow version can read the run", 'MALFORMED_META');
  } else if (!runId) {
    problems.error(path, "no 'run_id' (only 'run_uuid'): MLflow 3.x cannot read the run; write both", 'MALFORMED_META');
  } else if (!runUuid) {
    problems.warning(path, "no 'run_uuid': MLflow 2.x cannot read it (it fails search_runs for the whole experiment); MLflow 3.x no longer writes it, mltrack writes both", 'MALFORMED_META');
  }
  if (runId && runId !== runDirName) {
    problems.error(path, `run_id '${runId}' differs from its directory name '${runDirName}': MLflow 3.x refuses the run (INVALID_STATE), 2.x reads another run's folders`, 'INVALID_STATE');
  }
  if (runUuid && runUuid !== runDirName) {
    problems.error(path, `run_uuid '${runUuid}' differs from its directory name '${runDirName}': MLflow 2.x reads another run's folders`, 'INVALID_STATE');
  }

  const metaExperiment = idField(ctx, path, f, 'experiment_id', { consequence: 'MLflow fails to read the run (KeyError)' });
  if (metaExperiment !== undefined && metaExperiment !== experimentId) {
    problems.error(path, `experiment_id '${metaExperiment}' differs from its experiment directory '${experimentId}': MLflow skips the run`, 'INVALID_STATE');
  }

  intField(ctx, path, f, 'start_time', { required: true, consequence: 'MLflow fails to read the run' });
  intField(ctx, path, f, 'end_time', { required: true, nullable: true, consequence: "MLflow fails to read the run (write 'end_time: null' while running)" });
  stringField(ctx, path, f, 'user_id', { required: true, consequence: 'MLflow fails to read the run' });
  const artifactUri = stringField(ctx, path, f, 'artifact_uri', { nullable: true });
  if (artifactUri) checkArtifactUri(ctx, path, artifactUri, `/${experimentId}/${runDirName}/${ARTIFACTS_DIR}`);
  const runName = stringField(ctx, path, f, 'run_name', { nullable: true });
  if (f.has('deleted_time')) intField(ctx, path, f, 'deleted_time', { nullable: true });

  const status = f.entries.get('status');
  if (status !== undefined && !(status.kind === 'scalar' && status.pyType === 'null')) {
    const text = status.kind === 'scalar' ? status.text : '';
    const code = status.kind === 'scalar' && status.pyType === 'int' ? Number(text) : NaN;
    if (!(code >= 1 && code <= 5)) {
      const known = Object.hasOwn(RUN_STATUS_CODES, text.toUpperCase()) ? RUN_STATUS_CODES[text.toUpperCase() as RunStatus] : undefined;
      const hint = known !== undefined ? ` (write ${known} for ${text.toUpperCase()})` : ' (1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED)';
      problems.error(path, `field 'status' must be an int 1..5, found ${status.kind === 'scalar' ? `'${text}'` : 'a collection'}${hint}: MLflow fails to read the run`, 'MALFORMED_META');
    }
  }

  const stage = f.entries.get('lifecycle_stage');
  if (stage !== undefined && !(stage.kind === 'scalar' && stage.pyType === 'null')) {
    const value = stage.kind === 'scalar' ? stage.text : '';
    if (value !== 'active' && value !== 'deleted') {
      problems.error(path, `field 'lifecycle_stage' must be 'active' or 'deleted', found '${value}': MLflow fails to list the experiment's runs`, 'MALFORMED_META');
    }
  }
  return typeof runName === 'string' && runName !== '' ? runName : null;
}

/** metrics/: valid keys, no placeholders, every line readable (spec 4.2). */
async function checkMetrics(ctx: VerifyContext, folder: string): Promise<void> {
  for (const key of await ctx.filesUnder(folder)) {
    const path = joinPath(folder, key);
    if (isTempFile(key)) {
      ctx.leftoverInKeyFolder(path, 'metric', 'error');
      continue;
    }
    if (basename(key) === '.gitkeep') {
      ctx.problems.error(path, `placeholder file under metrics/: MLflow takes it for a metric named '${key}' and get_run fails ("malformed, no data found"); git-backed tools must not add placeholders`, 'MALFORMED_METRIC');
      continue;
    }
    if (!ctx.checkKey(folder, key, 'metric')) continue;
    const text = await ctx.text(path);
    if (text === null) continue;
    try {
      const history = parseMetricHistory(key, text, path);
      if (history.some((m) => m.datasetName !== undefined)) {
        ctx.problems.warning(path, 'has 5-field lines (metric linked to a dataset): MLflow 3.x reads them, MLflow 2.x fails on them', 'MALFORMED_METRIC');
      }
    } catch (err) {
      if (!isMltrackError(err)) throw err;
      ctx.problems.error(path, err.message.replace(` (${path})`, ''), err.code);
    }
  }
}

/** inputs/<id>/meta.yaml: readable edges; a dataset edge should point at a dataset record (spec 4.6). */
async function checkInputs(ctx: VerifyContext, experimentDir: string, runDir: string): Promise<void> {
  for (const entry of (await ctx.tree.list(joinPath(runDir, INPUTS_DIR))) ?? []) {
    if (!entry.isDir) continue;
    const path = joinPath(runDir, INPUTS_DIR, entry.name, META_FILE);
    const text = await ctx.text(path);
    if (text === null) continue;
    let edge;
    try {
      edge = parseInputMeta(text, path);
    } catch (err) {
      ctx.record(path, err);
      continue;
    }
    if (edge.sourceType === 'DATASET') {
      const dataset = joinPath(experimentDir, DATASETS_DIR, edge.sourceId, META_FILE);
      if ((await ctx.tree.read(dataset)) === null) {
        ctx.problems.warning(path, `dataset input points at a missing dataset (${dataset}): MLflow skips the input`, 'NOT_FOUND');
      }
    } else if (edge.sourceType === 'MODEL') {
      ctx.problems.warning(path, "model input (source_type MODEL): MLflow 3.x reads it, MLflow 2.x fails reading the run ('MODEL' is no InputVertexType)", 'MALFORMED_META');
    }
  }
}

/** One run directory `<experimentDir>/<run>`. */
export async function verifyRun(ctx: VerifyContext, experimentDir: string, experimentId: string, runDir: string): Promise<void> {
  const entries = new Map(((await ctx.tree.list(runDir)) ?? []).map((e) => [e.name, e]));
  const metaPath = joinPath(runDir, META_FILE);
  const meta = entries.get(META_FILE);
  if (!meta || meta.isDir) {
    ctx.problems.warning(runDir, 'directory without meta.yaml: MLflow does not take it for a run and skips it', 'MALFORMED_FILE');
    return;
  }
  ctx.stats.runs++;
  const f = await ctx.yaml(metaPath);
  const runName = f ? checkRunMeta(ctx, metaPath, f, basename(runDir), experimentId) : null;

  for (const sub of [METRICS_DIR, PARAMS_DIR, ARTIFACTS_DIR]) {
    const entry = entries.get(sub);
    const path = joinPath(runDir, sub);
    if (!entry) {
      if (ctx.emptyDirsKept) {
        ctx.problems.warning(path, 'missing directory: MLflow 3.11+ cannot find the run; git does not keep empty directories — run mltrack pull or verify --fix', 'NOT_FOUND', { kind: 'mkdir', path });
      }
    } else if (!entry.isDir) {
      ctx.problems.error(path, `is a file, not a directory: MLflow ${sub === ARTIFACTS_DIR ? '3.x cannot find the run' : 'cannot read the run'}`, 'MALFORMED_FILE');
    }
  }

  await checkMetrics(ctx, joinPath(runDir, METRICS_DIR));
  await ctx.valueFiles(joinPath(runDir, PARAMS_DIR), 'param', { placeholderIs: 'warning' });
  const tags = await ctx.valueFiles(joinPath(runDir, TAGS_DIR), 'tag', { placeholderIs: 'warning' });
  const nameTag = tags[RUN_NAME_TAG];
  if (runName !== null && nameTag !== undefined && nameTag !== runName) {
    ctx.problems.error(joinPath(runDir, TAGS_DIR, RUN_NAME_TAG), `tag mlflow.runName '${nameTag}' differs from meta.yaml run_name '${runName}': MLflow keeps the two in sync, readers disagree on the run's name`, 'INVALID_STATE');
  }
  await checkInputs(ctx, experimentDir, runDir);
}
