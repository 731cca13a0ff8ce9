/** `mltrack runs ...`: list and search with MLflow's filter grammar, show, delete, restore, metric history. */
import type { Command } from 'commander';
import type { Run } from '../../format/entities.js';
import { fail } from '../../format/errors.js';
import { pyFloatRepr } from '../../format/pyFloat.js';
import { fileInfoJson, metricJson, runJson } from '../../format/restJson.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { cell, formatDuration, formatTime } from '../output.js';
import { sparkline } from '../sparkline.js';
import { parseView } from './experiments.js';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

interface ListOptions {
  experiment?: string[];
  filter?: string;
  orderBy?: string[];
  view?: string;
  maxResults?: number;
  pageToken?: string;
  columns?: string;
  rev?: string;
}

/** The experiments a listing covers: the ones named, else the configured one, else every active one. */
async function experimentIds(ctx: CliContext, refs: string[] | undefined, rev: string | undefined): Promise<string[]> {
  if (refs && refs.length) return Promise.all(refs.map(async (r) => (await ctx.experiment(r, rev)).experimentId));
  const config = ctx.config();
  if (config.experimentId) return [config.experimentId];
  if (config.experiment) return [(await ctx.experiment(config.experiment, rev)).experimentId];
  return (await (await ctx.view(rev)).searchExperiments({ maxResults: 50_000 })).items.map((e) => e.experimentId);
}

/** A column spec such as `metrics.loss`, `params.lr`, `tags.team` or an attribute name. */
function columnValue(run: Run, column: string): string {
  const dot = column.indexOf('.');
  const [kind, key] = dot < 0 ? ['', column] : [column.slice(0, dot), column.slice(dot + 1)];
  switch (kind) {
    case 'metrics':
    case 'metric': {
      const m = run.data.metrics[key];
      return m ? shortNumber(m.value) : '';
    }
    case 'params':
    case 'param':
      return run.data.params[key] ?? '';
    case 'tags':
    case 'tag':
      return run.data.tags[key] ?? '';
    default: {
      const info = run.info as unknown as Record<string, unknown>;
      const camel = key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
      const value = info[camel];
      if (typeof value === 'number' && /time$/i.test(camel)) return formatTime(value);
      return value === null || value === undefined ? '' : String(value);
    }
  }
}

function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return pyFloatRepr(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(5)));
}

/** Metric keys most runs have, so the default table shows what matters. */
function commonMetricKeys(runs: Run[], limit: number): string[] {
  const counts = new Map<string, number>();
  for (const run of runs) for (const key of Object.keys(run.data.metrics)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([k]) => k);
}

function statusColour(ctx: CliContext, status: string): string {
  const colour = status === 'FINISHED' ? 'green' : status === 'FAILED' ? 'red' : status === 'KILLED' ? 'yellow' : 'cyan';
  return ctx.out.paint(colour, status);
}

async function listRuns(ctx: CliContext, opts: ListOptions): Promise<void> {
  const ids = await experimentIds(ctx, opts.experiment, opts.rev);
  const page = await (await ctx.view(opts.rev)).searchRuns({
    experimentIds: ids,
    filter: opts.filter,
    orderBy: opts.orderBy,
    viewType: parseView(opts.view),
    maxResults: opts.maxResults,
    pageToken: opts.pageToken,
  });
  if (ctx.out.json) {
    ctx.out.data({ runs: page.items.map(runJson), next_page_token: page.nextPageToken });
    return;
  }
  const extra = opts.columns ? opts.columns.split(',').map((c) => c.trim()).filter(Boolean) : commonMetricKeys(page.items, 4).map((k) => `metrics.${k}`);
  const headers = ['RUN ID', 'NAME', 'STATUS', 'STARTED', 'DURATION', ...extra];
  const rows = page.items.map((r) => [
    r.info.runId,
    cell(r.info.runName ?? '', 28),
    statusColour(ctx, r.info.status),
    formatTime(r.info.startTime),
    formatDuration(r.info.endTime === null ? null : r.info.endTime - r.info.startTime),
    ...extra.map((c) => cell(columnValue(r, c), 24)),
  ]);
  ctx.out.table(headers, rows);
  ctx.out.info(ctx.out.paint('gray', `${page.items.length} run${page.items.length === 1 ? '' : 's'}${page.nextPageToken ? ` (more: --page-token ${page.nextPageToken})` : ''}`, true));
}

function listOptions(command: Command): Command {
  return command
    .option('-e, --experiment <id-or-name>', '[string] experiment to search, repeatable (default: the configured one, else all active)', collect)
    .option('--filter <filter>', "[string] MLflow filter, e.g. \"metrics.rmse < 7 and params.lr = '0.1'\"")
    .option('--order-by <clause>', '[string] e.g. "metrics.rmse ASC", repeatable (default: start_time DESC)', collect)
    .option('--view <view>', '[active|deleted|all] which runs to show (default: active)')
    .option('--max-results <n>', '[number] page size (default: 1000, at most 50000)', Number)
    .option('--page-token <token>', '[string] continue from a previous page')
    .option('--columns <list>', '[string] extra columns, e.g. "metrics.rmse,params.lr,tags.team"')
    .option('--rev <rev>', '[string] read the runs of a revision of the tracking branch (e.g. mltrack~3) from git, not the working tree');
}

export function registerRuns(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const runs = program
    .command('runs')
    .description('list, search, show, delete and restore runs')
    .addHelpText(
      'after',
      `
Filters use MLflow's grammar: clauses joined by AND, on metrics.<key> (numbers),
params.<key> and tags.<key> (quoted strings), attributes (status, run_name,
start_time, ...) and dataset.<name|digest|context>. Keys with spaces go in backticks.

Examples:
  mltrack runs list -e churn --order-by "metrics.rmse ASC" --columns metrics.rmse,params.lr
  mltrack runs search "metrics.rmse < 7 and params.lr = '0.1'"
  mltrack runs search "tags.mlflow.runName LIKE 'grid-%'" --json
  mltrack runs show 0123456789abcdef0123456789abcdef`,
    );

  listOptions(runs.command('list').description('list runs, newest first')).action(run((ctx, opts: ListOptions) => listRuns(ctx, opts)));

  listOptions(runs.command('search [filter]').description('search runs with a filter (same as list --filter)'))
    .addHelpText(
      'after',
      `
Examples:
  mltrack runs search "metrics.rmse < 7 and params.lr = '0.1'" --order-by "metrics.rmse ASC"
  mltrack runs search "attributes.status = 'FINISHED' and tags.team = 'growth'" -e churn --json
  mltrack runs search "params.l2 IS NULL" --columns params.lr --max-results 20
  mltrack runs search "metrics.rmse < 7" --rev origin/mltrack

The grammar, paging and where it differs from MLflow's file store: spec/search.md.`,
    )
    .action(
    run((ctx, filter: string | undefined, opts: ListOptions) => listRuns(ctx, { ...opts, filter: filter ?? opts.filter })),
  );

  runs
    .command('show <run-id>')
    .description('show a run: info, params, latest metrics with their curves, tags, inputs and artifacts')
    .option('--all-tags', 'include the mlflow.* system tags')
    .option('--rev <rev>', '[string] read the run as it was at this revision of the tracking branch')
    .action(run(async (ctx, runId: string, opts: { allTags?: boolean; rev?: string }) => {
      const store = await ctx.view(opts.rev);
      const r = await store.getRun(runId);
      const artifacts = opts.rev ? [] : await ctx.store().listArtifacts(runId, '', { recursive: true }).catch(() => []);
      if (ctx.out.json) {
        ctx.out.data({ run: runJson(r), artifacts: artifacts.map(fileInfoJson) });
        return;
      }
      const i = r.info;
      const out = ctx.out;
      out.line(`${out.paint('bold', i.runName ?? i.runId)}  ${out.paint('gray', i.runId)}`);
      out.line(`status      ${statusColour(ctx, i.status)}${i.lifecycleStage === 'deleted' ? out.paint('red', ' (deleted)') : ''}`);
      out.line(`experiment  ${i.experimentId}`);
      out.line(`user        ${i.userId}`);
      out.line(`started     ${formatTime(i.startTime)}`);
      out.line(`duration    ${formatDuration(i.endTime === null ? null : i.endTime - i.startTime)}`);
      out.line(`artifacts   ${i.artifactUri}`);
      const description = r.data.tags['mlflow.note.content'];
      if (description) {
        out.line();
        out.block(description, '  ');
      }
      const params = Object.entries(r.data.params).sort(([a], [b]) => (a < b ? -1 : 1));
      if (params.length) {
        out.line('');
        out.table(['PARAM', 'VALUE'], params.map(([k, v]) => [cell(k), cell(v, 80)]));
      }
      const metricKeys = Object.keys(r.data.metrics).sort();
      if (metricKeys.length) {
        out.line('');
        const rows: string[][] = [];
        for (const key of metricKeys) {
          const m = r.data.metrics[key]!;
          const history = await store.getMetricHistory(runId, key);
          rows.push([cell(key), pyFloatRepr(m.value), String(m.step), String(history.length), history.length > 1 ? out.paint('cyan', sparkline(history.map((h) => h.value))) : '']);
        }
        out.table(['METRIC', 'LATEST', 'STEP', 'POINTS', 'HISTORY'], rows);
      }
      const tags = Object.entries(r.data.tags).filter(([k]) => opts.allTags || !k.startsWith('mlflow.')).sort(([a], [b]) => (a < b ? -1 : 1));
      if (tags.length) {
        out.line('');
        out.table(['TAG', 'VALUE'], tags.map(([k, v]) => [cell(k), cell(v, 80)]));
      }
      if (r.inputs.length) {
        out.line('');
        out.table(['DATASET', 'DIGEST', 'CONTEXT', 'SOURCE'], r.inputs.map((d) => [cell(d.dataset.name), d.dataset.digest, d.tags['mlflow.data.context'] ?? '', cell(d.dataset.source, 60)]));
      }
      if (artifacts.length) {
        out.line('');
        out.table(['ARTIFACT', 'SIZE'], artifacts.map((a) => [a.isDir ? a.path + '/' : a.path, a.isDir ? '' : String(a.fileSize)]));
      }
    }));

  runs
    .command('history <run-id> <metric>')
    .description('print every logged value of a metric, in logging order')
    .option('--rev <rev>', '[string] read it at this revision of the tracking branch')
    .action(run(async (ctx, runId: string, key: string, opts: { rev?: string }) => {
      const history = await (await ctx.view(opts.rev)).getMetricHistory(runId, key);
      if (history.length === 0) throw fail('NOT_FOUND', `Run ${runId} has no metric '${key}'`);
      if (ctx.out.json) return ctx.out.data({ metrics: history.map(metricJson) });
      ctx.out.line(ctx.out.paint('cyan', sparkline(history.map((h) => h.value), 60)));
      ctx.out.table(['STEP', 'VALUE', 'TIMESTAMP'], history.map((h) => [String(h.step), pyFloatRepr(h.value), formatTime(h.timestamp)]));
    }));

  runs
    .command('checkout-source <run-id> <dir>')
    .description("write the exact code a run came from into DIR (its snapshot if the work tree was dirty, else its commit)")
    .option('--rev <rev>', '[string] read the run at this revision of the tracking branch')
    .action(run(async (ctx, runId: string, dir: string, opts: { rev?: string }) => {
      // git and the snapshot code load here, not for every `runs` command.
      const [{ SNAPSHOT_TAG }, { findRepo }, { exportCommit }] = await Promise.all([
        import('../../api/systemTags.js'),
        import('../../git/repo.js'),
        import('../../git/sourceSnapshot.js'),
      ]);
      const r = await (await ctx.view(opts.rev)).getRun(runId);
      const commit = r.data.tags[SNAPSHOT_TAG] ?? r.data.tags['mlflow.source.git.commit'];
      if (!commit) throw fail('NOT_FOUND', `Run ${runId} has no recorded source (no mlflow.source.git.commit tag)`);
      const target = resolve(ctx.cwd, dir);
      if (existsSync(target) && readdirSync(target).length > 0) throw fail('ALREADY_EXISTS', `${target} exists and is not empty`);
      await exportCommit(findRepo(ctx.cwd), commit, target);
      if (ctx.out.json) return ctx.out.data({ run_id: runId, commit, dir: target, snapshot: Boolean(r.data.tags[SNAPSHOT_TAG]) });
      ctx.out.line(`wrote ${r.data.tags[SNAPSHOT_TAG] ? 'snapshot' : 'commit'} ${commit.slice(0, 10)} of run ${runId} to ${target}`);
    }));

  runs
    .command('delete <run-id...>')
    .description('mark runs deleted (they stay on disk until `mltrack gc`)')
    .action(run(async (ctx, ids: string[]) => {
      for (const id of ids) await ctx.store().deleteRun(id);
      if (ctx.out.json) ctx.out.data({ deleted: ids });
      else ctx.out.line(`deleted ${ids.length} run${ids.length === 1 ? '' : 's'}`);
    }));

  runs
    .command('restore <run-id...>')
    .description('bring deleted runs back')
    .action(run(async (ctx, ids: string[]) => {
      for (const id of ids) await ctx.store().restoreRun(id);
      if (ctx.out.json) ctx.out.data({ restored: ids });
      else ctx.out.line(`restored ${ids.length} run${ids.length === 1 ? '' : 's'}`);
    }));
}
