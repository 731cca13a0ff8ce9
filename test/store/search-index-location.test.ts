/** Where the search index lives: never inside mlruns/; the git directory, else beside the tree; off with MLTRACK_INDEX=0. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { FileStore } from '../../src/store/FileStore.js';
import { searchIndexDir } from '../../src/store/searchIndex/indexLocation.js';

describe('search index location', () => {
  it('is under .git/mltrack/ in a git work tree, also for a linked worktree', async () => {
    const repo = tempDir();
    const env = isolatedEnv(tempDir());
    git(repo, env, 'init', '-q');
    const root = join(repo, 'sub', 'mlruns');
    expect(searchIndexDir(root, {})!.startsWith(join(repo, '.git', 'mltrack', 'search-index') + '/')).toBe(true);
    const linked = tempDir();
    writeFileSync(join(linked, '.git'), `gitdir: ${join(repo, '.git', 'worktrees', 'w')}\n`);
    expect(searchIndexDir(join(linked, 'mlruns'), {})!.startsWith(join(repo, '.git', 'worktrees', 'w', 'mltrack') + '/')).toBe(true);
    // A search writes it there and leaves mlruns/ as it was.
    const store = new FileStore(root);
    const experimentId = await store.createExperiment('e');
    await store.createRun({ experimentId, userId: 'u' });
    const before = readdirSync(root).sort();
    expect((await store.searchRuns({ experimentIds: [experimentId] })).items).toHaveLength(1);
    expect(readdirSync(join(repo, '.git', 'mltrack', 'search-index'))).toHaveLength(1);
    expect(readdirSync(root).sort()).toEqual(before);
  });

  it('is beside the tree outside git, named by MLTRACK_INDEX_DIR when set, and off with MLTRACK_INDEX=0', () => {
    const dir = tempDir();
    const root = join(dir, 'mlruns');
    mkdirSync(root);
    expect(searchIndexDir(root, {})!.startsWith(join(dir, '.mltrack-cache', 'search-index') + '/')).toBe(true);
    expect(searchIndexDir(root, { MLTRACK_INDEX_DIR: '/x' })!.startsWith('/x/search-index/')).toBe(true);
    expect(searchIndexDir(root, { MLTRACK_INDEX: '0' })).toBeNull();
    expect(new FileStore(root, { index: false }).searchIndex).toBeNull();
  });
});
