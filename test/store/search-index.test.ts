/**
 * The derived search index: answers equal an index-free read, an outside writer's in-place
 * rewrites and appends are seen, and a damaged, truncated or deleted index file is rebuilt
 * silently with the right answer.
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { FileStore } from '../../src/store/FileStore.js';
import type { SearchRunsInput } from '../../src/store/FileStore.js';

async function tree(runs = 5) {
  const dir = tempDir();
  const root = join(dir, 'mlruns');
  const indexDir = join(dir, 'index');
  const store = new FileStore(root, { index: false });
  const experimentId = await store.createExperiment('exp');
  const runIds: string[] = [];
  for (let i = 0; i < runs; i++) {
    const { info } = await store.createRun({ experimentId, userId: 'u', runName: `run-${i}`, startTime: 1000 + i });
    await store.logBatch(info.runId, {
      metrics: [{ key: 'loss', value: i / 10, timestamp: 1, step: 0 }],
      params: [{ key: 'lr', value: String(i % 2) }],
      tags: [{ key: 'team', value: 'aaaa' }],
    });
    runIds.push(info.runId);
  }
  // racyWindowMs 0: the signatures just taken are trusted (this kernel's ctime is fine-grained).
  const indexed = () => new FileStore(root, { index: { dir: indexDir, racyWindowMs: 0 } });
  return { root, indexDir, store, experimentId, runIds, indexed };
}

const QUERY = (experimentId: string): SearchRunsInput => ({ experimentIds: [experimentId], filter: "params.lr = '1'", orderBy: ['metrics.loss DESC'] });

describe('search index', () => {
  it('answers as an index-free read, from the index the second time', async () => {
    const t = await tree();
    const expected = await t.store.searchRuns(QUERY(t.experimentId));
    const first = t.indexed();
    expect(await first.searchRuns(QUERY(t.experimentId))).toEqual(expected);
    expect(first.searchIndex!.stats.captured).toBe(5);
    const second = t.indexed();
    expect(await second.searchRuns(QUERY(t.experimentId))).toEqual(expected);
    expect(second.searchIndex!.stats).toEqual({ runs: 5, captured: 0 });
  });

  it('sees a tag rewritten in place with the same size and mtime, and an appended metric line', async () => {
    const t = await tree();
    await t.indexed().searchRuns(QUERY(t.experimentId));
    const runDir = join(t.root, t.experimentId, t.runIds[1]!);
    const tag = join(runDir, 'tags', 'team');
    const before = statSync(tag);
    writeFileSync(tag, 'bbbb'); // in place, as MLflow's Python client does
    utimesSync(tag, before.atime, before.mtime);
    appendFileSync(join(runDir, 'metrics', 'loss'), '2 9.5 1\n');
    const answer = await t.indexed().searchRuns(QUERY(t.experimentId));
    expect(answer).toEqual(await t.store.searchRuns(QUERY(t.experimentId)));
    const run = answer.items.find((r) => r.info.runId === t.runIds[1])!;
    expect(run.data.tags.team).toBe('bbbb');
    expect(run.data.metrics.loss!.value).toBe(9.5);
  });

  it.each([
    ['truncated', (p: string) => writeFileSync(p, readFileSync(p).subarray(0, Math.floor(statSync(p).size / 2)))],
    ['damaged in a section', (p: string) => { const b = readFileSync(p); b[b.length - 10] ^= 0xff; writeFileSync(p, b); }],
    ['damaged in every run\'s blob (read one run at a time, each checked by its CRC)', (p: string) => {
      const b = readFileSync(p);
      const headLength = b.readUInt32LE(8);
      const header = JSON.parse(b.subarray(12, 12 + headLength).toString('utf8'));
      const [offset, length] = header.sections.blobs;
      for (let at = 12 + headLength + offset + 3; at < 12 + headLength + offset + length; at += 97) b[at] ^= 0x55;
      writeFileSync(p, b);
    }],
    ['empty', (p: string) => writeFileSync(p, '')],
    ['deleted', (p: string) => rmSync(p)],
  ])('an index file %s is rebuilt silently and answers right', async (_name, damage) => {
    const t = await tree();
    await t.indexed().searchRuns(QUERY(t.experimentId));
    const file = join(t.indexDir, `${t.experimentId}.idx`);
    damage(file);
    const rebuilt = t.indexed();
    expect(await rebuilt.searchRuns(QUERY(t.experimentId))).toEqual(await t.store.searchRuns(QUERY(t.experimentId)));
    expect(rebuilt.searchIndex!.stats.captured).toBe(5);
    const after = t.indexed();
    expect(await after.searchRuns(QUERY(t.experimentId))).toEqual(await t.store.searchRuns(QUERY(t.experimentId)));
    expect(after.searchIndex!.stats.captured).toBe(0);
  });
});

describe('a query key that names a path outside the run', () => {
  it('names no file, through the index and without it: a file planted there never matches', async () => {
    const t = await tree(2);
    const runDir = join(t.root, t.experimentId, t.runIds[0]!);
    writeFileSync(join(runDir, 'planted'), 'v'); // what params/../planted would reach
    const outside = join(t.root, '..', 'outside');
    writeFileSync(outside, 'v');
    for (const [filter, count] of [
      ["params.`../planted` = 'v'", 0],
      ["params.`../../../outside` = 'v'", 0],
      ['params.`../planted` IS NULL', 2],
      ['metrics.`../../../outside` >= 0', 0],
    ] as const) {
      const input = { experimentIds: [t.experimentId], filter };
      const plain = await t.store.searchRuns(input);
      expect(plain.items.length, filter).toBe(count);
      expect(await t.indexed().searchRuns(input), filter).toEqual(plain);
      expect(await t.indexed().searchRuns(input), filter).toEqual(plain);
    }
  });
});

describe('a run after the page that a whole read skips', () => {
  it('makes no next page: through the index (known or not yet indexed) and without it', async () => {
    const t = await tree(3);
    // The oldest run (last in the default order) gets a metric line no reader accepts.
    appendFileSync(join(t.root, t.experimentId, t.runIds[0]!, 'metrics', 'loss'), 'not a metric line\n');
    const input = { experimentIds: [t.experimentId], filter: "tags.team = 'aaaa'", maxResults: 2 };
    const plain = await t.store.searchRuns(input);
    expect(plain.items.map((r) => r.info.runId)).toEqual([t.runIds[2], t.runIds[1]]);
    expect(plain.nextPageToken).toBeNull();
    const unindexed = new FileStore(t.root, { index: { dir: join(t.indexDir, 'budget'), racyWindowMs: 0, captureBudget: 1 } });
    expect(await unindexed.searchRuns(input)).toEqual(plain);
    expect(await t.indexed().searchRuns(input)).toEqual(plain);
    expect(await t.indexed().searchRuns(input)).toEqual(plain);
  });
});
