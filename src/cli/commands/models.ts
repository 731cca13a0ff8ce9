/** `mltrack models ...`: MLflow's model registry in the mlruns tree, with stage history from git tags. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { relative } from 'node:path';
import { fail } from '../../format/errors.js';
import { modelVersionJson, registeredModelJson } from '../../format/restJson.js';
import { assertTaggableModelName, parseEventMessage, tagToStage } from '../../format/registryTags.js';
import type { RegistryStore } from '../../store/RegistryStore.js';
import { collect, parsePairs } from '../args.js';
import type { CliContext } from '../context.js';
import { cell, formatTime } from '../output.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

// The registry store, gates and git are imported by the actions that use them, so registering these
// commands (and every --help) loads none of them.

async function registry(ctx: CliContext): Promise<RegistryStore> {
  const { openRegistry } = await import('../../api/registryStore.js');
  return openRegistry(ctx.config().mlruns, ctx.cwd);
}

/** For commands that only read: a missing tree is NOT_FOUND, never an empty registry. */
async function readRegistry(ctx: CliContext): Promise<RegistryStore> {
  const { RegistryStore } = await import('../../store/RegistryStore.js');
  const root = ctx.config().mlruns;
  if (!existsSync(root)) throw fail('NOT_FOUND', `No mlruns directory at ${root} (check --mlruns / MLFLOW_TRACKING_URI, or create one with mltrack init)`, { mlruns: root });
  return new RegistryStore(root);
}

function parseVersion(text: string): number {
  const n = Number(text.replace(/^v/i, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw fail('INVALID_ARGUMENT', `Version must be a positive integer, got '${text}'`);
  return n;
}

function stageColour(ctx: CliContext, stage: string | null): string {
  const colour = stage === 'Production' ? 'green' : stage === 'Staging' ? 'yellow' : stage === 'Archived' ? 'gray' : 'cyan';
  return ctx.out.paint(colour, stage ?? '-');
}

/** A source given as `runs:/<id>/<path>`, `<run-id>/<path>`, a bare run id (path `model`), or a path. */
export function normaliseSource(source: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
  const match = /^([0-9a-f]{32})(?:\/(.+))?$/.exec(source);
  if (match) return `runs:/${match[1]}/${match[2] ?? 'model'}`;
  return source;
}

/**
 * A `runs:/<run-id>/<path>` source names a run that exists and an artifact it has; the run id may
 * be a unique prefix and comes back in full. `runs://path` (no run) is INVALID_ARGUMENT. A bare run
 * id (shorthand for its `model` folder) only has to name a run: the model may be logged later.
 */
async function checkRunSource(ctx: CliContext, source: string, requireArtifact: boolean): Promise<string> {
  const match = /^runs:\/([^/]+)(?:\/(.*))?$/i.exec(source);
  if (!match) throw fail('INVALID_ARGUMENT', `Source '${source}' names no run: expected runs:/<run-id>/<artifact-path> (e.g. runs:/0f3a.../model)`, { source });
  const run = await ctx.store().getRun(match[1]!);
  const path = (match[2] ?? '').replace(/\/+$/, '');
  const runId = run.info.runId;
  if (path && requireArtifact) {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const listed = await ctx.store().listArtifacts(runId, parent).catch(() => []);
    if (!listed.some((f) => f.path === path)) throw fail('NOT_FOUND', `Run ${runId} has no artifact '${path}' (log it first, e.g. mltrack log-model DIR --run-id ${runId.slice(0, 8)})`, { runId, path });
  }
  return `runs:/${runId}${match[2] !== undefined ? `/${match[2]}` : ''}`;
}

async function afterWrite(ctx: CliContext): Promise<void> {
  const { commitIfAutomatic } = await import('../../api/autoCommit.js');
  const committed = await commitIfAutomatic(ctx.config(), ctx.cwd);
  if (committed && !ctx.out.json) ctx.out.info(`committed to ${ctx.config().branch}: ${committed.commit.slice(0, 10)}${committed.tags.length ? ` (tags: ${committed.tags.join(', ')})` : ''}`);
}

/**
 * A transition into a stage whose gates the version fails: a warning (verify will fail on it), or,
 * with `registry.strict_gates: true`, refused before anything is written. Gates by the rule verify uses.
 */
async function checkTransitionGates(ctx: CliContext, store: RegistryStore, name: string, version: number, stage: string): Promise<void> {
  const [{ canonicalStage }, { findRepo }, { CONFIG_PATH, resolveGates }, { evaluateGates, gatesFor, runOfVersion }, { FsTreeReader }] = await Promise.all([
    import('../../format/registryMeta.js'),
    import('../../git/repo.js'),
    import('../../registry/gateSource.js'),
    import('../../registry/gates.js'),
    import('../../store/FsTreeReader.js'),
  ]);
  const config = ctx.config();
  const target = canonicalStage(stage);
  let repo = null;
  try {
    repo = findRepo(ctx.cwd);
  } catch {
    // no repository: the local .mltrack.yml decides
  }
  const local = { gates: config.gates, source: config.configFile ? relative(ctx.cwd, config.configFile) || config.configFile : null };
  const { gates, source } = await resolveGates(repo, { branch: config.branch, remote: config.remote, local });
  if (gatesFor(gates, target).length === 0) return;
  const mv = await store.getModelVersion(name, version);
  const failed = evaluateGates({ gates }, target, await runOfVersion(new FsTreeReader(config.mlruns), mv), mv).filter((r) => !r.passed);
  if (failed.length === 0) return;
  const what = `${name} v${version} fails ${failed.length === 1 ? 'the gate' : `${failed.length} gates`} for ${target} (${source ?? CONFIG_PATH}): ${failed.map((r) => `${JSON.stringify(r.rule)}: ${r.reason}`).join('; ')}`;
  if (config.strictGates) throw fail('GATE_FAILED', `${what}; refused (registry.strict_gates is true)`, { model: name, version, stage: target });
  ctx.out.warn(`${what}; mltrack verify will fail while it stays there`);
}

export function registerModels(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  const models = program
    .command('models')
    .description('the model registry: register versions, move them through stages, alias, describe, tag')
    .addHelpText(
      'after',
      `
Examples:
  mltrack models register runs:/<run-id>/model churn --description "gbm, 200 trees"
  mltrack models transition churn 3 Staging --reason "beats v2 on holdout"
  mltrack models transition churn 3 Production --archive-existing
  mltrack models alias churn champion 3
  mltrack models history churn`,
    );

  models
    .command('create <name>')
    .description('create a registered model')
    .option('--description <text>', '[string] description')
    .option('--tag <key=value>', '[string] tag, repeatable', collect)
    .action(run(async (ctx, name: string, opts: { description?: string; tag?: string[] }) => {
      assertTaggableModelName(name);
      const model = await (await registry(ctx)).createRegisteredModel(name, { description: opts.description ?? null, tags: parsePairs(opts.tag, 'a tag') });
      await afterWrite(ctx);
      if (ctx.out.json) ctx.out.data(registeredModelJson(model));
      else ctx.out.line(`created registered model '${name}'`);
    }));

  models
    .command('register <source> <name>')
    .description('register a new version of NAME from a run (runs:/<run-id>/<path>, or <run-id>[/<path>]) or a path; creates NAME if needed')
    .option('--description <text>', '[string] version description')
    .option('--tag <key=value>', '[string] version tag, repeatable', collect)
    .action(run(async (ctx, source: string, name: string, opts: { description?: string; tag?: string[] }) => {
      const { currentUser } = await import('../../api/systemTags.js');
      assertTaggableModelName(name);
      const store = await registry(ctx);
      let normalised = normaliseSource(source);
      if (/^runs:/i.test(normalised)) normalised = await checkRunSource(ctx, normalised, /^runs:/i.test(source));
      await store.getRegisteredModel(name).catch(async (err) => {
        if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
        await store.createRegisteredModel(name);
      });
      const mv = await store.createModelVersion(name, { source: normalised, description: opts.description ?? null, tags: parsePairs(opts.tag, 'a tag'), userId: currentUser() });
      await afterWrite(ctx);
      if (ctx.out.json) ctx.out.data(modelVersionJson(mv));
      else ctx.out.line(`registered ${name} version ${mv.version} from ${normalised}`);
    }));

  models
    .command('list')
    .alias('search')
    .description('list registered models with their latest version per stage')
    .option('--filter <filter>', "[string] e.g. \"name LIKE 'churn%'\" or \"tags.team = 'growth'\"")
    .option('--order-by <clause>', '[string] e.g. "last_updated_timestamp DESC", repeatable', collect)
    .option('--max-results <n>', '[number] page size (default: 100)', Number)
    .option('--page-token <token>', '[string] continue from a previous page')
    .action(run(async (ctx, opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }) => {
      const page = await (await readRegistry(ctx)).searchRegisteredModels({ filter: opts.filter, orderBy: opts.orderBy, maxResults: opts.maxResults, pageToken: opts.pageToken });
      if (ctx.out.json) return ctx.out.data({ registered_models: page.items.map(registeredModelJson), next_page_token: page.nextPageToken });
      ctx.out.table(
        ['NAME', 'LATEST VERSIONS', 'ALIASES', 'UPDATED'],
        page.items.map((m) => [cell(m.name), m.latestVersions.map((v) => `v${v.version} ${v.currentStage}`).join(', '), Object.entries(m.aliases).map(([a, v]) => `${a}→${v}`).join(' '), formatTime(m.lastUpdatedTimestamp)]),
      );
    }));

  models
    .command('show <name>')
    .alias('describe')
    .description('a registered model with every version, stage, alias and tag')
    .action(run(async (ctx, name: string) => {
      const store = await readRegistry(ctx);
      const model = await store.getRegisteredModel(name);
      const versions = (await store.reader.listModelVersions(name)).sort((a, b) => b.version - a.version);
      if (ctx.out.json) return ctx.out.data({ registered_model: registeredModelJson(model), model_versions: versions.map(modelVersionJson) });
      ctx.out.line(ctx.out.paint('bold', model.name));
      if (model.description) ctx.out.block(model.description, '  ');
      const tags = Object.entries(model.tags);
      if (tags.length) ctx.out.line(tags.map(([k, v]) => `${k}=${v}`).join('  '));
      ctx.out.line('');
      ctx.out.table(
        ['VERSION', 'STAGE', 'ALIASES', 'RUN', 'CREATED', 'DESCRIPTION'],
        versions.map((v) => [`v${v.version}`, stageColour(ctx, v.currentStage), v.aliases.join(' '), v.runId ?? '', formatTime(v.creationTimestamp), cell(v.description ?? '', 40)]),
      );
    }));

  models
    .command('versions [name]')
    .description('search model versions (all models, or one)')
    .option('--filter <filter>', "[string] e.g. \"run_id = '...'\" or \"tags.validated = 'true'\"")
    .option('--order-by <clause>', '[string] repeatable', collect)
    .option('--max-results <n>', '[number] page size (default: 10000, at most 200000)', Number)
    .option('--page-token <token>', '[string] continue from a previous page')
    .addHelpText('after', "\nExamples:\n  mltrack models versions churn\n  mltrack models versions --filter \"tags.validated = 'true'\" --max-results 20\n  mltrack models versions churn --max-results 20 --page-token <token from the previous page>")
    .action(run(async (ctx, name: string | undefined, opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }) => {
      const store = await readRegistry(ctx);
      if (name) await store.getRegisteredModel(name); // an unknown model is NOT_FOUND, not an empty list
      const filter = [name ? `name = '${name.replace(/'/g, "''")}'` : '', opts.filter ?? ''].filter(Boolean).join(' AND ') || undefined;
      const page = await store.searchModelVersions({ filter, orderBy: opts.orderBy, maxResults: opts.maxResults, pageToken: opts.pageToken });
      if (ctx.out.json) return ctx.out.data({ model_versions: page.items.map(modelVersionJson), next_page_token: page.nextPageToken });
      ctx.out.table(['MODEL', 'VERSION', 'STAGE', 'ALIASES', 'RUN', 'UPDATED'], page.items.map((v) => [cell(v.name), `v${v.version}`, stageColour(ctx, v.currentStage), v.aliases.join(' '), v.runId ?? '', formatTime(v.lastUpdatedTimestamp)]));
      if (page.nextPageToken) ctx.out.info(`more: --page-token ${page.nextPageToken}`);
    }));

  models
    .command('transition <name> <version> <stage>')
    .description('move a version to None, Staging, Production or Archived')
    .option('--archive-existing', 'archive the versions now in that stage (Staging or Production only)')
    .option('--reason <text>', '[string] why; kept as the version tag mltrack.reason and in the stage tag')
    .option('--propose [branch]', '[string] make the change on a new branch off the tracking branch, for a pull request (default branch: mltrack-propose/<model>-v<N>-<stage>); mlruns/ and the tracking branch are not touched')
    .option('--no-push', 'with --propose: do not push the new branch')
    .addHelpText('after', '\nReview before promoting:\n  mltrack models transition churn 3 Production --archive-existing --propose --reason "beats v2"\n  gh pr create --base mltrack --head mltrack-propose/churn-v3-production')
    .action(run(async (ctx, name: string, versionText: string, stage: string, opts: { archiveExisting?: boolean; reason?: string; propose?: string | boolean; push: boolean }) => {
      const version = parseVersion(versionText);
      if (opts.propose) {
        const [{ findRepo }, { proposeTransition }] = await Promise.all([import('../../git/repo.js'), import('../../registry/propose.js')]);
        const config = ctx.config();
        const proposal = await proposeTransition({
          repo: findRepo(ctx.cwd),
          trackingBranch: config.branch,
          remote: config.remote,
          model: name,
          version,
          stage,
          archiveExisting: Boolean(opts.archiveExisting),
          reason: opts.reason ?? null,
          branch: typeof opts.propose === 'string' ? opts.propose : undefined,
          push: opts.push,
        });
        if (ctx.out.json) {
          return ctx.out.data({
            branch: proposal.branch,
            base: proposal.base,
            commit: proposal.commit,
            pushed: proposal.pushed,
            remote: proposal.remote,
            changes: proposal.changes.map((c) => ({ version: String(c.version), from: c.from, to: c.to })),
            model_versions: proposal.versions.map(modelVersionJson),
            pr_command: proposal.prCommand,
          });
        }
        for (const c of proposal.changes) ctx.out.line(`${name} v${c.version} → ${stageColour(ctx, c.to)} (proposed)`);
        ctx.out.line(`on branch ${proposal.branch} (${proposal.commit.slice(0, 10)}, off ${config.branch} ${proposal.base.slice(0, 10)})${proposal.pushed ? `, pushed to ${proposal.remote}` : ', not pushed'}`);
        ctx.out.line('open the pull request:');
        ctx.out.line(`  ${proposal.prCommand}`);
        return;
      }
      const store = await registry(ctx);
      await checkTransitionGates(ctx, store, name, version, stage);
      const { REASON_TAG } = await import('../../git/registryTags.js');
      if (opts.reason) await store.setModelVersionTag(name, version, REASON_TAG, opts.reason);
      const changed = await store.transitionModelVersionStage(name, version, stage, Boolean(opts.archiveExisting), { reason: opts.reason ?? null });
      await afterWrite(ctx);
      if (ctx.out.json) return ctx.out.data({ model_versions: changed.map(modelVersionJson) });
      ctx.out.line(`${name} v${version} → ${stageColour(ctx, changed[0]!.currentStage)}`);
      for (const other of changed.slice(1)) ctx.out.line(`${name} v${other.version} → ${stageColour(ctx, 'Archived')}`);
    }));

  models
    .command('alias <name> <alias> <version>')
    .description('point an alias (e.g. champion) at a version')
    .action(run(async (ctx, name: string, alias: string, version: string) => {
      await (await registry(ctx)).setAlias(name, alias, parseVersion(version));
      await afterWrite(ctx);
      if (ctx.out.json) ctx.out.data({ name, alias, version: String(parseVersion(version)) });
      else ctx.out.line(`${name}@${alias} → v${parseVersion(version)}`);
    }));

  models
    .command('unalias <name> <alias>')
    .description('remove an alias')
    .action(run(async (ctx, name: string, alias: string) => {
      await (await registry(ctx)).deleteAlias(name, alias);
      await afterWrite(ctx);
      if (ctx.out.json) ctx.out.data({ name, alias, deleted: true });
      else ctx.out.line(`removed alias ${name}@${alias}`);
    }));

  models
    .command('update <name> [version]')
    .description('set the description of a model, or of one of its versions')
    .requiredOption('--description <text>', '[string] the new description')
    .action(run(async (ctx, name: string, version: string | undefined, opts: { description: string }) => {
      const store = await registry(ctx);
      const result = version ? modelVersionJson(await store.updateModelVersion(name, parseVersion(version), opts.description)) : registeredModelJson(await store.updateRegisteredModel(name, opts.description));
      await afterWrite(ctx);
      if (ctx.out.json) ctx.out.data(result);
    }));

  models
    .command('set-tag <name> <key> <value>')
    .description('tag a model, or a version with --version')
    .option('--version <n>', '[number] tag this version instead of the model')
    .action(run(async (ctx, name: string, key: string, value: string, opts: { version?: string }) => {
      const store = await registry(ctx);
      if (opts.version) await store.setModelVersionTag(name, parseVersion(opts.version), key, value);
      else await store.setRegisteredModelTag(name, key, value);
      await afterWrite(ctx);
    }));

  models
    .command('delete-tag <name> <key>')
    .description('remove a tag from a model, or from a version with --version')
    .option('--version <n>', '[number] the version')
    .action(run(async (ctx, name: string, key: string, opts: { version?: string }) => {
      const store = await registry(ctx);
      if (opts.version) await store.deleteModelVersionTag(name, parseVersion(opts.version), key);
      else await store.deleteRegisteredModelTag(name, key);
      await afterWrite(ctx);
    }));

  models
    .command('rename <name> <new-name>')
    .description('rename a registered model (its versions, tags and aliases move with it)')
    .action(run(async (ctx, name: string, newName: string) => {
      assertTaggableModelName(newName);
      await (await registry(ctx)).renameRegisteredModel(name, newName);
      await afterWrite(ctx);
    }));

  models
    .command('delete <name> [version]')
    .description('delete a registered model, or soft-delete one version (its number is never reused)')
    .action(run(async (ctx, name: string, version: string | undefined) => {
      const store = await registry(ctx);
      if (version) await store.deleteModelVersion(name, parseVersion(version));
      else await store.deleteRegisteredModel(name);
      await afterWrite(ctx);
    }));

  models
    .command('history <name>')
    .description('who registered, promoted and archived which version, when and why (from the registry tags)')
    .action(run(async (ctx, name: string) => {
      const [{ findRepo }, { partitionRegistryTags }, { branchRef }] = await Promise.all([
        import('../../git/repo.js'),
        import('../../git/registryTags.js'),
        import('../../git/trackingLayout.js'),
      ]);
      const { trusted, untrusted } = await partitionRegistryTags(findRepo(ctx.cwd), branchRef(ctx.config().branch));
      const records = trusted.filter((r) => r.event.model === name);
      // No event and no such model in the files: a typo, not an empty history. (A deleted model keeps its tags.)
      if (records.length === 0 && !untrusted.some((u) => u.record.event.model === name)) await (await readRegistry(ctx)).getRegisteredModel(name);
      for (const u of untrusted.filter((u) => u.record.event.model === name)) ctx.out.warn(`untrusted registry tag '${u.record.tag}' left out of the history: ${u.why}`);
      const changedBy = (message: string) => {
        try {
          return parseEventMessage(message).changedBy ?? null;
        } catch {
          return null; // a hand-made annotation that is not ours
        }
      };
      if (ctx.out.json) {
        return ctx.out.data({
          untrusted: untrusted.filter((u) => u.record.event.model === name).map((u) => ({ tag: u.record.tag, why: u.why })),
          events: records.map((r) => ({
            tag: r.tag,
            event: r.event.kind,
            version: r.event.version,
            stage: r.event.stage ? tagToStage(r.event.stage) : null,
            timestamp: r.event.timestamp ?? null,
            time: r.at,
            tagger: r.tagger,
            changed_by: changedBy(r.message),
            tagged_at: r.time,
            commit: r.commit,
            reason: /^reason: (.*)$/m.exec(r.message)?.[1] ? JSON.parse(/^reason: (.*)$/m.exec(r.message)![1]!) : null,
          })),
        });
      }
      if (records.length === 0) return ctx.out.line(`no registry history for '${name}' yet (registry changes get tags when they are committed: mltrack commit)`);
      for (const r of records) {
        const what = r.event.kind === 'registered' ? `registered v${r.event.version}` : `v${r.event.version} → ${stageColour(ctx, tagToStage(r.event.stage!))}`;
        const when = formatTime(r.at);
        const reason = /^reason: (.*)$/m.exec(r.message)?.[1];
        // The server's authenticated user made the change; the tagger only committed it.
        const who = changedBy(r.message) ?? r.tagger;
        ctx.out.line(`${when}  ${what}  ${ctx.out.paint('gray', who)}  ${ctx.out.paint('yellow', r.commit.slice(0, 10))}${reason ? `  "${JSON.parse(reason)}"` : ''}`);
      }
    }));

  const tags = program.command('tags').description('registry event tags on the tracking branch');
  tags
    .command('sync')
    .description('create the tags for registry changes on the tracking branch that have none (e.g. after a merged pull request)')
    .action(run(async (ctx) => {
      const [{ findRepo }, { syncRegistryTags }, { ObjectReader }, { branchRef }] = await Promise.all([
        import('../../git/repo.js'),
        import('../../git/registryTags.js'),
        import('../../git/objectStore.js'),
        import('../../git/trackingLayout.js'),
      ]);
      const repo = findRepo(ctx.cwd);
      const created = await syncRegistryTags(repo, new ObjectReader(repo.gitdir), branchRef(ctx.config().branch));
      if (ctx.out.json) return ctx.out.data({ created });
      if (created.length === 0) ctx.out.line('every registry change already has its tag');
      for (const t of created) ctx.out.line(`created ${t}`);
    }));
}
