/** `mltrack commit` and `mltrack log`: the tracking branch, written and read with git plumbing. */
import type { Command } from 'commander';
import type { LogEntry } from '../../git/trackingLog.js';
import { fail } from '../../format/errors.js';
import type { PullResult } from '../../git/sync.js';
import type { CliContext } from '../context.js';
import { cell, formatTime } from '../output.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

function describePull(result: PullResult): string {
  switch (result.kind) {
    case 'up-to-date':
      return 'already up to date';
    case 'no-remote-branch':
      return 'the remote has no tracking branch yet (mltrack push creates it)';
    case 'fast-forward':
      return `fast-forwarded to ${result.after!.slice(0, 10)}`;
    case 'merge':
      return `merged into ${result.after!.slice(0, 10)}`;
  }
}

function pullJson(r: PullResult) {
  return {
    kind: r.kind,
    before: r.before,
    after: r.after,
    conflicts: r.conflicts.map((c) => ({ path: c.path, reason: c.reason, ours: c.ours, theirs: c.theirs })),
    files_written: r.materialized?.written ?? 0,
    files_removed: r.materialized?.removed ?? 0,
    kept_local: r.materialized?.keptLocal ?? [],
    missing_lfs: r.materialized?.missingLfs ?? [],
  };
}

function reportPull(ctx: CliContext, result: PullResult): void {
  ctx.out.line(describePull(result) + (result.materialized ? ` (${result.materialized.written} files written, ${result.materialized.removed} removed)` : ''));
  for (const c of result.conflicts) ctx.out.warn(`conflict in ${c.path}: ${c.reason} (theirs: git cat-file -p ${c.theirs})`);
  for (const path of result.materialized?.keptLocal ?? []) ctx.out.warn(`kept your local change to ${path}; commit it with mltrack commit`);
  for (const path of result.materialized?.missingLfs ?? []) ctx.out.warn(`${path} is stored with Git LFS and its content is not here; install git-lfs and pull again`);
}

/**
 * A `log` filter as the id the trailers carry: a name or id prefix is resolved through the revision
 * (then the working tree); a value some commit's trailer names is taken as it is (a run removed
 * since); anything else is NOT_FOUND rather than an empty, successful log.
 */
async function resolveLogFilter(
  ctx: CliContext,
  rev: string,
  entries: LogEntry[],
  trailerPrefix: string,
  ref: string,
  lookup: (rev: string | undefined) => Promise<string>,
  what: string,
): Promise<string> {
  const named = (value: string) => entries.some((e) => e.trailers.some((t) => t.key.startsWith(trailerPrefix) && t.value === value));
  if (named(ref)) return ref;
  for (const at of [rev, undefined]) {
    try {
      const id = await lookup(at);
      if (what !== 'model' || named(id)) return id;
    } catch (err) {
      if (!['NOT_FOUND', 'INVALID_ID', 'INVALID_VALUE'].includes((err as { code?: string }).code ?? '')) throw err;
    }
  }
  throw fail('NOT_FOUND', `No ${what} '${ref}' in the tracking history at '${rev}' or in mlruns`, { [what]: ref });
}

// Each action imports the git code it runs, so registering these commands (and every --help) loads none of it.
export function registerTrack(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('commit')
    .description('snapshot the mlruns tree onto the tracking branch (your HEAD, index and files are not touched)')
    .option('-m, --message <text>', '[string] subject line (default: a summary of what changed)')
    .addHelpText('after', '\nOnly directories whose files changed are read again; the rest reuse their git trees.\nExample:\n  mltrack commit && mltrack log -n 5')
    .action(run(async (ctx, opts: { message?: string }) => {
      const [{ findRepo }, { commitTracking }, { finishRegistryTags }, { ObjectReader }, { branchRef }] = await Promise.all([
        import('../../git/repo.js'),
        import('../../git/trackingCommit.js'),
        import('../../git/registryTags.js'),
        import('../../git/objectStore.js'),
        import('../../git/trackingLayout.js'),
      ]);
      const config = ctx.config();
      const repo = findRepo(ctx.cwd);
      let hashed = 0;
      const progress = ctx.out.progress('hashing', 0);
      const result = await commitTracking({ repo, mlruns: config.mlruns, branch: config.branch, message: opts.message, largeFileBytes: config.largeArtifactBytes, onFile: () => progress.tick(++hashed) });
      progress.done();
      await finishRegistryTags(repo, new ObjectReader(repo.gitdir), branchRef(config.branch), true); // a pull killed before tagging
      if (ctx.out.json) {
        ctx.out.data(result ? { commit: result.commit, parent: result.parent, branch: config.branch, message: result.message, files_hashed: hashed } : { commit: null, branch: config.branch, message: 'nothing to commit' });
        return;
      }
      if (!result) return ctx.out.line(`nothing to commit: ${config.branch} already holds this mlruns tree`);
      ctx.out.line(`[${config.branch} ${result.commit.slice(0, 10)}] ${result.message.split('\n')[0]}`);
    }));

  program
    .command('log')
    .description('history of the tracking branch, optionally only what touched a run, an experiment or a model')
    .option('-n, --max-count <n>', '[number] at most this many commits', Number)
    .option('--run <run-id>', '[string] only commits that changed this run (a unique id prefix will do)')
    .option('-e, --experiment <id-or-name>', '[string] only commits that changed this experiment')
    .option('--model <name>', '[string] only commits that changed this registered model')
    .option('--rev <rev>', '[string] start from this revision (default: the tracking branch)')
    .addHelpText('after', '\nExamples:\n  mltrack log -n 5\n  mltrack log --experiment churn\n  mltrack log --run 888fae41 --json\n  mltrack log --model churn\n\nAn unknown run, experiment or model is NOT_FOUND.')
    .action(run(async (ctx, opts: { maxCount?: number; run?: string; experiment?: string; model?: string; rev?: string }) => {
      const [{ findRepo }, { readTrackingLog }] = await Promise.all([import('../../git/repo.js'), import('../../git/trackingLog.js')]);
      const config = ctx.config();
      const repo = findRepo(ctx.cwd);
      const rev = opts.rev ?? config.branch;
      const all = opts.run || opts.experiment || opts.model ? await readTrackingLog(repo, { rev }) : [];
      const runId = opts.run ? await resolveLogFilter(ctx, rev, all, 'Mltrack-Run-', opts.run, async (at) => (await (await ctx.view(at)).getRun(opts.run!)).info.runId, 'run') : undefined;
      const experimentId = opts.experiment ? await resolveLogFilter(ctx, rev, all, 'Mltrack-Experiment-', opts.experiment, async (at) => (await ctx.experiment(opts.experiment!, at)).experimentId, 'experiment') : undefined;
      const model = opts.model ? await resolveLogFilter(ctx, rev, all, 'Mltrack-Model', opts.model, async () => opts.model!, 'model') : undefined;
      const entries = await readTrackingLog(repo, { rev, maxCount: opts.maxCount, runId, experimentId, model });
      if (ctx.out.json) {
        ctx.out.data({ commits: entries.map((e) => ({ commit: e.commit, author: e.author, email: e.email, time: e.time, subject: e.subject, trailers: e.trailers })) });
        return;
      }
      for (const e of entries) {
        ctx.out.line(`${ctx.out.paint('yellow', e.commit.slice(0, 10))} ${formatTime(e.time)} ${ctx.out.paint('gray', cell(e.author, 20))} ${e.subject}`);
      }
    }));

  program
    .command('pull')
    .description("merge teammates' runs from the remote tracking branch into yours and into mlruns/")
    .option('--remote <name>', '[string] remote (default: from .mltrack.yml, else origin)')
    .addHelpText('after', '\nYour runs are committed first, so nothing local is lost. Runs live in separate\ndirectories, so most merges are a union; metric histories keep every line, and\nwhat cannot be merged is reported (spec/git-layout.md). The remote tree is checked\nwhole first, mlruns/ is written before the branch moves, and a pull stopped part-way\nis finished by the next one; training jobs may keep logging meanwhile.\nExample:\n  mltrack pull && mltrack runs list')
    .action(run(async (ctx, opts: { remote?: string }) => {
      const [{ findRepo }, { pull }] = await Promise.all([import('../../git/repo.js'), import('../../git/sync.js')]);
      const config = ctx.config();
      const result = await pull({ repo: findRepo(ctx.cwd), mlruns: config.mlruns, branch: config.branch, remote: opts.remote ?? config.remote, largeFileBytes: config.largeArtifactBytes });
      if (ctx.out.json) return ctx.out.data(pullJson(result));
      reportPull(ctx, result);
    }));

  program
    .command('push')
    .description('share your runs: commit them and push the tracking branch (pulls and retries when the remote moved)')
    .option('--remote <name>', '[string] remote (default: from .mltrack.yml, else origin)')
    .addHelpText('after', "\nYour runs are committed first; if a teammate pushed since your last pull, their runs are\nmerged in (as mltrack pull does) and the push is retried. Registry tags are pushed too.\nExamples:\n  mltrack push\n  mltrack push --remote upstream --json\n  git clone URL && cd repo && mltrack init && mltrack push   # a teammate's first push")
    .action(run(async (ctx, opts: { remote?: string }) => {
      const [{ findRepo }, { push }] = await Promise.all([import('../../git/repo.js'), import('../../git/sync.js')]);
      const config = ctx.config();
      const remote = opts.remote ?? config.remote;
      const result = await push({ repo: findRepo(ctx.cwd), mlruns: config.mlruns, branch: config.branch, remote, largeFileBytes: config.largeArtifactBytes });
      if (ctx.out.json) return ctx.out.data({ commit: result.commit, remote, branch: config.branch, attempts: result.attempts, merged: result.pulled.map(pullJson), not_materialized: result.notMaterialized ?? null });
      for (const pulled of result.pulled) reportPull(ctx, pulled);
      if (result.notMaterialized) ctx.out.warn(`pushed the merge, but your mlruns/ does not hold it yet: ${result.notMaterialized}`);
      ctx.out.line(`pushed ${config.branch} ${result.commit.slice(0, 10)} to ${remote}`);
    }));
}
