/** `mltrack site build`, `mltrack ui` and `mltrack publish`: the static UI, built, served and published. */
import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fail } from '../../format/errors.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

interface BuildFlags {
  rev?: string;
  artifactLimit?: string;
  /** Rebuild every run (`site build --full`). */
  full?: boolean;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw fail('INVALID_ARGUMENT', `Invalid port '${text}': expected 0 to 65535`);
  return n;
}

async function build(ctx: CliContext, out: string, flags: BuildFlags, extra: { live?: boolean; quiet?: boolean } = {}) {
  const { buildSite } = await import('../../site/buildSite.js');
  // Imported here, not at the top: the config loader costs --help about 55 ms.
  const { parseSize } = await import('../../api/config.js');
  const config = ctx.config();
  let progress: { tick(done: number): void; done(): void } | null = null;
  const result = await buildSite({
    out,
    mlruns: config.mlruns,
    cwd: ctx.cwd,
    rev: flags.rev,
    branch: config.branch,
    artifactLimitBytes: flags.artifactLimit ? parseSize(flags.artifactLimit, '--artifact-limit') : undefined,
    live: extra.live,
    incremental: flags.full ? false : undefined,
    onStart: (runs) => {
      if (!extra.quiet) progress = ctx.out.progress('building site', runs);
    },
    onRun: (done) => progress?.tick(done),
    onWarning: (message) => ctx.out.warn(message),
  });
  (progress as { done(): void } | null)?.done();
  return result;
}

export function registerSite(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const site = program.command('site').description('the static UI: build it as files for any static host');
  site
    .command('build')
    .description('write the app and its data files (runs index, run details, histories, registry, history) to a directory')
    .requiredOption('--out <dir>', '[string] output directory (replaced as a whole; must be new, empty or an earlier site, which is built on: only changed runs are written)')
    .option('--rev <rev>', '[string] build from this revision of the tracking branch instead of the working tree')
    .option('--artifact-limit <size>', '[size] copy artifacts up to this size into the site (default: 1MiB)')
    .option('--full', 'rebuild every run, even on an earlier site (which is otherwise updated with the runs that changed)')
    .addHelpText('after', '\nThe site works from any sub-path (GitHub Pages): open index.html through any static server.\nExample:\n  mltrack site build --out site && python3 -m http.server -d site')
    .action(run(async (ctx, opts: BuildFlags & { out: string }) => {
      const result = await build(ctx, resolve(ctx.cwd, opts.out), opts);
      if (ctx.out.json) {
        ctx.out.data({ out: result.out, runs: result.runs, rebuilt: result.rebuilt, experiments: result.manifest.experiments.length, models: result.manifest.registry.models, files: result.files, bytes: result.bytes, ms: Math.round(result.ms), warnings: result.warnings });
        return;
      }
      ctx.out.line(`built the site of ${result.runs} run${result.runs === 1 ? '' : 's'}${result.rebuilt < result.runs ? ` (${result.rebuilt} changed)` : ''} in ${result.manifest.experiments.length} experiment${result.manifest.experiments.length === 1 ? '' : 's'} into ${result.out} (${result.files} data files, ${sizeText(result.bytes)}, ${(result.ms / 1000).toFixed(1)} s)`);
    }));

  program
    .command('ui')
    .description('serve the UI on localhost, like mlflow ui, rebuilt whenever the runs change')
    .option('-p, --port <port>', '[number] port (default: 5000, as mlflow ui; 0 picks a free one)')
    .option('--host <host>', '[string] address to listen on (default: 127.0.0.1)')
    .option('--rev <rev>', '[string] serve a revision of the tracking branch (not watched)')
    .option('--no-watch', 'build once, do not rebuild on changes')
    .action(run(async (ctx, opts: BuildFlags & { port?: string; host?: string; watch: boolean }) => {
      const { Rebuilder, startStaticServer, watchTree } = await import('../../site/serveSite.js');
      const port = parsePort(opts.port ?? '5000');
      const host = opts.host ?? '127.0.0.1';
      const work = mkdtempSync(join(tmpdir(), 'mltrack-ui-'));
      let server: Awaited<ReturnType<typeof startStaticServer>> | null = null;
      let watcher: ReturnType<typeof watchTree> | null = null;
      const cleanup = () => rmSync(work, { recursive: true, force: true });
      try {
        let first: unknown = null;
        const rebuilder = new Rebuilder(
          work,
          async (dir) => {
            const started = Date.now();
            const result = await build(ctx, dir, opts, { live: true, quiet: server !== null });
            if (server) ctx.out.info(`rebuilt: ${result.runs} runs, ${result.rebuilt} changed (${Date.now() - started} ms)`);
          },
          (dir) => server?.setRoot(dir),
          (err) => {
            if (!server) first = err;
            else ctx.out.warn(`rebuild failed: ${(err as Error).message}`);
          },
        );
        await rebuilder.request();
        if (first) throw first;
        server = await startStaticServer(join(work, 'site'), port, host).catch((err: NodeJS.ErrnoException) => {
          throw fail('IO_ERROR', err.code === 'EADDRINUSE' ? `Port ${port} is in use: pass another with --port` : `Cannot listen on ${host}:${port}: ${err.message}`);
        });
        const mlruns = ctx.config().mlruns;
        if (opts.watch && !opts.rev && existsSync(mlruns)) watcher = watchTree(mlruns, () => void rebuilder.request());
        if (ctx.out.json) ctx.out.data({ url: server.url, port: server.port, watching: watcher?.mode ?? null });
        else ctx.out.line(`mltrack ui: serving ${server.url}${watcher ? ` (rebuilding when ${mlruns} changes)` : ''}; Ctrl-C to stop`);
        await new Promise<void>((done) => {
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
      } finally {
        watcher?.close();
        await server?.close();
        cleanup();
      }
    }));

  program
    .command('publish')
    .description('commit the built site to a gh-pages branch (for GitHub Pages) and push it')
    .option('--branch <name>', '[string] branch to publish to (default: gh-pages)')
    .option('--remote <name>', '[string] remote to push to (default: from .mltrack.yml, pushed only if that remote exists)')
    .option('--no-push', 'commit the branch locally, do not push')
    .option('--rev <rev>', '[string] revision to publish (default: the tracking branch; use --worktree for the working tree)')
    .option('--worktree', 'publish the working tree\'s mlruns instead of the tracking branch')
    .option('--artifact-limit <size>', '[size] copy artifacts up to this size into the site (default: 1MiB)')
    .option('-m, --message <text>', '[string] commit message')
    .action(run(async (ctx, opts: BuildFlags & { branch?: string; remote?: string; push: boolean; worktree?: boolean; message?: string }) => {
      const branch = opts.branch ?? 'gh-pages';
      const { findRepo } = await import('../../git/repo.js');
      const { hasRemote, publishSite } = await import('../../site/publishSite.js');
      const config = ctx.config();
      const repo = findRepo(ctx.cwd);
      const rev = opts.worktree ? undefined : (opts.rev ?? config.branch);
      const work = mkdtempSync(join(tmpdir(), 'mltrack-publish-'));
      try {
        const result = await build(ctx, join(work, 'site'), { ...opts, rev });
        let remote: string | null = null;
        if (opts.push) {
          remote = opts.remote ?? config.remote;
          if (!(await hasRemote(repo, remote))) {
            if (opts.remote) throw fail('NOT_FOUND', `No remote '${remote}' in this repository (git remote -v lists them)`);
            remote = null;
          }
        }
        const source = result.manifest.source;
        const what = source.kind === 'revision' ? `${source.rev} (${source.commit?.slice(0, 10)})` : 'the working tree';
        const published = await publishSite({ repo, dir: join(work, 'site'), branch, remote, message: opts.message ?? `mltrack publish: site of ${what}\n\n${result.runs} runs, ${result.manifest.registry.models} registered models.\n` });
        if (ctx.out.json) {
          ctx.out.data({ branch, commit: published.commit, parent: published.parent, changed: published.changed, pushed: published.pushed, remote, runs: result.runs, files: published.files });
          return;
        }
        const head = published.changed ? `published ${what} to ${branch} ${published.commit.slice(0, 10)}` : `${branch} already holds this site (${published.commit.slice(0, 10)})`;
        ctx.out.line(`${head}${published.pushed ? `, pushed to ${remote}` : remote === null && opts.push ? ' (no remote to push to)' : ''}`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }));
}
