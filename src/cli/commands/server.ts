/** `mltrack server`: MLflow's REST API over the mlruns tree, so any MLflow client logs into mltrack. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../format/errors.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw fail('INVALID_ARGUMENT', `Invalid port '${text}': expected 0 to 65535`);
  return n;
}

interface ServerFlags {
  host: string;
  port: string;
  artifactsDestination?: string;
  users?: string;
  serveUi?: boolean;
}

export function registerServer(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const server = program
    .command('server')
    .description("serve MLflow's REST API (tracking, artifacts, registry) over the mlruns tree")
    .option('--host <host>', '[string] address to bind; anything but loopback requires --users', '127.0.0.1')
    .option('--port <port>', '[number] port (0: any free port)', '5000')
    .option('--artifacts-destination <dir>', '[string] where mlflow-artifacts:/ uploads go (default: the mlruns tree)')
    .option('--users <file>', '[string] users file (mltrack server add-user); also server.users_file in .mltrack.yml')
    .option('--serve-ui', 'serve the UI at / , rebuilt as the tree changes')
    .addHelpText('after', `
Examples:
  mltrack server                                  http://127.0.0.1:5000, no users (loopback)
  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py
  mltrack server --port 0 --json                  prints {"url": ..., "port": ...} once listening
  mltrack server add-user alice --role promote --file users.yml --password-env ALICE_PW
  mltrack server --host 0.0.0.0 --users users.yml --serve-ui

Clients authenticate as MLflow's do: MLFLOW_TRACKING_USERNAME/PASSWORD (HTTP Basic) or
MLFLOW_TRACKING_TOKEN (bearer). Roles: read, write, promote; promote is needed for protected
stages and aliases (Production by default; server.protected in .mltrack.yml).
Runs ended through the server are committed to the tracking branch when auto_commit is on.`)
    .action(run(async (ctx, opts: ServerFlags) => {
      const { startServer } = await import('../../server/startServer.js');
      const running = await startServer({
        config: ctx.config(),
        cwd: ctx.cwd,
        host: opts.host,
        port: parsePort(opts.port),
        artifactsDestination: opts.artifactsDestination ? resolve(ctx.cwd, opts.artifactsDestination) : undefined,
        usersFile: opts.users ? resolve(ctx.cwd, opts.users) : undefined,
        serveUi: Boolean(opts.serveUi),
        onWarning: (message) => ctx.out.warn(message),
      });
      if (ctx.out.json) ctx.out.data({ url: running.url, host: running.host, port: running.port, auth: running.auth, mlruns: ctx.config().mlruns });
      else ctx.out.line(`mltrack server: ${running.url} over ${ctx.config().mlruns}${running.auth ? ' (users required)' : ''}; Ctrl-C to stop`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await running.close();
    }));

  server
    .command('add-user <name>')
    .description('add or replace a user in a users file')
    .requiredOption('--file <file>', '[string] the users file (created when missing); pass it to the server with --users')
    .requiredOption('--role <role>', '[string] read, write or promote')
    .option('--password-env <var>', '[string] take the password from this environment variable')
    .option('--token', 'generate a bearer token (printed once; only its hash is stored)')
    .addHelpText('after', '\nExamples:\n  ALICE_PW=s3cret mltrack server add-user alice --role promote --file users.yml --password-env ALICE_PW\n  mltrack server add-user ci --role write --file users.yml --token --json')
    .action(run(async (ctx, name: string, opts: { file: string; role: string; passwordEnv?: string; token?: boolean }) => {
      // With the yaml parser and the atomic writer: imported by the action, not with the command.
      const [{ hashPassword, hashToken, ROLES }, { parse, stringify }, { writeAtomic }] = await Promise.all([
        import('../../server/auth.js'),
        import('yaml'),
        import('../../store/fsWrite.js'),
      ]);
      if (!ROLES.includes(opts.role as never)) throw fail('INVALID_ARGUMENT', `Invalid role '${opts.role}': expected one of ${ROLES.join(', ')}`);
      if (!opts.passwordEnv && !opts.token) throw fail('INVALID_ARGUMENT', 'Give --password-env VAR or --token (or both)');
      const record: Record<string, unknown> = { name, role: opts.role };
      if (opts.passwordEnv) {
        const password = ctx.env[opts.passwordEnv];
        if (!password) throw fail('INVALID_ARGUMENT', `Environment variable ${opts.passwordEnv} is empty or unset`);
        record.password = hashPassword(password);
      }
      let token: string | null = null;
      if (opts.token) {
        token = `mlt_${randomBytes(24).toString('base64url')}`;
        record.tokens = [hashToken(token)];
      }
      const file = resolve(ctx.cwd, opts.file);
      const data = existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as { users?: Record<string, unknown>[] } | null) ?? {}) : {};
      const users = (data.users ?? []).filter((u) => u.name !== name);
      users.push(record);
      writeAtomic(file, stringify({ ...data, users }));
      if (ctx.out.json) return ctx.out.data({ name, role: opts.role, token });
      ctx.out.line(`user ${name} (${opts.role}) written to ${opts.file}`);
      if (token) ctx.out.line(`token (shown once): ${token}`);
    }));
}
