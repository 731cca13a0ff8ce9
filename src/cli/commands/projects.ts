/** `mltrack projects run`: an MLflow Project's entry point as a tracked run, like `mlflow run`. */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../format/errors.js';
import { stripUrlUserinfo } from '../../format/redact.js';
import type { Project } from '../../run/mlproject.js';
import { firstExecutable } from '../../run/which.js';
import { collect, parsePairs } from '../args.js';
import type { CliContext } from '../context.js';
import { checkTrackingMode, executeRun, TRACKING_HELP } from './run.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const ENV_FILES: Record<string, string> = { python: 'a python_env', conda: 'a conda', docker: 'a docker' };

/** Only `local` is possible here: mltrack does not create virtualenv, conda or docker environments. */
function checkEnvManager(ctx: CliContext, project: Project, manager: string | undefined): void {
  if (manager !== undefined && manager !== 'local') {
    throw fail('ENV_MANAGER_UNSUPPORTED', `--env-manager ${manager} is not supported: mltrack cannot create ${manager} environments. Use --env-manager local to run in the current environment`, { envManager: manager });
  }
  const env = project.env;
  if (env.kind === 'none') return;
  const what = env.kind === 'docker' ? `${ENV_FILES.docker} environment (image ${env.image})` : `${ENV_FILES[env.kind]} environment (${env.file})`;
  if (manager === undefined) {
    throw fail(
      'ENV_MANAGER_UNSUPPORTED',
      `This project declares ${what}, which mltrack cannot create. Install what it needs yourself and run it in the current environment with --env-manager local`,
      { env: env.kind },
    );
  }
  if (env.kind === 'docker') ctx.out.warn(`the docker image ${env.image} is not used: with --env-manager local the command runs on this machine`);
}

/** What MLflow records as the source of a local project: `file://<repo>#<subdir>` inside git, else the directory. */
function projectSourceName(dir: string): string {
  let root: string | null = null;
  try {
    root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    root = null;
  }
  if (!root) return dir;
  const sub = relative(realpathSync(root), realpathSync(dir));
  // MLflow writes file://<absolute root>#<sub>; the tracking branch and the site are shared, so
  // name the repository by its remote, or else by the project's place inside it, never by a home path.
  let url = '';
  try {
    url = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    url = '';
  }
  if (url) return `${stripUrlUserinfo(url)}${sub ? `#${sub}` : ''}`;
  return sub ? `./${sub}` : '.';
}

export function registerProjects(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const projects = program.command('projects').description('MLflow Projects: run an MLproject entry point as a tracked run');

  projects
    .command('run [dir]')
    .description("run an entry point of the MLproject in DIR (default: .) as `mlflow run` does, through mltrack's run launcher")
    .option('-e, --entry-point <name>', '[string] entry point, or a .py, .sh or .R file to run', 'main')
    .option('-P, --param <key=value>', '[string] parameter, repeatable; undeclared ones are appended as --key value', collect)
    .option('--env-manager <manager>', '[local] run in the current environment (the only manager mltrack supports; required when the project declares an environment)')
    .option('--experiment <id-or-name>', '[string] experiment (default: the configured one, else Default); created if it does not exist')
    .option('--experiment-name <name>', "[string] the experiment by name, as mlflow run's flag")
    .option('--experiment-id <id>', "[string] the experiment by id, as mlflow run's flag")
    .option('-n, --name <name>', '[string] run name (default: a random adjective-noun-N)')
    .option('--parse-metrics', 'turn `mltrack:metric name=value step=N` lines on stdout into metrics (spec/metrics-protocol.md)')
    .option('-q, --quiet', 'no start and end lines on stderr')
    .option('--tracking <mode>', "[server|file] the child's MLFLOW_TRACKING_URI: an ephemeral REST server (default) or the file: URI", 'server')
    .addHelpText(
      'after',
      `
Parameters are checked by type (float, path: must exist and is made absolute, uri), substituted
into the command shell-quoted, and logged as the quoted strings MLflow logs. Projects with a
python_env, conda or docker environment need --env-manager local: mltrack runs the command in the
current environment and does not install anything.

${TRACKING_HELP}

Note: here, as in \`mlflow run\`, -e is the entry point (--entry-point). Everywhere else in
mltrack -e is the experiment; here name it with --experiment, --experiment-name or --experiment-id.

Examples:
  mltrack projects run . -P alpha=0.5 --env-manager local --experiment churn
  mltrack projects run examples/wine -e validate
  mltrack projects run . -e train.py -P lr=0.1     # python train.py --lr 0.1`,
    )
    .action(run(async (ctx, dir: string | undefined, opts: { entryPoint: string; param?: string[]; envManager?: string; experiment?: string; experimentName?: string; experimentId?: string; name?: string; parseMetrics?: boolean; quiet?: boolean; tracking?: string }) => {
      checkTrackingMode(opts.tracking);
      const named = [opts.experiment, opts.experimentName, opts.experimentId].filter((v) => v !== undefined);
      if (named.length > 1) throw fail('INVALID_ARGUMENT', 'Name the experiment once: --experiment, --experiment-name or --experiment-id');
      if (opts.experimentId !== undefined) await ctx.store().getExperiment(opts.experimentId); // an id must exist; a name is created
      const experiment = named[0];
      const ref = dir ?? '.';
      if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(ref) || /^[^/]+@[^/]+:/.test(ref) || ref.includes('#')) {
        throw fail('INVALID_ARGUMENT', `'${ref}' is not a local directory: mltrack runs projects from a local checkout (git clone it first)`, { project: ref });
      }
      // The MLproject reader (and its yaml parser) and system tags load here, not with the command.
      const [{ computeCommand, getEntryPoint, loadProject }, { sourceOptions, systemTags }] = await Promise.all([
        import('../../run/mlproject.js'),
        import('../../api/systemTags.js'),
      ]);
      const project = loadProject(resolve(ctx.cwd, ref));
      checkEnvManager(ctx, project, opts.envManager);
      const entry = getEntryPoint(project, opts.entryPoint, ctx.env);
      const computed = computeCommand(entry, parsePairs(opts.param, 'a parameter'), ctx.cwd);

      const tags = await systemTags({ sourceName: projectSourceName(project.dir), sourceType: 'PROJECT', cwd: project.dir, mlruns: ctx.store().root, snapshotPolicy: sourceOptions(ctx.config()).snapshotPolicy, report: (line) => ctx.out.info(`mltrack: ${line}`) });
      tags['mlflow.project.entryPoint'] = entry.name;
      tags['mlflow.project.env'] = 'local';
      tags['mlflow.project.backend'] = 'local';
      if (tags['mlflow.source.git.repoURL']) tags['mlflow.gitRepoURL'] = tags['mlflow.source.git.repoURL'];
      // MLflow runs `bash -c <command>` in the project directory.
      const shell = firstExecutable(['bash', 'sh'], ctx.env);
      await executeRun(ctx, {
        experiment,
        name: opts.name,
        tags,
        params: computed.params,
        argv: [shell, '-c', computed.command],
        cwd: project.dir,
        parseMetrics: opts.parseMetrics,
        quiet: opts.quiet,
        tracking: opts.tracking,
      });
    }));
}
