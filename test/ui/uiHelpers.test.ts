/** The UI's pure helpers: plural forms, round ticks, nesting runs, duration sort, paths kept out of messages, URIs shown. */
import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/format/entities.js';
import { ROOT_TOKEN } from '../../src/git/artifactUris.js';
import { displayUri, SITE_ROOT_TOKEN } from '../../src/format/siteFormat.js';
import { withoutPaths } from '../../ui/src/data/errors.js';
import { nestRuns, queryRuns } from '../../ui/src/data/runsTable.js';
import { niceTicks, plural } from '../../ui/src/format.js';

function run(id: string, start: number, end: number | null, parent?: string): Run {
  return {
    info: { runId: id, runName: id, experimentId: '1', userId: 'u', status: 'FINISHED', startTime: start, endTime: end, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: {}, params: {}, tags: parent ? { 'mlflow.parentRunId': parent } : {} },
    inputs: [],
  };
}

describe('UI helpers', () => {
  it('says 1 version, 2 versions, 0 runs', () => {
    expect(plural(1, 'version')).toBe('1 version');
    expect(plural(2, 'version')).toBe('2 versions');
    expect(plural(0, 'run')).toBe('0 runs');
    expect(plural(5000, 'run')).toBe('5,000 runs');
  });

  it('picks round ticks', () => {
    expect(niceTicks(0.8937, 0.9841, 5)).toEqual([0.9, 0.92, 0.94, 0.96, 0.98]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 17, 4)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(2, 2)).toEqual([2]);
    for (const t of niceTicks(0.1234, 0.1299, 5)) expect(String(t).length).toBeLessThanOrEqual(6);
  });

  it('nests children under their parent in sorted order, leaves orphans at the top and breaks cycles', () => {
    const runs = [run('p', 1, 2), run('c2', 3, 4, 'p'), run('x', 5, 6), run('c1', 7, 8, 'p'), run('orphan', 9, 10, 'gone'), run('a', 1, 2, 'b'), run('b', 1, 2, 'a')];
    // A cycle (a ⇄ b) is broken at its first run, which becomes a top-level parent.
    expect(nestRuns(runs, new Set()).map((r) => r.run.info.runId)).toEqual(['p', 'x', 'orphan', 'a']);
    const open = nestRuns(runs, new Set(['p', 'a']));
    expect(open.map((r) => [r.run.info.runId, r.depth])).toEqual([['p', 0], ['c2', 1], ['c1', 1], ['x', 0], ['orphan', 0], ['a', 0], ['b', 1]]);
    expect(open[0]!.children).toBe(2);
  });

  it('sorts by duration, runs without an end last, then by a second key', () => {
    const runs = [run('long', 0, 100), run('open', 0, null), run('short', 0, 10), run('mid', 0, 50)];
    expect(queryRuns(runs, { filter: '', order: ['attributes.duration ASC'], view: 'ACTIVE_ONLY' }).runs.map((r) => r.info.runId)).toEqual(['short', 'mid', 'long', 'open']);
    expect(queryRuns(runs, { filter: '', order: ['attributes.duration DESC'], view: 'ACTIVE_ONLY' }).runs.map((r) => r.info.runId)).toEqual(['long', 'mid', 'short', 'open']);
  });

  it('matches nothing when the filter does not parse', () => {
    const got = queryRuns([run('a', 0, 1)], { filter: 'metrics.x <', order: [], view: 'ACTIVE_ONLY' });
    expect(got.runs).toEqual([]);
    expect(got.filterError).not.toBeNull();
  });

  it('keeps paths out of messages', () => {
    expect(withoutPaths("ENOENT: no such file '/home/alice/proj/mlruns/1/meta.yaml'")).toBe("ENOENT: no such file '…'");
    expect(withoutPaths('bad uri file:///home/alice/x/y, try again')).toBe('bad uri …, try again');
    expect(withoutPaths('metrics.rmse < 7 and a/b')).toBe('metrics.rmse < 7 and a/b');
  });

  it('shows URIs under the tree root as mlruns paths, with the same token the git layer writes', () => {
    expect(SITE_ROOT_TOKEN).toBe(ROOT_TOKEN);
    expect(displayUri(`${ROOT_TOKEN}/1/abc/artifacts`)).toBe('mlruns/1/abc/artifacts');
    expect(displayUri(ROOT_TOKEN)).toBe('mlruns');
    expect(displayUri('s3://bucket/x')).toBe('s3://bucket/x');
    expect(displayUri(`${ROOT_TOKEN}x/1`)).toBe(`${ROOT_TOKEN}x/1`);
  });
});
