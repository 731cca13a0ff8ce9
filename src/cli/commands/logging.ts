/**
 * Shell-friendly logging: `RUN=$(mltrack start-run)`, then `log-param`, `log-metric`, `set-tag`,
 * `log-artifact` and `end-run`, each taking the run from --run-id, MLTRACK_RUN_ID or MLFLOW_RUN_ID.
 */
import type { Command } from 'commander';
import { RUN_STATUS_CODES, type RunStatus } from '../../format/entities.js';
import { fail } from '../../format/errors.js';
import { parsePyFloat, parsePyInt } from '../../format/pyFloat.js';
import { runJson } from '../../format/restJson.js';
import { collect, parsePairs } from '../args.js';
import type { CliContext } from '../context.js';
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const RUN_ID_OPTION = ['--run-id <id>', '[string] run to log to (default: $MLTRACK_RUN_ID, then $MLFLOW_RUN_ID)'] as const;

export function parseStatus(value: string): RunStatus {
  const status = value.toUpperCase() as RunStatus;
  if (!(status in RUN_STATUS_CODES)) throw fail('INVALID_ARGUMENT', `Unknown status '${value}': use FINISHED, FAILED or KILLED`);
  return status;
}

function parseMetricValue(text: string): number {
  const value = parsePyFloat(text);
  if (value === undefined) throw fail('INVALID_VALUE', `Metric value '${text}' is not a number (nan, inf and -inf are allowed)`);
  return value;
}

function parseInteger(text: string, what: string): number | bigint {
  const value = parsePyInt(text);
  if (value === undefined) throw fail('INVALID_VALUE', `${what} '${text}' is not an integer`);
  return value;
}

/** The biggest file at `path` (itself, or anywhere below it). */
/** Links are not followed below the top: the copy itself checks where they lead (UNSAFE_ARTIFACT). */
function largestFile(path: string, top = true): { path: string; size: number } | null {
  if (!existsSync(path)) return null;
  const stat = top ? statSync(path) : lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? { path, size: stat.size } : null;
  let best: { path: string; size: number } | null = null;
  for (const name of readdirSync(path)) {
    const found = largestFile(join(path, name), false);
    if (found && (!best || found.size > best.size)) best = found;
  }
  return best;
}

async function sourceRoot(cwd: string): Promise<string | null> {
  const { readSourceInfo } = await import('../../git/sourceInfo.js');
  return readSourceInfo(cwd)?.root ?? null;
}

// Past the store (loaded with the CLI context), what an action needs is imported in it: git, system
// tags, digests and auto-commit cost neither `--help` nor a `log-metric`.

export function registerLogging(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('start-run')
    .description('start a run and print its id (for shell scripts)')
    .option('-e, --experiment <id-or-name>', '[string] experiment (default: the configured one, else Default); created if it does not exist')
    .option('-n, --name <name>', '[string] run name (default: a random adjective-noun-N)')
    .option('--tag <key=value>', '[string] run tag, repeatable', collect)
    .option('-P, --param <key=value>', '[string] param, repeatable', collect)
    .option('--description <text>', '[string] run description')
    .option('--parent <run-id>', '[string] make this a nested run of another run')
    .addHelpText('after', '\nExample:\n  export MLTRACK_RUN_ID=$(mltrack start-run -e churn -n baseline -P lr=0.1)\n  mltrack log-metric rmse 6.2 --step 1\n  mltrack end-run')
    .action(run(async (ctx, opts: { experiment?: string; name?: string; tag?: string[]; param?: string[]; description?: string; parent?: string }) => {
      const [{ DESCRIPTION_TAG }, { currentUser, sourceOptions, systemTags }] = await Promise.all([import('../../store/FileStore.js'), import('../../api/systemTags.js')]);
      const store = ctx.store();
      const config = ctx.config();
      let experimentId = config.experimentId ?? '0';
      const ref = opts.experiment ?? config.experiment;
      if (ref) {
        try {
          experimentId = (await ctx.experiment(ref)).experimentId;
        } catch (err) {
          if ((err as { code?: string }).code !== 'NOT_FOUND' || !opts.experiment) throw err;
          experimentId = await store.createExperiment(ref);
        }
      }
      const tags = { ...(await systemTags({ sourceName: 'mltrack start-run', cwd: ctx.cwd, mlruns: store.root, snapshotPolicy: sourceOptions(config).snapshotPolicy, report: (line) => ctx.out.info(`mltrack: ${line}`) })), ...parsePairs(opts.tag, 'a tag') };
      if (opts.description) tags[DESCRIPTION_TAG] = opts.description;
      if (opts.parent) tags['mlflow.parentRunId'] = opts.parent;
      const params = parsePairs(opts.param, 'a param');
      const created = await store.createRun({ experimentId, userId: tags['mlflow.user'] ?? currentUser(), runName: opts.name ?? null, tags });
      if (Object.keys(params).length) await store.logBatch(created.info.runId, { params: Object.entries(params).map(([key, value]) => ({ key, value })) });
      if (ctx.out.json) ctx.out.data(runJson(await store.getRun(created.info.runId)));
      else ctx.out.line(created.info.runId);
    }));

  program
    .command('log-param <key> <value>')
    .description('log a param (params are immutable: the same value again is fine, a different one is an error)')
    .option(...RUN_ID_OPTION)
    .action(run(async (ctx, key: string, value: string, opts: { runId?: string }) => {
      await ctx.store().logParam(ctx.runId(opts.runId), key, value);
    }));

  program
    .command('log-metric <key> <value>')
    .description('append a metric value (nan, inf and -inf allowed)')
    .option(...RUN_ID_OPTION)
    .option('-s, --step <n>', '[integer] step (default: 0)')
    .option('-t, --timestamp <ms>', '[integer] milliseconds since the epoch (default: now)')
    .action(run(async (ctx, key: string, value: string, opts: { runId?: string; step?: string; timestamp?: string }) => {
      const step = opts.step === undefined ? 0 : parseInteger(opts.step, 'Step');
      const timestamp = opts.timestamp === undefined ? Date.now() : Number(parseInteger(opts.timestamp, 'Timestamp'));
      await ctx.store().logMetric(ctx.runId(opts.runId), { key, value: parseMetricValue(value), step, timestamp });
    }));

  program
    .command('log-metrics <key=value...>')
    .description('append several metric values at one step, in one write per metric')
    .option(...RUN_ID_OPTION)
    .option('-s, --step <n>', '[integer] step (default: 0)')
    .action(run(async (ctx, pairs: string[], opts: { runId?: string; step?: string }) => {
      const step = opts.step === undefined ? 0 : parseInteger(opts.step, 'Step');
      const timestamp = Date.now();
      const metrics = Object.entries(parsePairs(pairs, 'a metric')).map(([key, value]) => ({ key, value: parseMetricValue(value), step, timestamp }));
      await ctx.store().logBatch(ctx.runId(opts.runId), { metrics });
    }));

  program
    .command('set-tag <key> <value>')
    .description('set a run tag (overwrites)')
    .option(...RUN_ID_OPTION)
    .action(run(async (ctx, key: string, value: string, opts: { runId?: string }) => {
      await ctx.store().setTag(ctx.runId(opts.runId), key, value);
    }));

  program
    .command('delete-tag <key>')
    .description('delete a run tag')
    .option(...RUN_ID_OPTION)
    .action(run(async (ctx, key: string, opts: { runId?: string }) => {
      await ctx.store().deleteTag(ctx.runId(opts.runId), key);
    }));

  program
    .command('log-artifact <path>')
    .description("copy a file or a directory's contents into the run's artifacts")
    .option(...RUN_ID_OPTION)
    .option('-a, --artifact-path <dir>', '[string] folder inside the artifacts (default: the top)')
    .action(run(async (ctx, path: string, opts: { runId?: string; artifactPath?: string }) => {
      // Refuse before copying anything: a large artifact could not be committed without Git LFS.
      const threshold = ctx.config().largeArtifactBytes;
      const largest = largestFile(resolve(ctx.cwd, path));
      const { largeArtifactError, lfsAvailable } = await import('../../git/lfs.js');
      if (largest && largest.size > threshold && !lfsAvailable()) throw largeArtifactError(largest.path, largest.size, threshold);
      const written = await ctx.store().logArtifact(ctx.runId(opts.runId), path, opts.artifactPath ?? '');
      if (ctx.out.json) ctx.out.data({ artifacts: written });
    }));

  program
    .command('log-model <dir>')
    .description("log a model directory under the run's artifacts with an MLflow MLmodel file and the mlflow.log-model.history tag")
    .option(...RUN_ID_OPTION)
    .option('-a, --artifact-path <dir>', '[string] folder inside the artifacts (default: model)', 'model')
    .option('--flavor <name>', '[string] flavor name in MLmodel (default: mltrack)')
    .action(run(async (ctx, dir: string, opts: { runId?: string; artifactPath: string; flavor?: string }) => {
      const abs = resolve(ctx.cwd, dir);
      if (!existsSync(abs) || !statSync(abs).isDirectory()) throw fail('NOT_FOUND', `No such directory: '${dir}'`);
      const flavors = opts.flavor ? { [opts.flavor]: { files: readdirSync(abs).sort() } } : undefined;
      const { logModel } = await import('../../api/logModel.js');
      const model = await logModel(ctx.store(), ctx.runId(opts.runId), abs, { artifactPath: opts.artifactPath, flavors });
      if (ctx.out.json) ctx.out.data({ artifact_path: model.artifactPath, model_uuid: model.modelUuid, model_size_bytes: model.modelSizeBytes ?? null, source: `runs:/${model.runId}/${model.artifactPath}` });
      else ctx.out.line(`runs:/${model.runId}/${model.artifactPath}`);
    }));

  program
    .command('log-input <path>')
    .description('record a dataset file or directory as an input of the run, with a content digest (MLflow dataset inputs)')
    .option(...RUN_ID_OPTION)
    .option('--name <name>', '[string] dataset name (default: the file or directory name)')
    .option('--context <context>', '[string] how the run used it, e.g. training or eval (the mlflow.data.context input tag)', 'training')
    .addHelpText('after', '\nThe digest hashes the bytes (and, for a directory, the relative paths): the same data\nalways gets the same digest, so `dataset.digest = ...` finds every run trained on it.')
    .action(run(async (ctx, path: string, opts: { runId?: string; name?: string; context: string }) => {
      const abs = resolve(ctx.cwd, path);
      if (!existsSync(abs)) throw fail('NOT_FOUND', `No such file or directory: '${path}'`);
      const { contentDigest } = await import('../../api/datasetDigest.js');
      const digest = contentDigest(abs);
      const stat = statSync(abs);
      const name = opts.name ?? basename(abs);
      // Inside the repository the path is recorded relative to its root, so no home directory is shared.
      const workdir = await sourceRoot(ctx.cwd);
      const uri = workdir && !relative(workdir, abs).startsWith('..') ? relative(workdir, abs) || '.' : abs;
      const dataset = { name, digest, sourceType: 'local', source: JSON.stringify({ uri }), schema: null, profile: JSON.stringify(stat.isDirectory() ? { type: 'directory' } : { type: 'file', num_bytes: stat.size }) };
      await ctx.store().logInputs(ctx.runId(opts.runId), [{ dataset, tags: { 'mlflow.data.context': opts.context } }]);
      if (ctx.out.json) ctx.out.data({ name, digest, context: opts.context, source: uri });
      else ctx.out.line(`${name} ${digest}`);
    }));

  program
    .command('end-run')
    .description('end a run (FINISHED unless --status says otherwise)')
    .option(...RUN_ID_OPTION)
    .option('--status <status>', '[FINISHED|FAILED|KILLED] how it ended (default: FINISHED)', 'FINISHED')
    .action(run(async (ctx, opts: { runId?: string; status: string }) => {
      const info = await ctx.store().setTerminated(ctx.runId(opts.runId), parseStatus(opts.status));
      const { commitIfAutomatic } = await import('../../api/autoCommit.js');
      const committed = await commitIfAutomatic(ctx.config(), ctx.cwd, info.runId);
      if (ctx.out.json) ctx.out.data({ run_id: info.runId, status: info.status, end_time: info.endTime, commit: committed?.commit ?? null });
      else if (committed) ctx.out.info(`committed to ${ctx.config().branch}: ${committed.commit.slice(0, 10)}`);
    }));
}
