/** `mltrack init`: write `.mltrack.yml` and create the mlruns tree with the Default experiment. */
import type { Command } from 'commander';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { GitRepo } from '../../git/repo.js';
import type { PullResult } from '../../git/sync.js';
import { fail } from '../../format/errors.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

// The store, git and the registry are imported by the actions that use them, so registering these
// commands (and every --help) loads none of them.

export function configText(mlruns: string, branch: string): string {
  return [
    '# mltrack settings (spec/config.md). Flags and environment variables override these.',
    `mlruns: ${mlruns}          # the MLflow-compatible tree (MLFLOW_TRACKING_URI=file:${mlruns} points MLflow at it)`,
    `branch: ${branch}          # git branch that holds the tracking history`,
    'auto_commit: false       # commit to the tracking branch whenever a run ends',
    '# experiment: my-experiment   # where runs go when none is named',
    '',
  ].join('\n');
}

/**
 * Keep the mlruns tree out of the user's own commits: it belongs on the tracking branch. Uses
 * .git/info/exclude, which is local and not a work-tree file. Returns the excluded path, if any.
 */
async function excludeFromGit(cwd: string, path: string, isDir = true): Promise<string | null> {
  const repo = await tryRepo(cwd);
  if (!repo?.workdir) return null;
  const rel = relative(repo.workdir, path).split(sep).join('/');
  if (!rel || rel.startsWith('..')) return null;
  const exclude = join(repo.gitdir, 'info', 'exclude');
  const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  const line = isDir ? `/${rel}/` : `/${rel}`;
  if (!current.split('\n').includes(line)) {
    mkdirSync(join(repo.gitdir, 'info'), { recursive: true });
    appendFileSync(exclude, `${current && !current.endsWith('\n') ? '\n' : ''}${line}\n`);
  }
  return rel;
}

async function tryRepo(cwd: string): Promise<GitRepo | null> {
  const { findRepo } = await import('../../git/repo.js');
  try {
    return findRepo(cwd);
  } catch {
    return null;
  }
}

function hasRemote(repo: GitRepo, remote: string): boolean {
  try {
    execFileSync('git', ['--git-dir', repo.gitdir, 'remote', 'get-url', remote], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A teammate's clone: the remote already has the tracking branch and this clone has no local one.
 * Fetch it, fast-forward the local branch to it and materialise mlruns/ from it, creating nothing
 * else, so the first `pull` is never a merge. Null when this is not such a clone.
 */
async function joinTeam(cwd: string, env: NodeJS.ProcessEnv): Promise<{ result: PullResult; branch: string; remote: string; mlruns: string } | null> {
  const repo = await tryRepo(cwd);
  if (!repo?.workdir) return null;
  const [{ loadConfig }, { resolveRef }, { branchRef }, { fetchTracking, integrate }] = await Promise.all([
    import('../../api/config.js'),
    import('../../git/repo.js'),
    import('../../git/trackingLayout.js'),
    import('../../git/sync.js'),
  ]);
  const config = loadConfig({ cwd, env });
  if ((await resolveRef(repo, branchRef(config.branch))) || !hasRemote(repo, config.remote)) return null;
  const sync = { repo, mlruns: config.mlruns, branch: config.branch, remote: config.remote, largeFileBytes: config.largeArtifactBytes };
  if (!(await fetchTracking(sync).catch(() => false))) return null; // offline or no such branch: a first user
  await excludeFromGit(cwd, config.mlruns);
  return { result: await integrate(sync), branch: config.branch, remote: config.remote, mlruns: config.mlruns };
}

function reportJoin(ctx: CliContext, joined: NonNullable<Awaited<ReturnType<typeof joinTeam>>>, dir: string): void {
  const { result } = joined;
  if (ctx.out.json) {
    return ctx.out.data({
      dir,
      mlruns: joined.mlruns,
      branch: joined.branch,
      remote: joined.remote,
      kind: result.kind,
      commit: result.after,
      files_written: result.materialized?.written ?? 0,
      git_excluded: relative(dir, joined.mlruns).split(sep).join('/'),
    });
  }
  ctx.out.line(`joined ${joined.remote}/${joined.branch}: ${result.kind === 'fast-forward' ? `fast-forwarded to ${result.after!.slice(0, 10)}` : result.kind} (${result.materialized?.written ?? 0} files written to ./${relative(dir, joined.mlruns) || '.'})`);
  ctx.out.line(`added /${relative(dir, joined.mlruns).split(sep).join('/')}/ to .git/info/exclude; git status stays clean`);
  ctx.out.block(`\nNext:\n  mltrack runs list\n  mltrack pull    # teammates' new runs\n  mltrack push    # yours`);
}

export function registerInit(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('init')
    .description('set up mltrack here: write .mltrack.yml and create the mlruns tree')
    .option('--mlruns <dir>', '[string] mlruns directory, relative to here (default: mlruns)', 'mlruns')
    .option('--branch <name>', '[string] tracking branch (default: mltrack)', 'mltrack')
    .option('--force', 'overwrite an existing .mltrack.yml (and, with --github, existing workflow files)')
    .option('--github', 'also write GitHub Actions workflows (review comment + verify check on pull requests; tags and Pages site on push) and a CODEOWNERS example under .github/')
    .option('--commit', 'with --github: also commit them, with a .mltrack.yml holding the gates, onto the tracking branch root (pull requests against it run them from there)')
    .action(run(async (ctx, opts: { mlruns: string; branch: string; force?: boolean; github?: boolean; commit?: boolean }) => {
      if (opts.commit && !opts.github) throw fail('INVALID_ARGUMENT', '--commit goes with --github (it commits the GitHub workflows onto the tracking branch)');
      const { CONFIG_FILE, loadConfig } = await import('../../api/config.js');
      const configPath = join(ctx.cwd, CONFIG_FILE);
      const existed = existsSync(configPath);
      if (!opts.github && !opts.force) {
        // In a teammate's clone: set it up from the remote tracking branch, writing nothing to commit.
        const custom = opts.mlruns !== 'mlruns' || opts.branch !== 'mltrack';
        if (custom && !existed) writeFileSync(configPath, configText(opts.mlruns, opts.branch));
        const joined = await joinTeam(ctx.cwd, ctx.env);
        if (joined) {
          if (custom && !existed) await excludeFromGit(ctx.cwd, configPath, false);
          return reportJoin(ctx, joined, ctx.cwd);
        }
        if (custom && !existed) rmSync(configPath);
      }
      if (!existed || opts.force) writeFileSync(configPath, configText(opts.mlruns, opts.branch));
      const { FileStore } = await import('../../store/FileStore.js');
      const store = new FileStore(join(ctx.cwd, opts.mlruns));
      const excluded = await excludeFromGit(ctx.cwd, store.root);
      let github: { written: string[]; kept: string[]; commit: string | null; branch: string } | null = null;
      if (opts.github) {
        const [{ RegistryReader }, { FsTreeReader }, { findRepo }, { commitGithubFiles, githubFiles, trackingConfigText, writeGithubFiles }] = await Promise.all([
          import('../../store/RegistryReader.js'),
          import('../../store/FsTreeReader.js'),
          import('../../git/repo.js'),
          import('../../registry/github.js'),
        ]);
        const config = loadConfig({ cwd: ctx.cwd, env: ctx.env });
        const models = await new RegistryReader(new FsTreeReader(config.mlruns)).listRegisteredModelDirs();
        const files = githubFiles({ branch: config.branch, models });
        let root = ctx.cwd;
        let repo = null;
        try {
          repo = findRepo(ctx.cwd);
          root = repo.workdir ?? ctx.cwd;
        } catch (err) {
          if (opts.commit) throw err;
        }
        const written = writeGithubFiles(root, files, Boolean(opts.force));
        let commit: string | null = null;
        if (opts.commit && repo) {
          const onBranch = [...files, { path: CONFIG_FILE, content: trackingConfigText(config.branch, config.gates) }];
          commit = (await commitGithubFiles(repo, config.branch, onBranch))?.commit ?? null;
        }
        github = { ...written, commit, branch: config.branch };
      }
      if (ctx.out.json) {
        return ctx.out.data({
          config: configPath,
          mlruns: store.root,
          config_written: !existed || Boolean(opts.force),
          git_excluded: excluded,
          ...(github ? { github: { written: github.written, kept: github.kept, committed: github.commit, branch: github.branch } } : {}),
        });
      }
      ctx.out.line(existed && !opts.force ? `kept existing ${CONFIG_FILE} (use --force to rewrite it)` : `wrote ${CONFIG_FILE}`);
      ctx.out.line(`mlruns tree ready at ./${relative(ctx.cwd, store.root) || '.'}`);
      if (excluded) ctx.out.line(`added /${excluded}/ to .git/info/exclude: runs live on the '${opts.branch}' branch, not in your commits`);
      if (github) {
        for (const path of github.written) ctx.out.line(`wrote ${path}`);
        for (const path of github.kept) ctx.out.line(`kept existing ${path} (use --force to rewrite it)`);
        if (github.commit) ctx.out.line(`committed the workflows, CODEOWNERS.example and ${CONFIG_FILE} onto '${github.branch}' (${github.commit.slice(0, 10)}): mltrack push publishes them`);
        else if (opts.commit) ctx.out.line(`'${github.branch}' already holds these files`);
        else ctx.out.line(`pull requests run workflows from their base branch: put these on '${github.branch}' with mltrack init --github --commit`);
      }
      // The first-run hints are for a first init; --github is a later step of a set-up project.
      if (!github) ctx.out.block(`\nNext:\n  export MLTRACK_RUN_ID=$(mltrack start-run -n first)\n  mltrack log-metric loss 0.5 --step 1\n  mltrack end-run\n  mltrack runs list`);
    }));

  program
    .command('clone <url> [dir]')
    .description("a teammate's first step: git clone, then fast-forward to the remote tracking branch and materialise mlruns/")
    .addHelpText('after', `
Same as git clone URL DIR && cd DIR && mltrack init: mlruns/ is excluded in .git/info/exclude,
so git status is clean, and nothing is committed. Then mltrack pull / push as usual.
Examples:
  mltrack clone git@github.com:team/churn.git
  mltrack clone ../churn churn-copy --json`)
    .action(run(async (ctx, url: string, dirArg: string | undefined) => {
      const dir = resolve(ctx.cwd, dirArg ?? url.replace(/[/\\]+$/, '').replace(/\.git$/, '').split(/[/\\:]/).pop()!);
      if (existsSync(dir) && readdirSafe(dir).length) throw fail('ALREADY_EXISTS', `Destination '${dir}' already exists and is not empty`, { dir });
      try {
        execFileSync('git', ['clone', '--quiet', '--', url, dir], { cwd: ctx.cwd, env: ctx.env, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop();
        throw fail('IO_ERROR', `git clone ${url} failed: ${stderr || (err as Error).message}`, { url });
      }
      const joined = await joinTeam(dir, ctx.env);
      if (!joined) {
        if (ctx.out.json) return ctx.out.data({ dir, kind: 'no-remote-branch' });
        ctx.out.line(`cloned into ${dir}; the remote has no tracking branch yet: run mltrack init there to start one`);
        return;
      }
      reportJoin(ctx, joined, dir);
    }));
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
