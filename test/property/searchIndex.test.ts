/**
 * The search index never answers stale: random writes of a simulated MLflow writer (tag files
 * rewritten in place with the same size and mtime, metric lines appended, new and deleted
 * param/tag/metric files, runs deleted and restored through meta.yaml, run folders removed, new
 * runs, metric files damaged) interleaved with random queries; every answer equals an index-free read of the same tree,
 * and the index-free search that reads only the query's files equals a read of every file.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore, type SearchRunsInput } from '../../src/store/FileStore.js';
import { setReadWarningSink } from '../../src/store/readWarnings.js';
import { searchRuns } from '../../src/format/search/index.js';
import { tempDir } from '../helpers/env.js';

const KEYS = ['a', 'b', 'c'];
const VALUES = ['x1', 'y2', 'zz', 'w'];

type Op =
  | { kind: 'rewriteTag'; run: number; key: string; value: string }
  | { kind: 'appendMetric'; run: number; key: string; value: number }
  | { kind: 'newFile'; run: number; folder: 'params' | 'tags' | 'metrics'; key: string; value: string }
  | { kind: 'deleteFile'; run: number; folder: 'params' | 'tags' | 'metrics'; key: string }
  | { kind: 'lifecycle'; run: number; stage: 'active' | 'deleted' }
  | { kind: 'removeRun'; run: number }
  | { kind: 'damageMetric'; run: number; key: string }
  | { kind: 'newRun' }
  | { kind: 'query'; query: number; view: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'; maxResults: number };

const folder = fc.constantFrom<'params' | 'tags' | 'metrics'>('params', 'tags', 'metrics');
const run = fc.nat(7);
const key = fc.constantFrom(...KEYS);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('rewriteTag' as const), run, key, value: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constant('appendMetric' as const), run, key, value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('newFile' as const), run, folder, key, value: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constant('deleteFile' as const), run, folder, key }),
  fc.record({ kind: fc.constant('lifecycle' as const), run, stage: fc.constantFrom<'active' | 'deleted'>('active', 'deleted') }),
  fc.record({ kind: fc.constant('removeRun' as const), run }),
  fc.record({ kind: fc.constant('damageMetric' as const), run, key }),
  fc.record({ kind: fc.constant('newRun' as const) }),
  fc.record({ kind: fc.constant('query' as const), query: fc.nat(), view: fc.constantFrom<'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'>('ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'), maxResults: fc.integer({ min: 1, max: 10 }) }),
);

const QUERIES: Omit<SearchRunsInput, 'experimentIds'>[] = [
  {},
  { filter: "tags.a = 'x1'" },
  { filter: 'metrics.a > 0', orderBy: ['metrics.b DESC'] },
  { filter: "params.b != 'w'", orderBy: ['tags.c ASC'] },
  { orderBy: ['metrics.a ASC', 'params.a DESC'] },
  { filter: "attributes.run_name LIKE 'r%'" },
  { filter: "tags.mlflow.runName = 'r1'" },
  { filter: 'attributes.status = "FINISHED"', orderBy: ['attributes.end_time DESC'] },
  // Several clauses: a run one clause rejects is decided by that clause's files alone.
  { filter: "tags.a = 'x1' and metrics.a > 0", orderBy: ['params.b ASC'] },
  { filter: "params.a = 'p1' and tags.b != 'w' and metrics.b >= 0", orderBy: ['metrics.a DESC'] },
  { filter: "metrics.c < 3 and attributes.status = 'RUNNING'" },
];

/** MLflow's writer: value files written in place (open 'w'), metric lines appended, meta.yaml rewritten in place. */
function apply(o: Op, root: string, experimentId: string, clock: { t: number }): void {
  const runs = readdirSync(join(root, experimentId)).filter((d) => /^[0-9a-f]{32}$/.test(d)).sort();
  if (!('run' in o) || !runs.length) return;
  const dir = join(root, experimentId, runs[o.run % runs.length]!);
  switch (o.kind) {
    case 'rewriteTag': {
      const path = join(dir, 'tags', o.key);
      const before = existsSync(path) ? statSync(path) : null;
      writeFileSync(path, o.value);
      // Same mtime as before where the file existed: only size, ctime or content tell.
      if (before) utimesSync(path, before.atime, before.mtime);
      break;
    }
    case 'appendMetric':
      appendFileSync(join(dir, 'metrics', o.key), `${++clock.t} ${o.value} ${clock.t}\n`);
      break;
    case 'newFile':
      writeFileSync(join(dir, o.folder, o.key), o.folder === 'metrics' ? `${++clock.t} ${o.value.length} 0\n` : o.value);
      break;
    case 'deleteFile':
      rmSync(join(dir, o.folder, o.key), { force: true });
      break;
    case 'lifecycle': {
      const meta = join(dir, 'meta.yaml');
      writeFileSync(meta, readFileSync(meta, 'utf8').replace(/lifecycle_stage: \w+/, `lifecycle_stage: ${o.stage}`));
      break;
    }
    case 'removeRun':
      rmSync(dir, { recursive: true, force: true });
      break;
    case 'damageMetric':
      // A line no reader accepts: the whole run is skipped (and reported) by every read of it.
      appendFileSync(join(dir, 'metrics', o.key), 'not a metric line\n');
      break;
    default:
      break;
  }
}

async function check(racyWindowMs: number | undefined, captureBudget?: number): Promise<{ runs: number; captured: number }> {
  const served = { runs: 0, captured: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      const dir = tempDir();
      const root = join(dir, 'mlruns');
      const plain = new FileStore(root, { index: false });
      const experimentId = await plain.createExperiment('exp');
      let n = 0;
      const newRun = async () => {
        const { info } = await plain.createRun({ experimentId, userId: 'u', runName: `r${n++}`, startTime: 1000 + (n % 3) });
        await plain.logBatch(info.runId, { metrics: [{ key: 'a', value: n, timestamp: 1, step: 0 }], params: [{ key: 'a', value: `p${n % 2}` }], tags: [{ key: 'a', value: 'x1' }] });
        if (n % 2) await plain.setTerminated(info.runId, 'FINISHED', 5000 + n);
      };
      for (let i = 0; i < 4; i++) await newRun();
      const clock = { t: 10 };
      const options = { dir: join(dir, 'index'), captureBudget, ...(racyWindowMs === undefined ? {} : { racyWindowMs }) };
      for (const o of [...ops, { kind: 'query', query: 0, view: 'ALL', maxResults: 10 } as Op]) {
        if (o.kind === 'newRun') await newRun();
        else if (o.kind !== 'query') apply(o, root, experimentId, clock);
        else {
          const input: SearchRunsInput = { ...QUERIES[o.query % QUERIES.length]!, experimentIds: [experimentId], viewType: o.view, maxResults: o.maxResults };
          const indexed = new FileStore(root, { create: false, index: options }); // a fresh process each time
          const got = await indexed.searchRuns(input);
          // Three reads agree: through the index, without it (reading only what the query needs),
          // and the plain definition (every file of every run, then the search).
          const everything = searchRuns(await plain.reader.readRuns((await plain.reader.listExperiments('ALL')).filter((e) => e.experiment.experimentId === experimentId)), input);
          expect(await plain.searchRuns(input)).toEqual(everything);
          expect(got).toEqual(everything);
          served.runs += indexed.searchIndex!.stats.runs;
          served.captured += indexed.searchIndex!.stats.captured;
        }
      }
    }),
    { numRuns: 40 },
  );
  return served;
}

describe('search index against an index-free read', () => {
  const quiet = () => {
    const previous = setReadWarningSink(() => {});
    return () => setReadWarningSink(previous);
  };

  it('trusting fresh signatures (racy window 0: this file system has fine-grained ctime), most runs come from the index', async () => {
    const restore = quiet();
    try {
      const served = await check(0);
      expect(served.captured).toBeLessThan(served.runs);
    } finally {
      restore();
    }
  }, 240_000);

  it('adding at most one run to the index per query (the others read in the query\'s files only)', async () => {
    const restore = quiet();
    try {
      await check(0, 1);
    } finally {
      restore();
    }
  }, 240_000);

  it('with the default racy window', async () => {
    const restore = quiet();
    try {
      await check(undefined);
    } finally {
      restore();
    }
  }, 240_000);
});
