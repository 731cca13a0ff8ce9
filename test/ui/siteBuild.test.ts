/**
 * `mltrack site build`: the data files of spec/site.md, from the working tree and from a revision,
 * checked against what the CLI itself reports for the same runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunsIndex, SiteLog, SiteManifest, SiteMetricHistories, SiteRegistry, SiteRun } from '../../src/format/siteFormat.js';
import { INERT_ARTIFACT } from '../../src/format/siteFormat.js';
import { indexToRuns, queryRuns } from '../../ui/src/data/runsTable.js';
import { spawnCli } from '../helpers/cli.js';
import { cli, makeFixture, MODEL, XSS, type Fixture } from './fixture.js';

let fx: Fixture;
let site: string;

const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

beforeAll(() => {
  fx = makeFixture();
  site = join(fx.home, 'site');
  cli(['site', 'build', '--out', site], fx.proj, fx.env);
}, 180_000);

afterAll(() => fx?.cleanup());

describe('site build', () => {
  it('writes the prebuilt app, the manifest and one runs index per experiment', () => {
    expect(existsSync(join(site, 'index.html'))).toBe(true);
    expect(readdirSync(join(site, 'assets')).some((f) => f.endsWith('.js'))).toBe(true);
    expect(existsSync(join(site, '.nojekyll'))).toBe(true);
    // Relative URLs only, so the site works under any sub-path.
    const html = readFileSync(join(site, 'index.html'), 'utf8');
    expect(html).toMatch(/src="\.\/assets\//);
    expect(html).not.toMatch(/(src|href)="\/[^/]/);

    const m = json<SiteManifest>(join(site, 'data/site.json'));
    expect(m.format).toBe('mltrack-site/2');
    expect(m.source).toEqual({ kind: 'worktree' });
    const exp = m.experiments.find((e) => e.experimentId === fx.experimentId)!;
    expect(exp).toMatchObject({ name: 'iris-softmax', runCount: 10, activeRunCount: 10 });
    expect(exp.metricKeys).toEqual(['train_accuracy', 'train_loss', 'val_accuracy', 'val_loss', 'xss_score']);
    expect(exp.paramKeys).toEqual(['batch_size', 'epochs', 'l2', 'learning_rate', 'payload', 'seed']);
    expect(m.registry.models).toBeGreaterThanOrEqual(2);
    expect(m.log?.branch).toBe('mltrack');

    const index = json<RunsIndex>(join(site, `data/experiments/${fx.experimentId}/runs-0.json`));
    expect(index.count).toBe(10);
    for (const col of [index.runId, index.runName, index.status, index.startTime, index.endTime, index.artifactUri, index.datasets]) expect(col).toHaveLength(10);
    for (const col of Object.values(index.params)) expect(col).toHaveLength(10);
    expect(index.artifactUri.every((u) => u === null)).toBe(true); // all default locations
  });

  it('agrees with the CLI on every run: latest metrics, params, tags and dataset inputs', () => {
    const listed = JSON.parse(cli(['runs', 'list', '--json', '--max-results', '100'], fx.proj, fx.env)).runs as { info: { run_id: string; run_name: string }; data: { metrics: { key: string; value: number; step: number; timestamp: number }[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] } }[];
    expect(listed).toHaveLength(10);
    const index = json<RunsIndex>(join(site, `data/experiments/${fx.experimentId}/runs-0.json`));
    for (const r of listed) {
      const i = index.runId.indexOf(r.info.run_id);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(index.runName[i]).toBe(r.info.run_name);
      const detail = json<SiteRun>(join(site, `data/runs/${r.info.run_id}/run.json`));
      for (const m of r.data.metrics) {
        expect(index.metrics[m.key]!.value[i]).toBe(m.value);
        expect(detail.metrics[m.key]).toMatchObject({ value: m.value, step: m.step, timestamp: m.timestamp });
      }
      for (const p of r.data.params) expect(index.params[p.key]![i]).toBe(p.value);
      for (const t of r.data.tags) expect(detail.tags[t.key]).toBe(t.value);
    }
    const demoRun = json<SiteRun>(join(site, `data/runs/${fx.runs[0]!.run_id}/run.json`));
    expect(demoRun.inputs[0]).toMatchObject({ name: 'iris', source: '{"uri":"data/iris.csv"}', tags: { 'mlflow.data.context': 'training' } });
    expect(index.datasets[index.runId.indexOf(fx.runs[0]!.run_id)]).toEqual([['iris', demoRun.inputs[0]!.digest, 'training']]);
  });

  it('evaluates filters and order_by in the browser code exactly as `runs search` does', () => {
    const m = json<SiteManifest>(join(site, 'data/site.json'));
    const exp = m.experiments.find((e) => e.experimentId === fx.experimentId)!;
    const runs = indexToRuns(json<RunsIndex>(join(site, `data/experiments/${fx.experimentId}/runs-0.json`)), exp);
    const cases: [string, string[]][] = [
      ['metrics.val_accuracy < 0.9', ['metrics.val_loss DESC']],
      ["params.l2 = '0' and metrics.val_loss < 1", ['params.learning_rate ASC']],
      ["tags.model_type = 'softmax-regression'", []],
      ["datasets.context = 'training'", ['attributes.run_name ASC']],
      ["attributes.status = 'FINISHED'", ['metrics.xss_score ASC']],
    ];
    for (const [filter, order] of cases) {
      const expected = JSON.parse(cli(['runs', 'search', filter, '--json', ...order.flatMap((o) => ['--order-by', o])], fx.proj, fx.env)).runs.map((r: { info: { run_id: string } }) => r.info.run_id);
      const got = queryRuns(runs, { filter, order, view: 'ACTIVE_ONLY' });
      expect(got.filterError).toBeNull();
      expect(got.runs.map((r) => r.info.runId), filter).toEqual(expected);
    }
    expect(queryRuns(runs, { filter: 'metrics.val_accuracy <', order: [], view: 'ACTIVE_ONLY' }).filterError).toMatch(/Invalid|filter|expect/i);
  });

  it('keeps each metric history as the exact text of its mlruns file, and copies small artifacts', () => {
    const run = fx.runs[0]!;
    const histories = json<SiteMetricHistories>(join(site, `data/runs/${run.run_id}/metrics.json`));
    const metricsDir = join(fx.proj, 'mlruns', fx.experimentId, run.run_id, 'metrics');
    for (const key of readdirSync(metricsDir)) expect(histories.metrics[key]).toBe(readFileSync(join(metricsDir, key), 'utf8'));
    const detail = json<SiteRun>(join(site, `data/runs/${run.run_id}/run.json`));
    expect(detail.metrics.val_loss!.points).toBe(30);
    const file = 'files' in detail.artifacts ? detail.artifacts.files.find((f) => f.path === 'model/model.json') : undefined;
    expect(file?.size).toBeGreaterThan(0);
    expect(readFileSync(join(site, decodeURIComponent(file!.href!)), 'utf8')).toBe(readFileSync(join(fx.proj, 'mlruns', fx.experimentId, run.run_id, 'artifacts/model/model.json'), 'utf8'));
  });

  it('stores anything not on the inert list (HTML, SVG, files without a known type) as .txt or .bin, so no artifact can run a script on the site', () => {
    const detail = json<SiteRun>(join(site, `data/runs/${fx.xssRunId}/run.json`));
    const files = 'files' in detail.artifacts ? detail.artifacts.files : [];
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(byPath['evil.html']!.href).toMatch(/evil\.html\.txt$/);
    expect(byPath['evil.svg']!.href).toMatch(/evil\.svg\.txt$/);
    expect(byPath['table.csv']!.href).toMatch(/table\.csv$/);
    expect(byPath['model/MLmodel']!.href).toMatch(/model\/MLmodel\.txt$/);
    const served = walk(join(site, 'data')).filter((p) => /\.(html?|svg|js)$/i.test(p));
    expect(served).toEqual([]);
    const stored = walk(join(site, 'data')).filter((p) => /\/artifacts\//.test(p));
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((p) => !INERT_ARTIFACT.test(p) && !/\.(txt|bin)$/.test(p))).toEqual([]);
  });

  it('writes the registry with versions, stages, aliases, sizes, runs, commits and the stage events from git tags', () => {
    const registry = json<SiteRegistry>(join(site, 'data/registry.json'));
    expect(registry.models.map((m) => m.name)).toContain('iris-classifier'); // the demo's own
    const model = registry.models.find((m) => m.name === MODEL)!;
    expect(model).toMatchObject({ name: MODEL, description: 'softmax regression on iris', aliases: { champion: '2' }, tags: { team: XSS } });
    expect(model.latestVersions).toEqual([{ version: 1, stage: 'Staging' }, { version: 2, stage: 'Production' }]);
    expect(model.versions.map((v) => [v.version, v.currentStage, v.aliases])).toEqual([[1, 'Staging', []], [2, 'Production', ['champion']]]);
    const v2 = model.versions[1]!;
    expect(v2.run).toMatchObject({ experimentId: fx.experimentId });
    expect(v2.modelSizeBytes).toBeGreaterThan(100);
    expect(model.commits.length).toBeGreaterThanOrEqual(1);
    const events = model.events.map((e) => [e.kind, e.version, e.stage, e.reason]);
    expect(events).toEqual([
      ['registered', 1, null, null],
      ['stage', 1, 'Staging', 'first candidate'],
      ['registered', 2, null, null],
      ['stage', 2, 'Production', 'best validation accuracy'],
    ]);
    for (const e of model.events) expect(e.tagger).toContain('Test User');
  });

  it('writes the tracking log with the trailers that link commits to runs and models', () => {
    const log = json<SiteLog>(join(site, 'data/log.json'));
    expect(log.commits.length).toBeGreaterThanOrEqual(2);
    expect(log.commits[0]!.trailers.some((t) => t.key === 'Mltrack-Model' && t.value === MODEL)).toBe(true);
    expect(log.commits.some((c) => c.trailers.some((t) => t.key === 'Mltrack-Run-Finished' && t.value === fx.xssRunId))).toBe(true);
    expect(log.commits.some((c) => c.trailers.filter((t) => t.key === 'Mltrack-Run-Finished').length === 9)).toBe(true);
  });

  it('never carries the local mlruns path into the site', () => {
    for (const file of [...walk(join(site, 'data')).filter((p) => p.endsWith('.json')), join(site, '.mltrack-build')]) {
      expect(readFileSync(file, 'utf8'), file).not.toContain(fx.home);
    }
  });

  it('builds the same data from a revision of the tracking branch, read from git objects', () => {
    const rev = join(fx.home, 'site-rev');
    const out = JSON.parse(cli(['site', 'build', '--out', rev, '--rev', 'mltrack', '--json'], fx.proj, fx.env));
    expect(out.runs).toBe(10);
    const a = json<SiteManifest>(join(site, 'data/site.json'));
    const b = json<SiteManifest>(join(rev, 'data/site.json'));
    expect(b.source.kind).toBe('revision');
    expect(b.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(b.experiments).toEqual(a.experiments);
    expect(readFileSync(join(rev, `data/experiments/${fx.experimentId}/runs-0.json`), 'utf8')).toBe(readFileSync(join(site, `data/experiments/${fx.experimentId}/runs-0.json`), 'utf8'));
    expect(json(join(rev, 'data/registry.json'))).toEqual(json(join(site, 'data/registry.json')));
    expect(readFileSync(join(rev, `data/runs/${fx.xssRunId}/metrics.json`), 'utf8')).toBe(readFileSync(join(site, `data/runs/${fx.xssRunId}/metrics.json`), 'utf8'));
  });

  it('replaces an earlier site, and refuses to overwrite a directory it did not build', () => {
    const before = statSync(join(site, 'data/site.json')).mtimeMs;
    cli(['site', 'build', '--out', site], fx.proj, fx.env);
    expect(statSync(join(site, 'data/site.json')).mtimeMs).toBeGreaterThanOrEqual(before);
    const other = join(fx.home, 'precious');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const result = spawnCli(['site', 'build', '--out', other], { cwd: fx.proj, env: fx.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ALREADY_EXISTS/);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
    const bad = spawnCli(['site', 'build', '--out', join(fx.home, 'x'), '--rev', 'no-such-branch'], { cwd: fx.proj, env: fx.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/NOT_FOUND/);
  });
});
