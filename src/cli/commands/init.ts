/** `mltrack init`: write `.mltrack.yml` and create the mlruns tree with the Default experiment. */
import type { Command } from 'commander';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { findRepo } from '../../git/repo.js';
import { CONFIG_FILE, loadConfig } from '../../api/config.js';
import { fail } from '../../format/errors.js';
import { commitGithubFiles, githubFiles, trackingConfigText, writeGithubFiles } from '../../registry/github.js';
import { FileStore } from '../../store/FileStore.js';
import { FsTreeReader } from '../../store/FsTreeReader.js';
import { RegistryReader } from '../../store/RegistryReader.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

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
function excludeFromGit(cwd: string, mlruns: string): string | null {
  let repo;
  try {
    repo = findRepo(cwd);
  } catch {
    return null;
  }
  if (!repo.workdir) return null;
  const rel = relative(repo.workdir, mlruns).split(sep).join('/');
  if (!rel || rel.startsWith('..')) return null;
  const exclude = join(repo.gitdir, 'info', 'exclude');
  const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  const line = `/${rel}/`;
  if (!current.split('\n').includes(line)) {
    mkdirSync(join(repo.gitdir, 'info'), { recursive: true });
    appendFileSync(exclude, `${current && !current.endsWith('\n') ? '\n' : ''}${line}\n`);
  }
  return rel;
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
      const configPath = join(ctx.cwd, CONFIG_FILE);
      const existed = existsSync(configPath);
      if (!existed || opts.force) writeFileSync(configPath, configText(opts.mlruns, opts.branch));
      const store = new FileStore(join(ctx.cwd, opts.mlruns));
      const excluded = excludeFromGit(ctx.cwd, store.root);
      let github: { written: string[]; kept: string[]; commit: string | null; branch: string } | null = null;
      if (opts.github) {
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
      ctx.out.line(`\nNext:\n  export MLTRACK_RUN_ID=$(mltrack start-run -n first)\n  mltrack log-metric loss 0.5 --step 1\n  mltrack end-run\n  mltrack runs list`);
    }));
}
