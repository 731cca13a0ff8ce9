/** `npm run bench -- --track`: table cells become metrics of a run in the repository's own tree. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript without types
import { printTable, printedTables } from '../../bench/lib/table.js';
// @ts-expect-error plain JavaScript without types
import { parseFigure, tableMetrics, trackBenchmark } from '../../bench/lib/track.js';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';

const saved = { env: { ...process.env }, cwd: process.cwd() };
afterEach(() => {
  process.env = { ...saved.env };
  process.chdir(saved.cwd);
});

describe('benchmark tracking', () => {
  it('reads durations as ms, counts with k and M, ratios and percentages', () => {
    expect(parseFigure('1.28 s')).toEqual({ value: 1280, unit: 'ms' });
    expect(parseFigure('4.4 ms')).toEqual({ value: 4.4, unit: 'ms' });
    expect(parseFigure('739k points/s')).toEqual({ value: 739000, unit: '' });
    expect(parseFigure('1.50x')).toEqual({ value: 1.5, unit: 'x' });
    expect(parseFigure('10,000')).toEqual({ value: 10000, unit: '' });
    expect(parseFigure('12%')).toEqual({ value: 12, unit: '%' });
    expect(parseFigure('-')).toBeNull();
    expect(parseFigure('files')).toBeNull();
  });

  it('logs every figure of the benchmark’s tables as a metric of one run', async () => {
    // Outside any git repository: the run records no lineage of this checkout.
    process.chdir(tempDir());
    process.env.MLTRACK_MLRUNS = join(process.cwd(), 'mlruns');
    process.env.MLTRACK_EXPERIMENT = 'benchmarks';
    const from = printedTables.length;
    printTable('Search (fresh process)', ['', '1,000 runs', '10,000 runs'], [
      ['mltrack', '1.2 s', '14.3 s'],
      ['`cat` of every file', '0.9 s', '9.5 s'],
      ['ratio', '1.12x', '1.50x'],
    ]);
    const tracked = await trackBenchmark('search', { cpus: 2, cpuModel: 'cpu', node: 'v20', platform: 'linux', memGiB: '24', tmpFs: 'ext4' }, { runs: [1000] }, from);
    expect(tracked.metrics).toBe(6);
    const run = await new FileStore(process.env.MLTRACK_MLRUNS).getRun(tracked.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params.bench).toBe('search');
    expect(run.data.metrics['mltrack/10_000_runs_ms']?.value).toBe(14300);
    expect(run.data.metrics['cat_of_every_file/1_000_runs_ms']?.value).toBe(900);
    expect(run.data.metrics['ratio/10_000_runs_x']?.value).toBe(1.5);
  });
});
