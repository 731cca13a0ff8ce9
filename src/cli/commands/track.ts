/** `mltrack commit` and `mltrack log`: the tracking branch, written and read with git plumbing. */
import type { Command } from 'commander';
import { findRepo } from '../../git/repo.js';
import { commitTracking } from '../../git/trackingCommit.js';
import { readTrackingLog } from '../../git/trackingLog.js';
import type { CliContext } from '../context.js';
import { cell, formatTime } from '../output.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

export function registerTrack(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('commit')
    .description('snapshot the mlruns tree onto the tracking branch (your HEAD, index and files are not touched)')
    .option('-m, --message <text>', '[string] subject line (default: a summary of what changed)')
    .addHelpText('after', '\nOnly directories whose files changed are read again; the rest reuse their git trees.\nExample:\n  mltrack commit && mltrack log -n 5')
    .action(run(async (ctx, opts: { message?: string }) => {
      const config = ctx.config();
      const repo = findRepo(ctx.cwd);
      let hashed = 0;
      const progress = ctx.out.progress('hashing', 0);
      const result = await commitTracking({ repo, mlruns: config.mlruns, branch: config.branch, message: opts.message, onFile: () => progress.tick(++hashed) });
      progress.done();
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
    .option('--run <run-id>', '[string] only commits that changed this run')
    .option('--experiment <id>', '[string] only commits that changed this experiment')
    .option('--model <name>', '[string] only commits that changed this registered model')
    .option('--rev <rev>', '[string] start from this revision (default: the tracking branch)')
    .action(run(async (ctx, opts: { maxCount?: number; run?: string; experiment?: string; model?: string; rev?: string }) => {
      const config = ctx.config();
      const entries = await readTrackingLog(findRepo(ctx.cwd), { rev: opts.rev ?? config.branch, maxCount: opts.maxCount, runId: opts.run, experimentId: opts.experiment, model: opts.model });
      if (ctx.out.json) {
        ctx.out.data({ commits: entries.map((e) => ({ commit: e.commit, author: e.author, email: e.email, time: e.time, subject: e.subject, trailers: e.trailers })) });
        return;
      }
      for (const e of entries) {
        ctx.out.line(`${ctx.out.paint('yellow', e.commit.slice(0, 10))} ${formatTime(e.time)} ${ctx.out.paint('gray', cell(e.author, 20))} ${e.subject}`);
      }
    }));
}
