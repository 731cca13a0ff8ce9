/**
 * Rules for one experiment directory (spec 2, 3): a valid id for a name, a meta.yaml MLflow can read
 * whose id is the directory and whose lifecycle_stage matches where it is, readable tags and dataset
 * records; then every run in it.
 */
import { parseDatasetMeta } from '../format/datasetMeta.js';
import { DATASETS_DIR, META_FILE, RESERVED_EXPERIMENT_SUBDIRS, TAGS_DIR, joinPath } from '../format/layout.js';
import { isExperimentId } from '../format/validation.js';
import type { YamlFields } from '../format/yaml.js';
import { idField, intField, stringField } from './metaFields.js';
import type { VerifyContext } from './VerifyContext.js';
import { verifyRun } from './verifyRun.js';

function checkExperimentMeta(ctx: VerifyContext, path: string, f: YamlFields, dirName: string, inTrash: boolean): void {
  const required = { required: true, consequence: 'MLflow fails to list experiments' };
  const id = idField(ctx, path, f, 'experiment_id', required);
  if (id !== undefined && id !== dirName) {
    ctx.problems.error(path, `experiment_id '${id}' differs from its directory name '${dirName}': MLflow ignores the experiment`, 'INVALID_STATE');
  }
  stringField(ctx, path, f, 'name', required);
  stringField(ctx, path, f, 'artifact_location', required);
  intField(ctx, path, f, 'creation_time', { nullable: true });
  intField(ctx, path, f, 'last_update_time', { nullable: true });
  const stage = stringField(ctx, path, f, 'lifecycle_stage', required);
  if (typeof stage !== 'string') return;
  if (stage !== 'active' && stage !== 'deleted') {
    ctx.problems.error(path, `field 'lifecycle_stage' must be 'active' or 'deleted', found '${stage}': MLflow fails to list experiments`, 'MALFORMED_META');
  } else if (inTrash && stage === 'active') {
    ctx.problems.error(path, "lifecycle_stage is 'active' but the experiment is in .trash/: MLflow lists it as deleted only (the location decides); move it to the root or mark it deleted", 'INVALID_STATE');
  } else if (!inTrash && stage === 'deleted') {
    ctx.problems.error(path, "lifecycle_stage is 'deleted' but the experiment is in the root: MLflow lists it as active yet refuses new runs; deleted experiments belong in .trash/", 'INVALID_STATE');
  }
}

/** `<root>/<id>` (inTrash false) or `.trash/<id>` (inTrash true). */
export async function verifyExperiment(ctx: VerifyContext, dir: string, inTrash: boolean): Promise<void> {
  const name = dir.slice(dir.lastIndexOf('/') + 1);
  if (!isExperimentId(name)) {
    const where = inTrash ? '.trash' : 'the mlruns root';
    ctx.problems.error(dir, `'${name}' is not an experiment id, and only experiment directories${inTrash ? '' : ', .trash and models'} may sit in ${where}: MLflow's search_experiments fails with "Invalid experiment ID: '${name}'"`, 'INVALID_ID');
    return;
  }
  const entries = (await ctx.tree.list(dir)) ?? [];
  const meta = entries.find((e) => e.name === META_FILE && !e.isDir);
  if (!meta) {
    ctx.problems.warning(dir, 'experiment directory without meta.yaml: MLflow skips it, with its runs', 'MALFORMED_FILE');
    return;
  }
  ctx.stats.experiments++;
  const metaPath = joinPath(dir, META_FILE);
  const f = await ctx.yaml(metaPath);
  if (f) checkExperimentMeta(ctx, metaPath, f, name, inTrash);

  await ctx.valueFiles(joinPath(dir, TAGS_DIR), 'experiment tag', { placeholderIs: 'warning' });
  for (const dataset of (await ctx.tree.list(joinPath(dir, DATASETS_DIR))) ?? []) {
    if (!dataset.isDir) continue;
    const path = joinPath(dir, DATASETS_DIR, dataset.name, META_FILE);
    const text = await ctx.text(path);
    if (text === null) continue;
    try {
      parseDatasetMeta(text, path);
    } catch (err) {
      ctx.record(path, err);
    }
  }
  for (const entry of entries) {
    if (entry.isDir && !RESERVED_EXPERIMENT_SUBDIRS.has(entry.name)) await verifyRun(ctx, dir, name, joinPath(dir, entry.name));
  }
}
