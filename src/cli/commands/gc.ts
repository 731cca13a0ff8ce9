/** `mltrack gc`: remove deleted runs and experiments for good, like `mlflow gc`. */
import type { Command } from 'commander';
import { fail } from '../../format/errors.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** MLflow's `--older-than` syntax: `1d2h3m4s`, any subset in that order. */
export function parseAge(text: string): number {
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') throw fail('INVALID_ARGUMENT', `Invalid age '${text}': use a form like 30d, 12h or 1d2h3m4s`);
  return ['d', 'h', 'm', 's'].reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * UNIT_MS[unit]!, 0);
}

export function registerGc(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('gc')
    .description('permanently remove deleted runs and experiments (what `delete` only marked)')
    .option('--older-than <age>', '[string] only what was deleted longer ago than this, e.g. 30d or 1d2h')
    .option('--experiment-id <id>', '[string] only this experiment, repeatable', collect)
    .option('--run-id <id>', '[string] only this run, repeatable', collect)
    .action(run(async (ctx, opts: { olderThan?: string; experimentId?: string[]; runId?: string[] }) => {
      const removed = await ctx.store().gc({
        olderThanMs: opts.olderThan ? parseAge(opts.olderThan) : undefined,
        experimentIds: opts.experimentId,
        runIds: opts.runId,
      });
      if (ctx.out.json) return ctx.out.data({ removed_runs: removed.runs, removed_experiments: removed.experiments });
      ctx.out.line(`removed ${removed.runs.length} run${removed.runs.length === 1 ? '' : 's'} and ${removed.experiments.length} experiment${removed.experiments.length === 1 ? '' : 's'}`);
    }));
}
