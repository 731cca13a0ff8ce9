/** `mltrack init`: write `.mltrack.yml` and create the mlruns tree with the Default experiment. */
import type { Command } from 'commander';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { findRepo } from '../../git/repo.js';
import { CONFIG_FILE } from '../../api/config.js';
import { FileStore } from '../../store/FileStore.js';
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
    .option('--force', 'overwrite an existing .mltrack.yml')
    .action(run(async (ctx, opts: { mlruns: string; branch: string; force?: boolean }) => {
      const configPath = join(ctx.cwd, CONFIG_FILE);
      const existed = existsSync(configPath);
      if (!existed || opts.force) writeFileSync(configPath, configText(opts.mlruns, opts.branch));
      const store = new FileStore(join(ctx.cwd, opts.mlruns));
      const excluded = excludeFromGit(ctx.cwd, store.root);
      if (ctx.out.json) return ctx.out.data({ config: configPath, mlruns: store.root, config_written: !existed || Boolean(opts.force), git_excluded: excluded });
      ctx.out.line(existed && !opts.force ? `kept existing ${CONFIG_FILE} (use --force to rewrite it)` : `wrote ${CONFIG_FILE}`);
      ctx.out.line(`mlruns tree ready at ./${relative(ctx.cwd, store.root) || '.'}`);
      if (excluded) ctx.out.line(`added /${excluded}/ to .git/info/exclude: runs live on the '${opts.branch}' branch, not in your commits`);
      ctx.out.line(`\nNext:\n  export MLTRACK_RUN_ID=$(mltrack start-run -n first)\n  mltrack log-metric loss 0.5 --step 1\n  mltrack end-run\n  mltrack runs list`);
    }));
}
