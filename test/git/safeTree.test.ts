import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMltrackError } from '../../src/format/errors.js';
import { ObjectReader } from '../../src/git/objectStore.js';
import { formatTree, writeObject, type TreeEntry } from '../../src/git/objects.js';
import { assertSafeTree, checkTreeEntry, unsafeNameReason } from '../../src/git/safeTree.js';
import { isolatedEnv } from '../helpers/env.js';
import { execFileSync } from 'node:child_process';

const root = mkdtempSync(join(tmpdir(), 'mltrack-safetree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const gitdir = join(root, 'repo.git');
execFileSync('git', ['init', '--bare', '-q', gitdir], { env: isolatedEnv(root) });

const blob = (text: string) => writeObject(gitdir, 'blob', Buffer.from(text));
const tree = (entries: TreeEntry[]) => writeObject(gitdir, 'tree', formatTree(entries));

async function refusal(oid: string, limits?: Parameters<typeof assertSafeTree>[2]) {
  try {
    await assertSafeTree(new ObjectReader(gitdir), oid, limits);
  } catch (err) {
    if (isMltrackError(err)) return err;
    throw err;
  }
  return null;
}

describe('tree entries read from git', () => {
  it('refuses names that are not one plain component', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\\b', 'a\0b', '.git', '.GIT', '.Git.', '.git ', 'git~1', 'GIT~1'])
      expect(unsafeNameReason(name), JSON.stringify(name)).not.toBeNull();
    for (const name of ['meta.yaml', '.trash', 'a.git', '.gitignore', '..a', 'git', '.github', 'loss '])
      expect(unsafeNameReason(name), JSON.stringify(name)).toBeNull();
  });

  it('refuses symlinks and gitlinks, accepts files and folders', () => {
    const oid = '0'.repeat(40);
    expect(() => checkTreeEntry({ mode: '120000', name: 'x', oid }, 'a/x')).toThrow(/a\/x.*symlink/);
    expect(() => checkTreeEntry({ mode: '160000', name: 'x', oid }, 'a/x')).toThrow(/gitlink/);
    for (const mode of ['100644', '100755', '40000']) expect(() => checkTreeEntry({ mode, name: 'x', oid }, 'x')).not.toThrow();
  });

  it('walks the whole tree and names the path of the first unsafe entry', async () => {
    const file = blob('1 0.5 0\n');
    const bad = tree([{ mode: '100644', name: '..', oid: file }]);
    const artifacts = tree([{ mode: '40000', name: 'deep', oid: bad }]);
    const run = tree([{ mode: '40000', name: 'artifacts', oid: artifacts }]);
    const top = tree([{ mode: '40000', name: 'abc', oid: run }]);
    const err = await refusal(top, { prefix: 'mlruns/0' });
    expect(err?.code).toBe('UNSAFE_TREE');
    expect(err?.data.path).toBe('mlruns/0/abc/artifacts/deep/..');
    // A trusted subtree is not walked again.
    expect(await refusal(top, { trusted: new Set([run]) })).toBeNull();
  });

  it('refuses blobs over the size limit, reading only their headers', async () => {
    const big = blob('x'.repeat(5000));
    const top = tree([{ mode: '100644', name: 'big', oid: big }, { mode: '100644', name: 'small', oid: blob('y') }]);
    const limits = { maxBlobBytes: 4096, maxEntries: 100, maxDepth: 8 };
    expect((await refusal(top, { limits }))?.data.path).toBe('big');
    expect(await refusal(top, { limits: { ...limits, maxBlobBytes: 5000 } })).toBeNull();
  });

  it('refuses trees nested too deep', async () => {
    let oid = tree([{ mode: '100644', name: 'f', oid: blob('z') }]);
    for (let i = 0; i < 10; i++) oid = tree([{ mode: '40000', name: 'd', oid }]);
    expect((await refusal(oid, { limits: { maxBlobBytes: 10, maxEntries: 100, maxDepth: 5 } }))?.message).toMatch(/deeper than 5/);
  });
});
