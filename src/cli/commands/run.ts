/**
 * `mltrack run [options] -- COMMAND ARGS...`: any program, in any language, as a tracked run.
 * Also the shared tail of `mltrack projects run`: create the run, launch, report, auto-commit.
 */
import type { Command } from 'commander';
import { fail, isMltrackError } from '../../format/errors.js';
import { LIMITS, validateKey, validateValueLength } from '../../format/validation.js';
import { redactArgv } from '../../format/redact.js';
import { commandSourceName } from '../../run/sourceName.js';
import type { LaunchResult } from '../../run/launcher.js';
import { shellJoin } from '../../run/shellQuote.js';
import { collect, parsePairs } from '../args.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** The experiment a new run goes to: the flag, else the configured one, else Default. A named one is created. */
export async function resolveExperiment(ctx: CliContext, flag: string | undefined): Promise<{ id: string; name: string }> {
  const store = ctx.store();
  store.ensureCreated(); // a new run is a write: the tree is made now, as MLflow does
  const config = ctx.config();
  let id = config.experimentId ?? '0';
  const ref = flag ?? config.experiment;
  if (ref) {
    try {
      id = (await ctx.experiment(ref)).experimentId;
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_FOUND' || !flag) throw err;
      id = await store.createExperiment(ref);
    }
  }
  return { id, name: (await store.getExperiment(id)).name };
}

/** Inside another `mltrack run` (or a shell that exported a run id), a new run is nested under that run while it is running. */
async function parentRun(ctx: CliContext): Promise<string | null> {
  const id = ctx.env.MLTRACK_RUN_ID || ctx.env.MLFLOW_RUN_ID;
  if (!id) return null;
  try {
    const run = await ctx.store().getRun(id);
    return run.info.status === 'RUNNING' && run.info.lifecycleStage === 'active' ? id : null;
  } catch {
    return null;
  }
}

/** mltrack's own exit status follows the child's. In-process callers (tests) keep main()'s result. */
function exitWith(ctx: CliContext, code: number): void {
  if (code === 0 || ctx.streams.stdout !== process.stdout) return;
  process.once('exit', () => {
    process.exitCode = code;
  });
}

export interface ExecuteOptions {
  experiment?: string;
  name?: string;
  tags: Record<string, string>;
  params: { key: string; value: string }[];
  argv: string[];
  /** Where the command runs. */
  cwd: string;
  parseMetrics?: boolean;
  quiet?: boolean;
  /** `server` (default): the child talks to an ephemeral REST server on 127.0.0.1; `file`: the tree's file: URI. */
  tracking?: string;
}

export const TRACKING_MODES = ['server', 'file'];

export function checkTrackingMode(mode: string | undefined): 'server' | 'file' {
  const m = mode ?? 'server';
  if (!TRACKING_MODES.includes(m)) throw fail('INVALID_ARGUMENT', `Invalid --tracking '${m}': expected server or file`);
  return m as 'server' | 'file';
}

export const TRACKING_HELP = `By default the child's MLFLOW_TRACKING_URI is http://127.0.0.1:<port> of an mltrack server over
the tree that lives as long as the child, so every MLflow version (3.13+ refuses file: stores) and
every REST client logs into the run. --tracking file gives it the tree's file: URI instead, with
MLFLOW_ALLOW_FILE_STORE=true.`;

/** Creates the run (tags, params), launches the command in it, reports and auto-commits. */
export async function executeRun(ctx: CliContext, opts: ExecuteOptions): Promise<LaunchResult> {
  for (const { key, value } of opts.params) {
    validateKey('param', key);
    validateValueLength('param', key, value, LIMITS.paramValue);
  }
  // Imported here, so registering `run` and `projects` (and every --help) loads none of it.
  const [{ currentUser }, { launch }, { commitIfAutomatic }] = await Promise.all([
    import('../../api/systemTags.js'),
    import('../../run/launcher.js'),
    import('../../api/autoCommit.js'),
  ]);
  const store = ctx.store();
  const experiment = await resolveExperiment(ctx, opts.experiment);
  const tags = { ...opts.tags };
  const parent = await parentRun(ctx);
  if (parent && !(PARENT_RUN_TAG in tags)) tags[PARENT_RUN_TAG] = parent;
  const created = await store.createRun({ experimentId: experiment.id, userId: tags['mlflow.user'] ?? currentUser(ctx.env), runName: opts.name ?? null, tags });
  const runId = created.info.runId;
  try {
    for (let i = 0; i < opts.params.length; i += 100) await store.logBatch(runId, { params: opts.params.slice(i, i + 100) });
  } catch (err) {
    await store.setTerminated(runId, 'FAILED');
    throw err;
  }

  const out = ctx.out;
  const say = (text: string) => {
    if (!opts.quiet) out.info(out.paint('dim', text, true));
  };
  say(`mltrack: run ${runId} (${created.info.runName}) in experiment '${experiment.name}': ${shellJoin(opts.argv)}`);
  let server: { url: string; close(): Promise<void> } | null = null;
  if (checkTrackingMode(opts.tracking) === 'server') {
    const { startServer } = await import('../../server/startServer.js');
    // Loopback only, no users, no commits of its own: the launcher commits once the child is done.
    server = await startServer({ config: { ...ctx.config(), autoCommit: false }, cwd: ctx.cwd, host: '127.0.0.1', port: 0, noUsers: true, onWarning: (m) => out.warn(m) });
  }
  const result = await launch({
    trackingUri: server?.url,
    store,
    runId,
    experimentId: experiment.id,
    experimentName: experiment.name,
    argv: opts.argv,
    cwd: opts.cwd,
    env: ctx.env,
    // With --json, stdout carries only the result document: the child's stdout is echoed on stderr.
    stdout: out.json ? ctx.streams.stderr : ctx.streams.stdout,
    stderr: ctx.streams.stderr,
    parseMetrics: opts.parseMetrics,
    warn: (message) => out.warn(message),
    info: (message) => out.info(message),
  }).finally(() => server?.close());

  if (result.error) {
    if (out.json) ctx.streams.stderr.write(JSON.stringify({ error: result.error.toJSON() }) + '\n');
    else out.error(result.error.code, result.error.message);
  }
  let commit: string | null = null;
  try {
    commit = (await commitIfAutomatic(ctx.config(), ctx.cwd))?.commit ?? null;
  } catch (err) {
    out.warn(`auto-commit failed: ${isMltrackError(err) ? `${err.code}: ${err.message}` : (err as Error).message}`);
  }
  const how = result.signal ? `${result.signal}, exit ${result.exitCode}` : `exit ${result.exitCode}`;
  if (out.json) {
    out.data({ run_id: runId, experiment_id: experiment.id, status: result.status, exit_code: result.exitCode, signal: result.signal, commit });
  } else {
    const colour = result.status === 'FINISHED' ? 'green' : result.status === 'FAILED' ? 'red' : 'yellow';
    if (!opts.quiet) out.info(`mltrack: run ${runId} ${out.paint(colour, result.status, true)} (${how})${commit ? `, committed ${commit.slice(0, 10)}` : ''}`);
  }
  exitWith(ctx, result.exitCode);
  return result;
}

export function registerRun(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('run')
    .description('run any command as a tracked run: output saved, exit status recorded, MLflow and mltrack logging inside it go to the same run')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-e, --experiment <id-or-name>', '[string] experiment (default: the configured one, else Default); created if it does not exist')
    .option('-n, --name <name>', '[string] run name (default: a random adjective-noun-N)')
    .option('-P, --param <key=value>', '[string] param, repeatable', collect)
    .option('--tag <key=value>', '[string] run tag, repeatable', collect)
    .option('--parse-metrics', 'turn `mltrack:metric name=value step=N` lines on stdout into metrics (also mltrack:param, mltrack:tag; see spec/metrics-protocol.md)')
    .option('-q, --quiet', 'no start and end lines on stderr')
    .option('--tracking <mode>', "[server|file] the child's MLFLOW_TRACKING_URI: an ephemeral REST server (default) or the file: URI", 'server')
    .addHelpText(
      'after',
      `
The child gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID and MLTRACK_RUN_ID, so
mlflow.start_run() in Python and mltrack log-* in a script log into this run. Its stdout and
stderr are shown and saved as artifacts logs/stdout.txt and logs/stderr.txt. Exit 0 ends the run
FINISHED, another code FAILED; Ctrl-C or SIGTERM is passed to the command and the run ends KILLED.
mltrack exits with the command's status (128+n for signal n, 127 when it cannot be found).

${TRACKING_HELP}

Examples:
  mltrack run -e churn -P lr=0.1 -- python train.py --lr 0.1
  mltrack run --parse-metrics -- Rscript fit.R     # fit.R prints: mltrack:metric rmse=6.2 step=1
  mltrack run --tracking file -- python train.py    # MLflow's file store, MLFLOW_ALLOW_FILE_STORE=true`,
    )
    .action(run(async (ctx, command: string[], opts: { experiment?: string; name?: string; param?: string[]; tag?: string[]; parseMetrics?: boolean; quiet?: boolean; tracking?: string }) => {
      checkTrackingMode(opts.tracking);
      const raw = (program as unknown as { rawArgs?: string[] }).rawArgs;
      if (raw && !raw.includes('--')) {
        throw fail('INVALID_ARGUMENT', `Put the command after '--', so its options stay its own: mltrack run [options] -- ${shellJoin(command)}`);
      }
      const params = Object.entries(parsePairs(opts.param, 'a param')).map(([key, value]) => ({ key, value }));
      // MLflow records the program only; the command line, which may carry secrets, only when asked for and redacted.
      const sourceName = [...commandSourceName(command)].slice(0, 1000).join('');
      const { COMMAND_TAG, sourceOptions, systemTags } = await import('../../api/systemTags.js');
      const source = sourceOptions(ctx.config());
      const tags = { ...(await systemTags({ sourceName, sourceType: 'LOCAL', cwd: ctx.cwd, mlruns: ctx.store().root, snapshotPolicy: source.snapshotPolicy, report: (line) => ctx.out.info(`mltrack: ${line}`) })), ...parsePairs(opts.tag, 'a tag') };
      if (source.recordCommandLine && !(COMMAND_TAG in tags)) tags[COMMAND_TAG] = [...shellJoin(redactArgv(command))].slice(0, 5000).join('');
      await executeRun(ctx, { experiment: opts.experiment, name: opts.name, tags, params, argv: command, cwd: ctx.cwd, parseMetrics: opts.parseMetrics, quiet: opts.quiet, tracking: opts.tracking });
    }));
}
