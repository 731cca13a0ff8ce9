/** Run artifacts: log a file or a directory, list (flat and recursive), read back, and refuse escapes. */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { checkAfter, expectCheckMlrunsOk, expectRefused } from '../conformance/fixtures.js';

async function setup() {
  const dir = tempDir();
  const root = join(dir, 'mlruns');
  const store = new FileStore(root);
  checkAfter(root);
  const { info } = await store.createRun({ experimentId: '0', userId: 'u' });
  const local = join(dir, 'local');
  mkdirSync(join(local, 'model', 'sub'), { recursive: true });
  writeFileSync(join(local, 'hello.txt'), 'hello');
  writeFileSync(join(local, 'model', 'MLmodel'), 'flavors: {}\n');
  writeFileSync(join(local, 'model', 'sub', 'weights.bin'), Buffer.from([0, 1, 2, 255]));
  return { dir, root, store, runId: info.runId, local, artifacts: join(root, '0', info.runId, 'artifacts') };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('logArtifact', () => {
  it('copies a file to the top, or under an artifact path', async () => {
    const { root, store, runId, local, artifacts } = await setup();
    expect(await store.logArtifact(runId, join(local, 'hello.txt'))).toEqual(['hello.txt']);
    expect(await store.logArtifact(runId, join(local, 'hello.txt'), 'docs/en')).toEqual(['docs/en/hello.txt']);
    expect(readFileSync(join(artifacts, 'hello.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(join(artifacts, 'docs', 'en', 'hello.txt'), 'utf8')).toBe('hello');
    expectCheckMlrunsOk(root);
  });

  it("copies a directory's contents (not the directory itself) under the artifact path", async () => {
    const { store, runId, local, artifacts } = await setup();
    const written = await store.logArtifact(runId, join(local, 'model'), 'model');
    expect(written.sort()).toEqual(['model/MLmodel', 'model/sub/weights.bin']);
    expect([...readFileSync(join(artifacts, 'model', 'sub', 'weights.bin'))]).toEqual([0, 1, 2, 255]);
  });

  it('a missing local path is NOT_FOUND; a deleted run NOT_ACTIVE', async () => {
    const { root, store, runId, local } = await setup();
    await expectRefused(root, 'NOT_FOUND', () => store.logArtifact(runId, join(local, 'nope.txt')));
    await store.deleteRun(runId);
    await expectRefused(root, 'NOT_ACTIVE', () => store.logArtifact(runId, join(local, 'hello.txt')));
    await expectRefused(root, 'NOT_ACTIVE', () => store.logText(runId, 'a.txt', 'x'));
  });
});

describe('listArtifacts and readArtifact', () => {
  async function populated() {
    const env = await setup();
    await env.store.logArtifact(env.runId, join(env.local, 'hello.txt'));
    await env.store.logArtifact(env.runId, join(env.local, 'model'), 'model');
    await env.store.logText(env.runId, 'notes/readme.md', '# hi');
    return env;
  }

  it('lists the top level, directories without size, sorted', async () => {
    const { store, runId } = await populated();
    expect(await store.listArtifacts(runId)).toEqual([
      { path: 'hello.txt', isDir: false, fileSize: 5 },
      { path: 'model', isDir: true, fileSize: null },
      { path: 'notes', isDir: true, fileSize: null },
    ]);
  });

  it('lists a sub-directory with paths relative to the artifact root', async () => {
    const { store, runId } = await populated();
    expect(await store.listArtifacts(runId, 'model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: 12 },
      { path: 'model/sub', isDir: true, fileSize: null },
    ]);
  });

  it('lists recursively', async () => {
    const { store, runId } = await populated();
    expect((await store.listArtifacts(runId, '', { recursive: true })).map((f) => f.path)).toEqual([
      'hello.txt', 'model', 'model/MLmodel', 'model/sub', 'model/sub/weights.bin', 'notes', 'notes/readme.md',
    ]);
  });

  it('a missing path, or a file, lists as empty', async () => {
    const { store, runId } = await populated();
    expect(await store.listArtifacts(runId, 'nope')).toEqual([]);
    expect(await store.listArtifacts(runId, 'hello.txt')).toEqual([]);
  });

  it('reads files back byte for byte; a directory or a missing file is NOT_FOUND', async () => {
    const { root, store, runId } = await populated();
    expect(text(await store.readArtifact(runId, 'hello.txt'))).toBe('hello');
    expect(text(await store.readArtifact(runId, 'notes/readme.md'))).toBe('# hi');
    expect([...(await store.readArtifact(runId, 'model/sub/weights.bin'))]).toEqual([0, 1, 2, 255]);
    await expectRefused(root, 'NOT_FOUND', () => store.readArtifact(runId, 'model'));
    await expectRefused(root, 'NOT_FOUND', () => store.readArtifact(runId, 'missing.txt'));
  });

  it('../ is refused for logging, listing and reading', async () => {
    const { root, store, runId, local } = await populated();
    await expectRefused(root, 'PATH_TRAVERSAL', () => store.logArtifact(runId, join(local, 'hello.txt'), '../escape'));
    await expectRefused(root, 'PATH_TRAVERSAL', () => store.logText(runId, '../../meta.yaml', 'pwned'));
    await expectRefused(root, 'PATH_TRAVERSAL', () => store.listArtifacts(runId, '..'));
    await expectRefused(root, 'PATH_TRAVERSAL', () => store.readArtifact(runId, '../meta.yaml'));
  });

  it('a file where a directory is (or the reverse) is INVALID_ARGUMENT and writes nothing', async () => {
    const { root, store, runId, local } = await populated();
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.logText(runId, 'hello.txt/inner', 'x'));
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.logText(runId, 'model', 'x'));
    // model/sub/weights.bin would be copied after model/MLmodel: the clash is found before either.
    await store.logText(runId, 'again/sub', 'a file named like the directory');
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.logArtifact(runId, join(local, 'model'), 'again'));
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.logArtifact(runId, join(local, 'hello.txt'), 'hello.txt'));
  });

  it('a copied tree reads artifacts from its own location, not the stale absolute artifact_uri', async () => {
    const { dir, root, runId } = await populated();
    const moved = join(dir, 'moved');
    cpSync(root, moved, { recursive: true });
    writeFileSync(join(root, '0', runId, 'artifacts', 'hello.txt'), 'original changed');
    const store = new FileStore(moved);
    expect(text(await store.readArtifact(runId, 'hello.txt'))).toBe('hello');
    expect(await store.artifactDir(runId)).toBe(join(moved, '0', runId, 'artifacts'));
  });
});
