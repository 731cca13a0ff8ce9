/**
 * Runs a command as the body of an existing run, the one launcher behind `mltrack run` and
 * `mltrack projects run`:
 *
 * - the child gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID and MLTRACK_RUN_ID, so
 *   MLflow's Python client and mltrack's CLI and API inside it log into this same run;
 * - its stdout and stderr are echoed live and appended to `logs/stdout.txt` and `logs/stderr.txt`
 *   in the run's artifacts as they arrive (a crash loses nothing already printed);
 * - with `parseMetrics`, protocol lines on stdout become metrics, params and tags (metricsProtocol.ts);
 * - it starts in a process group of its own; SIGINT, SIGTERM and SIGHUP to mltrack are passed to
 *   the whole group (a second signal kills the group), and once the child has gone, whatever is
 *   left of its group gets SIGTERM, then SIGKILL;
 * - the run ends FINISHED (exit 0), FAILED (non-zero exit, a crash signal such as SIGSEGV, or a
 *   command that cannot start) or KILLED (interrupted, or ended by another signal), with the exit
 *   status in the `mltrack.exit_code` tag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { RunStatus } from '../format/entities.js';
import { fail, isMltrackError, type MltrackError } from '../format/errors.js';
import { pathToFileUri } from '../format/fileUri.js';
import type { FileStore } from '../store/FileStore.js';
import { isProtocolLine, parseProtocolLine } from './metricsProtocol.js';
import { LineSplitter, OutputCapture, type Sink } from './outputCapture.js';
import { ProtocolWriter } from './protocolWriter.js';

export const STDOUT_LOG = 'logs/stdout.txt';
export const STDERR_LOG = 'logs/stderr.txt';
export const EXIT_CODE_TAG = 'mltrack.exit_code';
export const SIGNAL_TAG = 'mltrack.signal';

/** Signals that mean the program crashed (FAILED), not that something stopped it (KILLED). */
const CRASH_SIGNALS = new Set<string>(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGTRAP', 'SIGSYS']);
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunTarget {
  runId: string;
  experimentId: string;
  experimentName: string;
}

export interface LaunchOptions extends RunTarget {
  store: FileStore;
  /** Program and arguments (no shell: pass `['bash', '-c', line]` for one). */
  argv: string[];
  cwd: string;
  /** Environment the child starts from; the run's variables are added to it. */
  env: NodeJS.ProcessEnv;
  /** The child's MLFLOW_TRACKING_URI: an http URI of a server over the tree; absent: the tree's file: URI. */
  trackingUri?: string;
  /** Where the child's output is echoed (null: not echoed). */
  stdout: Sink | null;
  stderr: Sink | null;
  parseMetrics?: boolean;
  warn: (message: string) => void;
  info?: (message: string) => void;
  /** Protocol batching interval (ms). */
  flushIntervalMs?: number;
  /** Install the signal handlers (default true). */
  handleSignals?: boolean;
  /** After the child exits, how long to keep reading pipes that background processes still hold open (ms). */
  drainMs?: number;
  /** After an interrupt, how long the rest of the child's process group has before SIGKILL (ms). */
  killGraceMs?: number;
}

export interface LaunchResult {
  runId: string;
  status: RunStatus;
  /** What mltrack exits with: the child's code, 128 + n for signal n, 127 or 126 when it could not start. */
  exitCode: number;
  /** The signal that ended the child, if one did. */
  signal: NodeJS.Signals | null;
  /** The signal mltrack received and passed on, if any. */
  interrupted: NodeJS.Signals | null;
  /** Why the command could not start. */
  error: MltrackError | null;
  pid: number | null;
  protocol: { written: number; dropped: number; malformed: number };
}

/** The child's environment: the base plus the variables that point MLflow and mltrack at the run. */
export function childEnvironment(base: NodeJS.ProcessEnv, mlruns: string, target: RunTarget, trackingUri?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (trackingUri) {
    env.MLFLOW_TRACKING_URI = trackingUri;
  } else {
    env.MLFLOW_TRACKING_URI = pathToFileUri(mlruns);
    // MLflow 3.13 and later refuse a file: tracking URI unless this is set.
    env.MLFLOW_ALLOW_FILE_STORE = 'true';
  }
  env.MLTRACK_MLRUNS = mlruns;
  env.MLFLOW_RUN_ID = target.runId;
  env.MLTRACK_RUN_ID = target.runId;
  env.MLFLOW_EXPERIMENT_ID = target.experimentId;
  // MLflow refuses an MLFLOW_EXPERIMENT_NAME that disagrees with MLFLOW_EXPERIMENT_ID: keep them in step.
  if (env.MLFLOW_EXPERIMENT_NAME !== undefined) env.MLFLOW_EXPERIMENT_NAME = target.experimentName;
  if (env.MLTRACK_EXPERIMENT !== undefined) env.MLTRACK_EXPERIMENT = target.experimentName;
  // Python buffers a piped stdout in 8 KiB blocks; unbuffered, its output streams live.
  if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `ms` or until the group is empty; true when it emptied. */
async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (killGroup(pgid, 0)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

function startError(err: NodeJS.ErrnoException, program: string): MltrackError {
  if (err.code === 'ENOENT') {
    const where = program.includes('/') ? 'no such file' : 'not found on PATH';
    return fail('COMMAND_NOT_FOUND', `Cannot run '${program}': ${where}`, { command: program });
  }
  return fail('COMMAND_NOT_EXECUTABLE', `Cannot run '${program}': ${err.code === 'EACCES' ? 'permission denied (is it executable?)' : err.message}`, { command: program, errno: err.code ?? null });
}

function openLog(store: FileStore, artifactDir: string | null, file: string, echo: Sink | null, lines: LineSplitter | null, warn: (m: string) => void): OutputCapture {
  if (artifactDir !== null) {
    try {
      mkdirSync(join(artifactDir, 'logs'), { recursive: true });
      return new OutputCapture(join(artifactDir, file), echo, lines);
    } catch (err) {
      warn(`cannot save ${file} in ${store.root}: ${(err as Error).message}`);
    }
  }
  return new OutputCapture(null, echo, lines);
}

/** When echoing fails (our stdout is a closed pipe), stop echoing and close the child's pipe, as a shell pipeline would. */
function guardSink(sink: Sink | null, onBroken: () => void): { sink: Sink | null; dispose: () => void } {
  if (!sink) return { sink: null, dispose: () => {} };
  let broken = false;
  const emitter = sink as unknown as { on?: (event: 'error', fn: () => void) => void; off?: (event: 'error', fn: () => void) => void };
  const onError = () => {
    broken = true;
    onBroken();
  };
  emitter.on?.('error', onError);
  return {
    sink: {
      write(chunk) {
        if (broken) return false;
        try {
          return sink.write(chunk);
        } catch {
          onError();
          return false;
        }
      },
    },
    dispose: () => emitter.off?.('error', onError),
  };
}

type Outcome = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };

export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  const { store, runId, warn } = options;
  const [program, ...args] = options.argv;
  if (!program) throw fail('INVALID_ARGUMENT', 'No command to run');
  const env = childEnvironment(options.env, store.root, options, options.trackingUri);

  let artifactDir: string | null = null;
  try {
    artifactDir = await store.artifactDir(runId);
  } catch (err) {
    warn(`output will not be saved: ${(err as Error).message}`);
  }

  let malformed = 0;
  const writer = options.parseMetrics ? new ProtocolWriter(store, runId, { warn, intervalMs: options.flushIntervalMs }) : null;
  const splitter = writer
    ? new LineSplitter(
        (line, n) => {
          const parsed = parseProtocolLine(line);
          if (parsed === null) return;
          if (parsed.ok) writer.add(n, parsed.entry);
          else {
            malformed++;
            warn(`stdout line ${n}: ignored malformed protocol line: ${parsed.error}`);
          }
        },
        (n, start) => {
          if (!isProtocolLine(start)) return;
          malformed++;
          warn(`stdout line ${n}: ignored protocol line longer than 64 KiB`);
        },
      )
    : null;

  let child: ChildProcess | null = null;
  const echoOut = guardSink(options.stdout, () => child?.stdout?.destroy());
  const echoErr = guardSink(options.stderr, () => child?.stderr?.destroy());
  const out = openLog(store, artifactDir, STDOUT_LOG, echoOut.sink, splitter, warn);
  const err = openLog(store, artifactDir, STDERR_LOG, echoErr.sink, null, warn);

  // Set from signal handlers: read through `state` so the compiler does not narrow it away.
  const state: { interrupted: NodeJS.Signals | null } = { interrupted: null };
  const handlers = new Map<NodeJS.Signals, () => void>();
  if (options.handleSignals !== false) {
    for (const signal of FORWARDED_SIGNALS) {
      const handler = () => {
        const pid = child?.pid;
        if (state.interrupted === null) {
          state.interrupted = signal;
          options.info?.(`mltrack: ${signal} passed to the command (send it again to kill it at once)`);
          if (pid) killGroup(pid, signal);
        } else if (pid) {
          killGroup(pid, 'SIGKILL');
        }
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  let interruptedAtExit: NodeJS.Signals | null = null;
  let outcome: Outcome;
  try {
    if (state.interrupted !== null) {
      interruptedAtExit = state.interrupted;
      outcome = { code: null, signal: null };
    } else {
      try {
        child = spawn(program, args, { cwd: options.cwd, env, stdio: ['inherit', 'pipe', 'pipe'], detached: true });
      } catch (e) {
        // Arguments Node refuses outright (a NUL byte, say) fail here rather than with an 'error' event.
        throw Object.assign(new Error((e as Error).message), { refused: e as NodeJS.ErrnoException });
      }
      const started = child;
      const streamsClosed = Promise.all(
        [started.stdout!, started.stderr!].map((stream, i) => {
          const capture = i === 0 ? out : err;
          stream.on('data', (chunk: Buffer) => capture.write(chunk));
          return new Promise<void>((resolve) => {
            stream.once('close', resolve);
            stream.once('error', () => resolve());
          });
        }),
      );
      if (started.pid && state.interrupted !== null) killGroup(started.pid, state.interrupted);
      outcome = await new Promise((resolve) => {
        started.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e }));
        started.once('exit', (code, signal) => resolve({ code, signal }));
      });
      // A signal that arrives after the child has exited does not change how the run ended.
      interruptedAtExit = state.interrupted;
      if (started.pid && state.interrupted !== null && killGroup(started.pid, 0)) {
        // The child is gone; what is left of its job gets SIGTERM, then SIGKILL.
        killGroup(started.pid, 'SIGTERM');
        if (!(await waitGroupGone(started.pid, options.killGraceMs ?? 2000))) killGroup(started.pid, 'SIGKILL');
      }
      // Background processes may hold the pipes open: read what is there, then let go.
      let drainTimer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        streamsClosed.then(() => true),
        new Promise<boolean>((resolve) => (drainTimer = setTimeout(() => resolve(false), options.drainMs ?? 1000))),
      ]);
      clearTimeout(drainTimer);
      if (!drained) {
        started.stdout?.destroy();
        started.stderr?.destroy();
      }
    }
  } catch (e) {
    const refused = (e as { refused?: NodeJS.ErrnoException }).refused;
    if (!refused) throw e;
    outcome = { error: refused };
  } finally {
    echoOut.dispose();
    echoErr.dispose();
  }
  try {
    return await finish(outcome, interruptedAtExit);
  } finally {
    // Until the run is ended, a signal must not kill mltrack halfway through writing it.
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }

  async function finish(outcome: Outcome, interrupted: NodeJS.Signals | null): Promise<LaunchResult> {
    let status: RunStatus;
    let exitCode: number;
    let signal: NodeJS.Signals | null = null;
    let error: MltrackError | null = null;
    if ('error' in outcome) {
      error = startError(outcome.error, program);
      exitCode = error.code === 'COMMAND_NOT_FOUND' ? 127 : 126;
      status = 'FAILED';
      err.note(`mltrack: error ${error.code}: ${error.message}\n`);
    } else if (outcome.signal) {
      signal = outcome.signal;
      exitCode = 128 + (constants.signals[signal] ?? 0);
      status = interrupted === null && CRASH_SIGNALS.has(signal) ? 'FAILED' : 'KILLED';
    } else if (outcome.code === null) {
      // Interrupted before the child could start.
      exitCode = 128 + (constants.signals[interrupted!] ?? 0);
      status = 'KILLED';
    } else {
      exitCode = outcome.code;
      status = interrupted !== null ? 'KILLED' : exitCode === 0 ? 'FINISHED' : 'FAILED';
    }

    out.close();
    err.close();
    if (writer) await writer.flush();

    try {
      const tags = [{ key: EXIT_CODE_TAG, value: String(exitCode) }];
      if (signal) tags.push({ key: SIGNAL_TAG, value: signal });
      await store.logBatch(runId, { tags });
      await store.setTerminated(runId, status);
    } catch (e) {
      warn(`could not end run ${runId}: ${isMltrackError(e) ? `${e.code}: ${e.message}` : (e as Error).message}`);
    }

    return {
      runId,
      status,
      exitCode,
      signal,
      interrupted,
      error,
      pid: child?.pid ?? null,
      protocol: { written: writer?.written ?? 0, dropped: writer?.dropped ?? 0, malformed },
    };
  }
}
