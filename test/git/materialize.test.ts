/** Materialising metric files: only appends what is missing, restores a lost final newline, and is idempotent. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { materialize } from '../../src/git/materialize.js';
import { ObjectReader } from '../../src/git/objectStore.js';
import { formatTree, writeObject } from '../../src/git/objects.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';

const RUN = 'a'.repeat(32);

function setup(status: number) {
  const home = tempDir();
  const gitdir = join(home, 'repo.git');
  execFileSync('git', ['init', '--bare', '-q', gitdir], { env: isolatedEnv(home) });
  const mlruns = join(home, 'mlruns');
  const meta = `artifact_uri: x\nend_time: null\nentry_point_name: ''\nexperiment_id: '0'\nlifecycle_stage: active\nrun_id: ${RUN}\nrun_name: r\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1\nstatus: ${status}\ntags: []\nuser_id: u\n`;
  mkdirSync(join(mlruns, '0', RUN, 'metrics'), { recursive: true });
  writeFileSync(join(mlruns, '0', RUN, 'meta.yaml'), meta);
  /** An mlruns tree holding this run's metric `loss` with `text` (meta.yaml left out: it is the same on disk). */
  const tree = (text: string) => {
    const metrics = writeObject(gitdir, 'tree', formatTree([{ mode: '100644', name: 'loss', oid: writeObject(gitdir, 'blob', Buffer.from(text)) }]));
    const run = writeObject(gitdir, 'tree', formatTree([{ mode: '40000', name: 'metrics', oid: metrics }]));
    const exp = writeObject(gitdir, 'tree', formatTree([{ mode: '40000', name: RUN, oid: run }]));
    return writeObject(gitdir, 'tree', formatTree([{ mode: '40000', name: '0', oid: exp }]));
  };
  const file = join(mlruns, '0', RUN, 'metrics', 'loss');
  return { objects: new ObjectReader(gitdir), mlruns, tree, file };
}

describe('materialising a metric file', () => {
  it('of a live run appends only the lines it lacks, after restoring a missing final newline; twice is once', async () => {
    const { objects, mlruns, tree, file } = setup(1);
    const from = tree('1 0.1 0\n');
    const to = tree('1 0.1 0\n2 0.2 1\n4 0.4 3\n');
    // A writer left the last line without its newline, and logged one more line since the commit.
    writeFileSync(file, '1 0.1 0\n3 0.3 2');
    await materialize(objects, mlruns, from, to);
    expect(readFileSync(file, 'utf8')).toBe('1 0.1 0\n3 0.3 2\n2 0.2 1\n4 0.4 3\n');
    await materialize(objects, mlruns, from, to);
    expect(readFileSync(file, 'utf8')).toBe('1 0.1 0\n3 0.3 2\n2 0.2 1\n4 0.4 3\n');
  });

  it('that the new version extends gets the tail appended', async () => {
    const { objects, mlruns, tree, file } = setup(1);
    writeFileSync(file, '1 0.1 0\n');
    await materialize(objects, mlruns, tree('1 0.1 0\n'), tree('1 0.1 0\n2 0.2 1\n'));
    expect(readFileSync(file, 'utf8')).toBe('1 0.1 0\n2 0.2 1\n');
  });

  it('of an ended run takes the committed order and keeps local lines the tree lacks', async () => {
    const { objects, mlruns, tree, file } = setup(3);
    writeFileSync(file, '1 0.1 0\n3 0.3 2\n');
    await materialize(objects, mlruns, tree('1 0.1 0\n'), tree('1 0.1 0\n2 0.2 1\n'));
    expect(readFileSync(file, 'utf8')).toBe('1 0.1 0\n2 0.2 1\n3 0.3 2\n');
  });
});
