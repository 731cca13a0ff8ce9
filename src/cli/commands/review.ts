/** `mltrack review BASE..HEAD`: Markdown (or JSON) for a pull-request comment on registry changes. */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { Review } from '../../registry/review.js';
import type { CliContext } from '../context.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

/** The review as plain JSON (snake_case keys, as every `--json`). */
export function reviewJson(review: Review) {
  const facts = (f: Review['promotions'][number]['candidate'] | null) =>
    f && {
      version: String(f.version),
      stage: f.stage,
      source: f.source,
      run_id: f.runId,
      run_found: f.runFound,
      run_name: f.runName,
      duration_ms: f.durationMs,
      model_size_bytes: f.modelSizeBytes,
      code_commit: f.codeCommit,
      code_snapshot: f.codeSnapshot,
      code_dirty: f.codeDirty,
      datasets: f.datasets.map((d) => ({ name: d.name, digest: d.digest, context: d.context })),
      metrics: { ...f.metrics },
      params: { ...f.params },
    };
  return {
    base: { rev: review.base.rev, commit: review.base.commit },
    head: { rev: review.head.rev, commit: review.head.commit },
    changes: review.changes.map((c) => ({ model: c.model, version: c.version === null ? null : String(c.version), kind: c.kind, key: c.key, from: c.from, to: c.to, reason: c.reason })),
    promotions: review.promotions.map((p) => ({
      model: p.model,
      version: String(p.version),
      from: p.from,
      to: p.to,
      reason: p.reason,
      candidate: facts(p.candidate),
      replaces: facts(p.replaces),
      comparison: p.rows.map((r) => ({ section: r.section, label: r.label, candidate: r.candidate, current: r.current, differs: r.differs, delta: r.delta })),
      gates: p.gates.map((g) => ({ rule: g.rule, passed: g.passed, reason: g.reason })),
    })),
    gates: { source: review.gates.source, config_changed: review.gates.configChanged, evaluated: review.gates.evaluated, failed: review.gates.failed, passed: review.gates.failed === 0 },
  };
}

export function registerReview(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('review <range>')
    .description('Markdown for a pull request against the tracking branch: every registry change, each promoted version next to the one it replaces, and the promotion gates')
    .addHelpText(
      'after',
      `
RANGE is BASE..HEAD (revisions of the tracking branch; BASE...HEAD starts from their merge base),
or one revision, compared with the local tracking branch. Exit status is 0 even when a gate fails:
\`mltrack verify\` is the check that enforces the gates.

Examples:
  mltrack review origin/mltrack..mltrack-propose/churn-v3-production
  mltrack review origin/mltrack..HEAD > review.md && gh pr comment 12 --body-file review.md`,
    )
    .action(run(async (ctx, rangeText: string) => {
      // Imported here, so registering `review` (and every --help) loads neither git nor the registry.
      const [{ findRepo }, { buildReview, parseRange, renderReviewMarkdown }] = await Promise.all([import('../../git/repo.js'), import('../../registry/review.js')]);
      const config = ctx.config();
      const repo = findRepo(ctx.cwd);
      const range = await parseRange(repo, rangeText, config.branch);
      const review = await buildReview({
        repo,
        base: range.base,
        head: range.head,
        fallbackGates: config.gates,
        fallbackSource: config.configFile ? relative(ctx.cwd, config.configFile) || config.configFile : null,
      });
      if (ctx.out.json) return ctx.out.data(reviewJson(review));
      ctx.out.block(renderReviewMarkdown(review));
      if (review.gates.failed > 0) ctx.out.info(`${review.gates.failed} gate${review.gates.failed === 1 ? '' : 's'} failed (mltrack verify will fail once this is merged)`);
    }));
}
