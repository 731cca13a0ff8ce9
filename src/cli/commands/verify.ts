/** `mltrack verify`: check the mlruns tree (or a revision of the tracking branch) against the spec. */
import type { Command } from 'commander';
import { isAbsolute, join, relative } from 'node:path';
import { fail, isMltrackError } from '../../format/errors.js';
import type { GitRepo } from '../../git/repo.js';
import type { TreeReader } from '../../store/TreeReader.js';
import type { Problem } from '../../verify/Problem.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The tracking branch's tip as a tree, or null when the branch has no commit yet. */
async function branchTree(ctx: CliContext): Promise<TreeReader | null> {
  const [{ findRepo }, { openRevision }] = await Promise.all([import('../../git/repo.js'), import('../../git/revision.js')]);
  const config = ctx.config();
  try {
    return (await openRevision(findRepo(ctx.cwd), config.branch, config.mlruns, { unchecked: true })).reader.tree;
  } catch (err) {
    if (isMltrackError(err) && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

async function tryRepo(cwd: string): Promise<GitRepo | null> {
  const { findRepo } = await import('../../git/repo.js');
  try {
    return findRepo(cwd);
  } catch {
    return null;
  }
}

export function registerVerify(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('verify')
    .description('check the mlruns tree against the format MLflow reads; list every problem as path: rule')
    .option('--rev <rev>', '[string] check this revision of the tracking branch (read from git objects), and compare the branch with the working tree')
    .option('--base <rev>', '[string] read the promotion gates from REV:.mltrack.yml, the base of the change under review (default: the merge base of the tracking branch with its upstream, else the local .mltrack.yml)')
    .option('--fix', 'recreate missing empty run folders and remove leftover .mltrack-tmp-* files (nothing else)')
    .addHelpText('after', '\nExit status 1 when an error is found; warnings (what one MLflow version or git loses) do not fail.\nExamples:\n  mltrack verify && mltrack commit\n  mltrack verify --rev HEAD --base origin/mltrack    # a pull request, judged by the gates it merges into')
    .action(run(async (ctx, opts: { rev?: string; base?: string; fix?: boolean }) => {
      if (opts.rev && opts.fix) throw fail('INVALID_ARGUMENT', '--fix repairs the working tree; it cannot be combined with --rev');
      // Imported here, not at the top, so registering the command (and every --help) loads none of it.
      const [
        { findRepo, resolveRef },
        { branchRef, MLRUNS_PATH },
        { openRevision },
        { unsafeEntries },
        { FsTreeReader },
        { checkGates },
        { resolveGates },
        { checkTagsAgree },
        { verifyTree },
        { fixTree },
        { compareWithBranch },
        { countBySeverity },
      ] = await Promise.all([
        import('../../git/repo.js'),
        import('../../git/trackingLayout.js'),
        import('../../git/revision.js'),
        import('../../git/treeSafety.js'),
        import('../../store/FsTreeReader.js'),
        import('../../registry/gates.js'),
        import('../../registry/gateSource.js'),
        import('../../registry/tagState.js'),
        import('../../verify/verifyTree.js'),
        import('../../verify/fixTree.js'),
        import('../../verify/compareWithBranch.js'),
        import('../../verify/Problem.js'),
      ]);
      const config = ctx.config();
      const onDisk = (path: string) => {
        const abs = join(config.mlruns, ...path.split('/').filter(Boolean));
        const rel = relative(ctx.cwd, abs);
        return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
      };
      let problems: Problem[];
      let fixed: Problem[] = [];
      let stats;
      let display = onDisk;
      if (opts.rev) {
        // Unsafe entries are listed, not thrown: verify reads names only, and writes nothing.
        const revision = await openRevision(findRepo(ctx.cwd), opts.rev, config.mlruns, { unchecked: true });
        const unsafe = revision.mlrunsTree ? await unsafeEntries(revision.objects, revision.mlrunsTree) : [];
        ({ problems, stats } = await verifyTree(revision.reader.tree, { emptyDirsKept: false, mlrunsRoot: config.mlruns }));
        problems = [...unsafe.map((u): Problem => ({ path: u.path, rule: `unsafe tree entry: ${u.reason} (pull, site build and --rev reads refuse this tree)`, code: 'UNSAFE_TREE', severity: 'error' })), ...problems];
        display = (path: string) => `${opts.rev}:${MLRUNS_PATH}${path ? `/${path}` : ''}`;
        const working = new FsTreeReader(config.mlruns);
        problems = [...problems, ...(await compareWithBranch(working, await branchTree(ctx), config.branch))];
      } else {
        const tree = new FsTreeReader(config.mlruns);
        ({ problems, stats } = await verifyTree(tree));
        if (opts.fix) {
          fixed = fixTree(config.mlruns, problems);
          if (fixed.length > 0) ({ problems, stats } = await verifyTree(tree));
        }
      }
      // The registry's promotion gates, and the event tags against the files at the branch tip.
      const checked = opts.rev ? (await openRevision(findRepo(ctx.cwd), opts.rev, config.mlruns, { unchecked: true })).reader.tree : new FsTreeReader(config.mlruns);
      const repo = await tryRepo(ctx.cwd);
      // Gates come from the base of the change, never from the change itself (spec/review.md, "Which gates").
      const localSource = config.configFile ? relative(ctx.cwd, config.configFile) || config.configFile : null;
      const gateSource = await resolveGates(repo, { base: opts.base, branch: config.branch, remote: config.remote, local: { gates: config.gates, source: localSource } });
      if (!ctx.out.json && gateSource.source) ctx.out.info(`gates from ${gateSource.source}`);
      problems = [...problems, ...(await checkGates(checked, gateSource))];
      if (repo && (await resolveRef(repo, opts.rev ?? branchRef(config.branch)))) {
        problems = [...problems, ...(await checkTagsAgree(repo, opts.rev ?? branchRef(config.branch)))];
      }
      const where = (p: Problem) => (p.severity === 'info' ? onDisk(p.path) : display(p.path));
      const counts = countBySeverity(problems);

      if (ctx.out.json) {
        ctx.out.data([
          ...fixed.map((p) => ({ path: p.path, rule: p.rule, code: p.code, severity: p.severity, fixed: true })),
          ...problems.map((p) => ({ path: p.path, rule: p.rule, code: p.code, severity: p.severity })),
        ]);
      } else {
        for (const p of fixed) ctx.out.line(`${where(p)}: fixed: ${p.rule}`);
        for (const p of problems) ctx.out.line(`${where(p)}: ${p.severity === 'error' ? '' : `${p.severity}: `}${p.rule}`);
        const notes = counts.info ? `, ${plural(counts.info, 'note')}` : '';
        const repaired = fixed.length ? `; fixed ${plural(fixed.length, 'problem')}` : '';
        ctx.out.info(
          `checked ${plural(stats.experiments, 'experiment')}, ${plural(stats.runs, 'run')}, ${plural(stats.registeredModels, 'registered model')} (${plural(stats.modelVersions, 'version')}): ` +
            `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}${notes}${repaired}`,
        );
      }
      if (counts.error > 0) {
        const label = opts.rev ? `${opts.rev}:${MLRUNS_PATH}` : onDisk('');
        throw fail('VERIFY_FAILED', `${plural(counts.error, 'problem')} in ${label}${counts.warning ? `, and ${plural(counts.warning, 'warning')}` : ''}`, { errors: counts.error, warnings: counts.warning });
      }
    }));
}
