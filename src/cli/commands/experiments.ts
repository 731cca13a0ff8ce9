/** `mltrack experiments ...`: create, list, show, rename, delete, restore, set-tag. */
import type { Command } from 'commander';
import type { ViewType } from '../../format/entities.js';
import { fail } from '../../format/errors.js';
import { experimentJson } from '../../format/restJson.js';
import { collect, parsePairs } from '../args.js';
import type { CliContext } from '../context.js';
import { cell, formatTime } from '../output.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

export function parseView(value: string | undefined): ViewType {
  const view = (value ?? 'active').toLowerCase();
  const map: Record<string, ViewType> = { active: 'ACTIVE_ONLY', active_only: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', deleted_only: 'DELETED_ONLY', all: 'ALL' };
  const found = map[view];
  if (!found) throw fail('INVALID_ARGUMENT', `Unknown view '${value}': use active, deleted or all`);
  return found;
}

export function registerExperiments(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const experiments = program
    .command('experiments')
    .description('create, list, rename, delete and restore experiments')
    .addHelpText('after', '\nExamples:\n  mltrack experiments create churn --tag team=growth\n  mltrack experiments list --view all\n  mltrack experiments rename churn churn-v2');

  experiments
    .command('create <name>')
    .description('create an experiment and print its id')
    .option('--artifact-location <uri>', '[string] where its runs store artifacts (default: inside the mlruns tree)')
    .option('--tag <key=value>', '[string] experiment tag, repeatable', collect)
    .option('--description <text>', '[string] description (the mlflow.note.content tag)')
    .action(run(async (ctx, name: string, opts: { artifactLocation?: string; tag?: string[]; description?: string }) => {
      const tags = parsePairs(opts.tag, 'a tag');
      if (opts.description) tags['mlflow.note.content'] = opts.description;
      const id = await ctx.store().createExperiment(name, { artifactLocation: opts.artifactLocation, tags });
      if (ctx.out.json) ctx.out.data({ experiment_id: id });
      else ctx.out.line(id);
    }));

  experiments
    .command('list')
    .alias('search')
    .description('list experiments, newest first')
    .option('--view <view>', '[active|deleted|all] which lifecycle stage to show (default: active)')
    .option('--filter <filter>', "[string] MLflow filter, e.g. \"name LIKE 'churn%' AND tags.team = 'growth'\"")
    .option('--order-by <clause>', '[string] e.g. "name ASC", repeatable', collect)
    .option('--max-results <n>', '[number] page size (default: 1000)', Number)
    .option('--page-token <token>', '[string] continue from a previous page')
    .action(run(async (ctx, opts: { view?: string; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }) => {
      const page = await ctx.store().searchExperiments({ viewType: parseView(opts.view), filter: opts.filter, orderBy: opts.orderBy, maxResults: opts.maxResults, pageToken: opts.pageToken });
      if (ctx.out.json) {
        ctx.out.data({ experiments: page.items.map(experimentJson), next_page_token: page.nextPageToken });
        return;
      }
      ctx.out.table(
        ['ID', 'NAME', 'STAGE', 'CREATED', 'ARTIFACT LOCATION'],
        page.items.map((e) => [e.experimentId, cell(e.name), e.lifecycleStage, formatTime(e.creationTime), e.artifactLocation]),
      );
      if (page.nextPageToken) ctx.out.info(`more: --page-token ${page.nextPageToken}`);
    }));

  experiments
    .command('show <experiment>')
    .description('show an experiment (by id or name) with its tags')
    .action(run(async (ctx, ref: string) => {
      const e = await ctx.experiment(ref);
      if (ctx.out.json) return ctx.out.data(experimentJson(e));
      ctx.out.line(`${ctx.out.paint('bold', e.name)}  ${ctx.out.paint('gray', e.experimentId)}`);
      ctx.out.line(`stage      ${e.lifecycleStage}`);
      ctx.out.line(`created    ${formatTime(e.creationTime)}`);
      ctx.out.line(`updated    ${formatTime(e.lastUpdateTime)}`);
      ctx.out.line(`artifacts  ${e.artifactLocation}`);
      const description = e.tags['mlflow.note.content'];
      if (description) {
        ctx.out.line();
        ctx.out.block(description, '  ');
      }
      const tags = Object.entries(e.tags).filter(([k]) => k !== 'mlflow.note.content');
      if (tags.length) {
        ctx.out.line('');
        ctx.out.table(['TAG', 'VALUE'], tags.map(([k, v]) => [cell(k), cell(v, 80)]));
      }
    }));

  experiments
    .command('rename <experiment> <new-name>')
    .description('rename an active experiment')
    .action(run(async (ctx, ref: string, newName: string) => {
      const e = await ctx.experiment(ref);
      await ctx.store().renameExperiment(e.experimentId, newName);
      if (ctx.out.json) ctx.out.data({ experiment_id: e.experimentId, name: newName });
      else ctx.out.line(`renamed ${e.experimentId}: '${e.name}' -> '${newName}'`);
    }));

  experiments
    .command('delete <experiment>')
    .description('delete an experiment and its runs (moved to .trash; `mltrack gc` removes it for good)')
    .action(run(async (ctx, ref: string) => {
      const e = await ctx.experiment(ref);
      await ctx.store().deleteExperiment(e.experimentId);
      if (ctx.out.json) ctx.out.data({ experiment_id: e.experimentId, lifecycle_stage: 'deleted' });
      else ctx.out.line(`deleted experiment ${e.experimentId} ('${e.name}'); restore it with: mltrack experiments restore ${e.experimentId}`);
    }));

  experiments
    .command('restore <experiment>')
    .description('bring a deleted experiment and its runs back')
    .action(run(async (ctx, ref: string) => {
      const e = await ctx.experiment(ref);
      await ctx.store().restoreExperiment(e.experimentId);
      if (ctx.out.json) ctx.out.data({ experiment_id: e.experimentId, lifecycle_stage: 'active' });
      else ctx.out.line(`restored experiment ${e.experimentId} ('${e.name}')`);
    }));

  experiments
    .command('set-tag <experiment> <key> <value>')
    .description('set a tag on an experiment')
    .action(run(async (ctx, ref: string, key: string, value: string) => {
      const e = await ctx.experiment(ref);
      await ctx.store().setExperimentTag(e.experimentId, key, value);
      if (ctx.out.json) ctx.out.data({ experiment_id: e.experimentId, key, value });
    }));
}
