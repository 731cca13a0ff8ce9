/**
 * The `mltrack` command line. Commands throw; this file is the one place that turns an error into
 * one line on stderr with a stable code and a non-zero exit, so every command is testable in-process.
 */
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import type { CliContext, GlobalOptions } from './context.js';
import type { Output, OutputStreams } from './output.js';

// Nothing is imported up front: `--version` alone loads only the output module (whose handler
// keeps a closed pipe quiet), and the rest load once main() knows the command. commander is CommonJS; required as such it loads in about half the time
// of its ESM wrapper, for which node first scans the CommonJS source for named exports.
const loadCommander = () => createRequire(import.meta.url)('commander') as typeof import('commander');

export const VERSION = '0.1.0';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;
type Register = (program: Command, run: (action: Action) => (...args: any[]) => Promise<void>) => void;

/**
 * The module that registers each top-level command. Only the module of the command on the command
 * line is imported (with what it imports): `mltrack --version` loads none, and help or an unknown
 * command loads them all. test/cli/help.test.ts checks the names against what each module registers.
 */
export const COMMAND_MODULES: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['init', 'clone'], load: async () => (await import('./commands/init.js')).registerInit },
  { names: ['experiments'], load: async () => (await import('./commands/experiments.js')).registerExperiments },
  { names: ['runs'], load: async () => (await import('./commands/runs.js')).registerRuns },
  { names: ['start-run', 'log-param', 'log-metric', 'log-metrics', 'set-tag', 'delete-tag', 'log-artifact', 'log-model', 'log-input', 'end-run'], load: async () => (await import('./commands/logging.js')).registerLogging },
  { names: ['gc'], load: async () => (await import('./commands/gc.js')).registerGc },
  { names: ['commit', 'log', 'pull', 'push'], load: async () => (await import('./commands/track.js')).registerTrack },
  { names: ['run'], load: async () => (await import('./commands/run.js')).registerRun },
  { names: ['projects'], load: async () => (await import('./commands/projects.js')).registerProjects },
  { names: ['models', 'tags'], load: async () => (await import('./commands/models.js')).registerModels },
  { names: ['review'], load: async () => (await import('./commands/review.js')).registerReview },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemo },
  { names: ['verify'], load: async () => (await import('./commands/verify.js')).registerVerify },
  { names: ['site', 'ui', 'publish'], load: async () => (await import('./commands/site.js')).registerSite },
  { names: ['server'], load: async () => (await import('./commands/server.js')).registerServer },
  { names: ['import', 'export'], load: async () => (await import('./commands/import.js')).registerImport },
];

/** Global options that take a value, so the word after them is not the command. */
const VALUE_OPTIONS = new Set(['--mlruns']);

/** The command word of `argv` (the first word that is not a global option or its value), if any. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The modules to load for `argv`: the one of its command, none for `--version`, else all (help, a typo's suggestions). */
function modulesFor(argv: string[]): typeof COMMAND_MODULES {
  const word = commandWord(argv);
  const one = COMMAND_MODULES.find((m) => word !== undefined && m.names.includes(word));
  if (one) return [one];
  if (word === undefined && argv.some((a) => a === '-V' || a === '--version') && !argv.some((a) => a === '-h' || a === '--help')) return [];
  return COMMAND_MODULES;
}

export const EXIT = { ok: 0, error: 1, usage: 2, internal: 70 } as const;

export interface MainOptions {
  cwd?: string;
  streams?: OutputStreams;
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const streams: OutputStreams = options.streams ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const output = await import('./output.js');
  if (!options.streams) for (const stream of [process.stdout, process.stderr]) output.quietOnClosedPipe(stream);
  // What commander prints for `--version`, without loading commander (or the rest) for it.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    streams.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const [commander, errors, readWarnings] = await Promise.all([loadCommander(), import('../format/errors.js'), import('../store/readWarnings.js')]);
  const cwd = options.cwd ?? process.cwd();
  let exitCode: number = EXIT.ok;
  let lastContext: CliContext | null = null;

  const program = new commander.Command('mltrack')
    .description('Git-native experiment tracking and model registry on MLflow\'s mlruns format.')
    .option('--mlruns <dir>', '[string] mlruns directory or file: URI (default: from .mltrack.yml, $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--json', 'print machine-readable JSON instead of tables')
    .option('--no-color', 'no colours (also when NO_COLOR is set)')
    .option('--debug', 'print stack traces for unexpected errors')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Quick start:
  mltrack init                                   set up .mltrack.yml and ./mlruns
  export MLTRACK_RUN_ID=$(mltrack start-run -n try-1 -P lr=0.1)
  mltrack log-metric loss 0.42 --step 1
  mltrack end-run
  mltrack runs list --columns metrics.loss,params.lr

Python code using MLflow logs into the same tree under mltrack run, or through mltrack server
(MLFLOW_TRACKING_URI=http://127.0.0.1:5000); with MLflow >= 3.13, file:./mlruns needs MLFLOW_ALLOW_FILE_STORE=true.
Every command takes --json. Errors print one line with a stable code (spec/errors.md).`,
    );

  const run =
    (action: Action) =>
    async (...args: any[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const { CliContext } = await import('./context.js');
      const ctx = new CliContext(streams, cwd, command.optsWithGlobals() as GlobalOptions);
      lastContext = ctx;
      await action(ctx, ...args.slice(0, -1));
    };

  for (const register of await Promise.all(modulesFor(argv).map((m) => m.load()))) register(program, run);

  // What readers skip (a damaged run, a stray folder) is printed once each: a line, or with --json a JSON line, on stderr.
  const json = argv.includes('--json');
  const previousSink = readWarnings.setReadWarningSink(
    readWarnings.onceEach((w) => streams.stderr.write(json ? JSON.stringify({ warning: { code: 'SKIPPED', path: w.path, rule: w.rule } }) + '\n' : `warning: skipped ${w.path}: ${w.rule}\n`)),
  );
  try {
    await program.parseAsync(negativeInfinityAsValue(argv), { from: 'user' });
  } catch (err) {
    exitCode = reportError(err, lastContext, streams, argv, {
      CommanderError: commander.CommanderError,
      Output: output.Output,
      fromSystemError: errors.fromSystemError,
      isMltrackError: errors.isMltrackError,
    });
  } finally {
    readWarnings.setReadWarningSink(previousSink);
  }
  return exitCode;
}

/**
 * `log-metric loss -inf`: commander takes `-inf` for an option (it only knows negative numbers made of
 * digits). After `log-metric`, such a value moves behind `--`, where it can only be an argument; it is
 * the last positional of the command, so the order of arguments is kept.
 */
function negativeInfinityAsValue(argv: string[]): string[] {
  const at = argv.indexOf('log-metric');
  if (at < 0 || argv.includes('--')) return argv;
  const isValue = (a: string, i: number) => i > at && /^-(inf|infinity|nan)$/i.test(a) && !/^-/.test(argv[i - 1] ?? '') ;
  const values = argv.filter(isValue);
  if (values.length === 0) return argv;
  return [...argv.filter((a, i) => !isValue(a, i)), '--', ...values];
}

/** What reportError uses of the modules main() loaded. */
interface ErrorModules {
  CommanderError: typeof import('commander').CommanderError;
  Output: typeof Output;
  fromSystemError: typeof import('../format/errors.js').fromSystemError;
  isMltrackError: typeof import('../format/errors.js').isMltrackError;
}

function reportError(err: unknown, ctx: CliContext | null, streams: OutputStreams, argv: string[], m: ErrorModules): number {
  const { CommanderError, Output, fromSystemError, isMltrackError } = m;
  if (err instanceof CommanderError) {
    // Help and version are not failures; commander already printed its message.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const out = ctx?.out ?? new Output(streams, { json: argv.includes('--json') });
  err = fromSystemError(err) ?? err;
  if (isMltrackError(err)) {
    if (out.json) streams.stderr.write(JSON.stringify({ error: err.toJSON() }) + '\n');
    else out.error(err.code, err.message);
    return EXIT.error;
  }
  const debug = argv.includes('--debug');
  const message = err instanceof Error ? err.message : String(err);
  if (out.json) streams.stderr.write(JSON.stringify({ error: { code: 'INTERNAL', message } }) + '\n');
  else {
    out.error('INTERNAL', `${message}${debug ? '' : ' (rerun with --debug for details)'}`);
    if (debug && err instanceof Error && err.stack) streams.stderr.write(err.stack + '\n');
  }
  return EXIT.internal;
}
