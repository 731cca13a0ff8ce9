/**
 * `mltrack import sqlite:///PATH | http(s)://SERVER | DIR`: bring an MLflow history into the mlruns tree and the
 * tracking branch; `mltrack export sqlite:///PATH` the other way.
 */
import type { Command } from 'commander';
import { fail } from '../../format/errors.js';
import { isAbsolute, resolve } from 'node:path';
import type { ImportOptions } from '../../import/importSqlite.js';
import type { Rebase } from '../../import/artifactLocations.js';
import type { ArtifactMode } from '../../import/writeHistory.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

// Each importer (and the sqlite driver behind it) is imported by the action that runs it, so
// registering these commands (and every --help) loads none of them.

function parseRebase(value: string, previous: Rebase[] = []): Rebase[] {
  const at = value.indexOf('=');
  if (at <= 0) throw fail('INVALID_ARGUMENT', `--rebase expects OLD=NEW, got '${value}'`);
  return [...previous, { from: value.slice(0, at), to: value.slice(at + 1) }];
}

export function registerImport(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('import <source>')
    .description('import an MLflow history (sqlite:///PATH, an MLflow tracking server http(s)://HOST[:PORT], or another mlruns DIR merged by the sharing rules) into the mlruns tree, then commit it to the tracking branch; importing again adds only what changed')
    .option('--artifacts <mode>', '[copy|link|keep] copy artifact files into the tree, hard-link them, or keep the recorded URIs', 'copy')
    .option('--rebase <old=new>', '[string] read artifacts recorded under OLD from NEW (a database moved from another machine); repeatable', parseRebase, [])
    .option('--dry-run', 'read and count, write nothing')
    .option('--no-commit', 'write the tree without committing to the tracking branch')
    .addHelpText('after', `
The database is opened read-only and never migrated (MLflow 3 upgrades a 2.x database in place).
A server is read through MLflow's REST API (every lifecycle stage, full metric histories, the
registry, logged models), artifacts downloaded through its proxied artifact service; failed calls
(429, 5xx, connection errors) are retried with backoff. Credentials as MLflow's clients take them:
MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN.
Examples:
  mltrack import sqlite:///mlflow.db
  mltrack import http://mlflow.internal:5000 --dry-run
  mltrack import sqlite:////srv/mlflow/mlflow.db --artifacts keep --dry-run --json
  mltrack import sqlite:///copy/mlflow.db --rebase /data/mlflow=/home/me/copy
  mltrack import ../hpc-results/mlruns            merge another mlruns tree`)
    .action(run(async (ctx, source: string, opts: { artifacts: string; rebase: Rebase[]; dryRun?: boolean; commit?: boolean }) => {
      if (!['copy', 'link', 'keep'].includes(opts.artifacts)) throw fail('INVALID_ARGUMENT', `--artifacts must be copy, link or keep, not '${opts.artifacts}'`);
      const config = ctx.config();
      const isServer = /^https?:\/\//i.test(source);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith('sqlite:') && !isServer) throw fail('INVALID_ARGUMENT', `Unsupported source '${source}': expected sqlite:///PATH, http(s)://SERVER or an mlruns directory`, { source });
      let progress: { tick(n: number): void; done(): void } | null = null;
      const onProgress = (done: number, total: number) => {
        progress ??= ctx.out.progress('importing', total);
        progress.tick(done);
      };
      if (!source.startsWith('sqlite:') && !isServer) {
        const { importTree } = await import('../../import/importTree.js');
        const tree = await importTree({ source: resolve(ctx.cwd, source), mlruns: config.mlruns, commit: opts.commit === false ? null : { cwd: ctx.cwd, branch: config.branch }, dryRun: Boolean(opts.dryRun), onProgress });
        (progress as { done(): void } | null)?.done();
        if (ctx.out.json) {
          ctx.out.data({ source, dry_run: Boolean(opts.dryRun), commit: tree.commit, files_copied: tree.filesCopied, files_merged: tree.filesMerged, files_written: tree.filesWritten, bytes_written: tree.bytesWritten,
            conflicts: tree.conflicts.map((c) => ({ path: c.path, reason: c.reason })), not_imported: tree.omitted.map((o) => ({ kind: o.kind, count: o.count, reason: o.reason })) });
          return;
        }
        ctx.out.line(`${opts.dryRun ? 'would merge' : 'merged'} ${source}: ${tree.filesCopied} files copied, ${tree.filesMerged} merged, ${tree.bytesWritten} bytes${tree.commit ? `; commit ${tree.commit.slice(0, 12)}` : ''}`);
        for (const c of tree.conflicts) ctx.out.warn(`${c.path}: ${c.reason}`);
        for (const o of tree.omitted) ctx.out.warn(`not imported: ${o.count} ${o.kind}: ${o.reason}`);
        return;
      }
      const options: ImportOptions = {
        uri: source,
        mlruns: config.mlruns,
        commit: opts.commit === false ? null : { cwd: ctx.cwd, branch: config.branch },
        artifacts: opts.artifacts as ArtifactMode,
        rebases: opts.rebase,
        dryRun: Boolean(opts.dryRun),
        onProgress,
      };
      let result;
      if (isServer) result = await (await import('../../import/importRest.js')).importRest({ ...options, rest: { env: ctx.env } });
      else {
        // SQLAlchemy's sqlite:///relative.db is relative to where the command runs.
        const [{ sqlitePathFromUri }, { importSqlite }] = await Promise.all([import('../../import/openMlflowDb.js'), import('../../import/importSqlite.js')]);
        const dbPath = sqlitePathFromUri(source);
        result = await importSqlite({ ...options, uri: isAbsolute(dbPath) ? source : `sqlite:///${resolve(ctx.cwd, dbPath)}` });
      }
      (progress as { done(): void } | null)?.done();
      const c = result.counts;
      if (ctx.out.json) {
        ctx.out.data({
          source: result.source, revision: isServer ? null : result.revision, dry_run: Boolean(opts.dryRun), commit: result.commit,
          files_written: result.filesWritten, bytes_written: result.bytesWritten,
          counts: {
            experiments: c.experiments, runs: c.runs, params: c.params, tags: c.tags, metric_values: c.metricValues, dataset_inputs: c.datasetInputs,
            logged_models: c.loggedModels, registered_models: c.registeredModels, model_versions: c.modelVersions, artifact_files: c.artifactFiles, artifact_bytes: c.artifactBytes,
          },
          not_imported: result.omitted.map((o) => ({ kind: o.kind, count: o.count, reason: o.reason })),
          ...('retried' in result ? { retried: result.retried as number } : {}),
        });
        return;
      }
      ctx.out.line(`${opts.dryRun ? 'would import' : 'imported'} ${result.source}${isServer ? '' : ` (MLflow schema ${result.revision})`}`);
      ctx.out.table(['kind', 'count'], [
        ['experiments', String(c.experiments)], ['runs', String(c.runs)], ['params', String(c.params)], ['tags', String(c.tags)],
        ['metric values', String(c.metricValues)], ['dataset inputs', String(c.datasetInputs)], ['logged models', String(c.loggedModels)],
        ['registered models', String(c.registeredModels)], ['model versions', String(c.modelVersions)], ['artifact files', `${c.artifactFiles} (${c.artifactBytes} bytes)`],
      ]);
      ctx.out.line(`${result.filesWritten} files ${opts.dryRun ? 'would be ' : ''}written${result.filesWritten === 0 ? ': already up to date' : ''}${result.commit ? `; commit ${result.commit.slice(0, 12)}` : ''}`);
      for (const o of result.omitted) ctx.out.warn(`not imported: ${o.count} ${o.kind}: ${o.reason}`);
    }));

  program
    .command('export <target>')
    .description("write the mlruns tree as an MLflow database (sqlite:///PATH, MLflow 2.x schema f5a4f2784254): mltrack import of it gives the tree back")
    .option('--force', 'replace the database file if it exists')
    .addHelpText('after', `
MLflow 2.17 opens the database as it is; MLflow 3 upgrades it in place on first open (as it does any
2.x database), after which 2.x no longer opens it. Artifact locations are kept as the tree records
them, so MLflow reads the artifacts where they are. 3.x logged models have no table in the 2.x
schema: they are reported, not written.
Examples:
  mltrack export sqlite:///mlflow.db
  mltrack export sqlite:////tmp/handover.db --force --json
  mlflow ui --backend-store-uri sqlite:///mlflow.db     then browse it with MLflow`)
    .action(run(async (ctx, target: string, opts: { force?: boolean }) => {
      if (!target.startsWith('sqlite:')) throw fail('INVALID_ARGUMENT', `Unsupported target '${target}': expected sqlite:///PATH`, { target });
      const [{ sqlitePathFromUri }, { exportSqlite }] = await Promise.all([import('../../import/openMlflowDb.js'), import('../../import/exportSqlite.js')]);
      const dbPath = sqlitePathFromUri(target);
      let progress: { tick(n: number): void; done(): void } | null = null;
      const result = await exportSqlite({
        uri: isAbsolute(dbPath) ? target : `sqlite:///${resolve(ctx.cwd, dbPath)}`,
        mlruns: ctx.config().mlruns,
        force: Boolean(opts.force),
        onProgress: (done, total) => {
          progress ??= ctx.out.progress('exporting', total);
          progress.tick(done);
        },
      });
      (progress as { done(): void } | null)?.done();
      const c = result.counts;
      if (ctx.out.json) {
        ctx.out.data({
          path: result.path, revision: result.revision,
          counts: { experiments: c.experiments, runs: c.runs, params: c.params, tags: c.tags, metric_values: c.metricValues, dataset_inputs: c.datasetInputs, registered_models: c.registeredModels, model_versions: c.modelVersions },
          not_exported: result.omitted.map((o) => ({ kind: o.kind, count: o.count, reason: o.reason })),
        });
        return;
      }
      ctx.out.line(`exported to ${result.path} (MLflow schema ${result.revision})`);
      ctx.out.table(['kind', 'count'], [
        ['experiments', String(c.experiments)], ['runs', String(c.runs)], ['params', String(c.params)], ['tags', String(c.tags)],
        ['metric values', String(c.metricValues)], ['dataset inputs', String(c.datasetInputs)], ['registered models', String(c.registeredModels)], ['model versions', String(c.modelVersions)],
      ]);
      for (const o of result.omitted) ctx.out.warn(`not exported: ${o.count} ${o.kind}: ${o.reason}`);
    }));
}
