/**
 * The pack a big commit writes, and the index mltrack makes for it without git index-pack: git must
 * read both as its own, and index-pack, given the same pack, must make the very same index.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectWriter } from '../../src/git/objectWriter.js';
import { formatCommit, formatTree, type TreeEntry } from '../../src/git/objects.js';
import { ObjectReader } from '../../src/git/objectStore.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

describe('pack writer', () => {
  it('writes a pack and an index that git verifies and index-pack reproduces byte for byte', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    git(dir, env, 'init', '-q');
    const gitdir = join(dir, '.git');
    const writer = new ObjectWriter(gitdir);
    // Enough objects for a pack; sizes from empty to past 64 KiB (a size header of several bytes).
    const entries: TreeEntry[] = [];
    for (let i = 0; i < 700; i++) {
      const content = Buffer.from(`file ${i}\n`.repeat(i % 50 === 0 ? i * 20 : i % 7));
      entries.push({ mode: '100644', name: `f${i}`, oid: writer.write('blob', content) });
    }
    const tree = writer.write('tree', formatTree(entries));
    const who = { name: 'T', email: 't@example.com', timestamp: 1_700_000_000, timezone: '+0000' };
    const commit = writer.write('commit', formatCommit({ tree, parents: [], author: who, committer: who, message: 'packed\n' }));
    writer.finish();

    const packDir = join(gitdir, 'objects', 'pack');
    const [pack] = readdirSync(packDir).filter((n) => n.endsWith('.pack'));
    expect(pack).toBeDefined();
    // Nothing loose: every object went into the pack.
    expect(readdirSync(join(gitdir, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    git(dir, env, 'update-ref', 'refs/heads/main', commit);
    expect(() => git(dir, env, 'fsck', '--full', '--strict', '--no-dangling')).not.toThrow();
    expect(git(dir, env, 'verify-pack', join(packDir, pack!.replace(/\.pack$/, '.idx')))).toBe('');
    expect(git(dir, env, 'cat-file', '-p', `${entries[100]!.oid}`)).toBe('file 100\n'.repeat(2000).trim());

    const again = join(dir, 'again.idx');
    git(dir, env, 'index-pack', '--no-rev-index', '-o', again, join(packDir, pack!));
    expect(readFileSync(join(packDir, pack!.replace(/\.pack$/, '.idx'))).equals(readFileSync(again))).toBe(true);

    // mltrack reads its own pack back.
    const reader = new ObjectReader(gitdir);
    expect((await reader.tree(tree)).map((e) => e.name).sort()).toEqual(entries.map((e) => e.name).sort());
    expect(Buffer.from(await reader.blob(entries[8]!.oid)).toString()).toBe('file 8\n');
  });
  it('reads objects stored whole in a pack, and deltas (through isomorphic-git), as git cat-file gives them', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    git(dir, env, 'init', '-q');
    // Versions of one file that git deltifies against each other.
    const base = Array.from({ length: 400 }, (_, i) => `line ${i} of a metric file\n`).join('');
    for (let v = 0; v < 6; v++) {
      writeFileSync(join(dir, 'm'), base + `version ${v}\n`.repeat(v + 1));
      git(dir, env, 'add', 'm');
      git(dir, env, 'commit', '-q', '-m', `v${v}`);
    }
    git(dir, env, 'gc', '-q', '--aggressive');
    const listed = git(dir, env, 'verify-pack', '-v', ...readdirSync(join(dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.idx')).map((n) => join(dir, '.git', 'objects', 'pack', n)));
    expect(listed).toMatch(/chain length = [1-9]/); // some objects really are deltas
    const reader = new ObjectReader(join(dir, '.git'));
    const blobs = git(dir, env, 'rev-list', '--objects', '--all').split('\n').map((l) => l.split(' ')[0]!).filter((oid) => git(dir, env, 'cat-file', '-t', oid) === 'blob');
    expect(blobs.length).toBe(6);
    for (const oid of blobs) expect(Buffer.from(await reader.blob(oid)).equals(execFileSync('git', ['cat-file', 'blob', oid], { cwd: dir, env }))).toBe(true);
  });
});
