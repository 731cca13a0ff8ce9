/**
 * The search index written by a real CLI process that is killed, or whose disk refuses the write,
 * just before the new index file is renamed into place: the search answers right each time, the
 * tree is untouched, and the next search answers from what is left.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';

describe('search index writes under faults', () => {
  it('a kill or ENOSPC before the rename loses no answer and leaves the tree as it was', () => {
    const dir = tempDir();
    const indexDir = tempDir();
    const env = { ...isolatedEnv(tempDir()), MLTRACK_INDEX_DIR: indexDir };
    const cli = (args: string[], fault?: string) => spawnCli(args, { cwd: dir, env: fault ? { ...env, MLTRACK_FAULT: fault } : env });
    const runs = ['a', 'b', 'c'].map((name, i) => {
      const id = cli(['start-run', '-n', name]).stdout.trim();
      expect(cli(['log-metric', 'loss', String(i), '--run-id', id]).code).toBe(0);
      return id;
    });
    const search = (fault?: string) => cli(['runs', 'search', 'metrics.loss >= 1', '--json'], fault);
    const ids = (out: string) => (JSON.parse(out) as { runs: { info: { run_id: string } }[] }).runs.map((r) => r.info.run_id).sort();
    const expected = [runs[1]!, runs[2]!].sort();
    const tree = () => readdirSync(join(dir, 'mlruns'), { recursive: true }).sort().map((p) => String(p));
    const before = tree();

    // The first index write killed: nothing is printed, nothing of the tree changes.
    const killed = search('index:before-rename');
    expect(killed.code).not.toBe(0);
    expect(tree()).toEqual(before);
    // The disk refuses it: the answer is still given, exit 0.
    const refused = search('index:before-rename:1:ENOSPC');
    expect(refused.code).toBe(0);
    expect(ids(refused.stdout)).toEqual(expected);
    // Written at last, then changed by an outside writer and the delta write killed.
    expect(ids(search().stdout)).toEqual(expected);
    const loss = join(dir, 'mlruns', '0', runs[0]!, 'metrics', 'loss');
    writeFileSync(loss, `${readFileSync(loss, 'utf8')}2 5 1\n`);
    expect(search('index:before-rename').code).not.toBe(0);
    const after = search();
    expect(after.code).toBe(0);
    expect(ids(after.stdout)).toEqual([...runs].sort());
    expect(tree()).toEqual(before);
  });
});
