/**
 * The full scan trusts a folder's cached tree id while the stat data of its files (size, mtime and
 * ctime in ns, inode, mode) is unchanged. It must never miss a change, and deleting the cache must
 * change nothing but the time taken.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { findRepo } from '../../src/git/repo.js';
import { commitTracking } from '../../src/git/trackingCommit.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

afterEach(() => vi.useRealTimers());

describe('the stat cache of the full scan', () => {
  it('sees a file rewritten in place with the same size and mtime, and a deleted cache gives the same tree', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    git(dir, env, 'init', '-q');
    const repo = findRepo(dir);
    const store = new FileStore(join(dir, 'mlruns'));
    const run = await store.createRun({ experimentId: '0', userId: 'u', runName: 'cached' });
    await store.logParam(run.info.runId, 'lr', '0.1');
    // Files younger than two seconds are never cached (they may change again within one tick):
    // the scan runs an hour later by its clock, so this test does not wait.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    const commit = () => commitTracking({ repo, mlruns: store.root, branch: 'mltrack' });
    expect(await commit()).not.toBeNull();
    const cacheFile = join(repo.gitdir, 'mltrack', 'snapshot-cache.json');
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).dirs)).toContain(`0/${run.info.runId}/params`);
    expect(await commit()).toBeNull();

    // Same size, same inode, the same mtime second (utimes keeps microseconds): what git's index would see.
    const param = join(store.root, '0', run.info.runId, 'params', 'lr');
    const before = statSync(param, { bigint: true });
    writeFileSync(param, '0.2');
    utimesSync(param, before.atime, before.mtime);
    const after = statSync(param, { bigint: true });
    expect([after.size, after.mtimeNs / 1_000_000_000n, after.ino]).toEqual([before.size, before.mtimeNs / 1_000_000_000n, before.ino]);
    expect(await commit()).not.toBeNull();
    expect(git(dir, env, 'show', `mltrack:mlruns/0/${run.info.runId}/params/lr`)).toBe('0.2');

    const tree = git(dir, env, 'rev-parse', 'mltrack^{tree}');
    rmSync(cacheFile);
    expect(await commit()).toBeNull();
    expect(existsSync(cacheFile)).toBe(true);
    expect(git(dir, env, 'rev-parse', 'mltrack^{tree}')).toBe(tree);
  });
});
