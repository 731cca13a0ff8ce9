/**
 * A hostile remote, crafted object by object: tracking commits whose trees hold what a plain ssh
 * or shared-disk remote accepts but no honest mltrack writes (`..`, `a/b`, `.git` in any case,
 * symlinks, gitlinks, nested `..` under a run's artifacts, blobs over the limit, folders nested too
 * deep), runs whose artifact_uri points into the reader's home or /proc, source commits that try
 * to escape `checkout-source`, and forged or future-dated registry tags. Each case is a branch (or
 * tag) in the victim's repository, built from a real tracking commit with one thing changed.
 */
import { execFileSync } from 'node:child_process';
import { ObjectReader } from '../../src/git/objectStore.js';
import { formatCommit, formatTree, writeObject, type TreeEntry } from '../../src/git/objects.js';

export const MODES = { file: '100644', dir: '40000', link: '120000', gitlink: '160000' } as const;

export class TreeCrafter {
  readonly objects: ObjectReader;
  constructor(readonly gitdir: string) {
    this.objects = new ObjectReader(gitdir);
  }

  blob(content: string | Buffer): string {
    return writeObject(this.gitdir, 'blob', typeof content === 'string' ? Buffer.from(content) : content);
  }

  /** A tree written exactly as given: names are not checked (that is the point). */
  tree(entries: TreeEntry[]): string {
    return writeObject(this.gitdir, 'tree', formatTree(entries));
  }

  file(name: string, content: string | Buffer): TreeEntry {
    return { mode: MODES.file, name, oid: this.blob(content) };
  }

  dir(name: string, entries: TreeEntry[]): TreeEntry {
    return { mode: MODES.dir, name, oid: this.tree(entries) };
  }

  /** The tree `root` with the folder at `path` replaced by `edit(its entries)`, folders made as needed. */
  async edit(root: string, path: string[], edit: (entries: TreeEntry[]) => TreeEntry[] | Promise<TreeEntry[]>): Promise<string> {
    const entries = await this.objects.tree(root);
    if (path.length === 0) return this.tree(await edit([...entries]));
    const [head, ...rest] = path as [string, ...string[]];
    const child = entries.find((e) => e.name === head && e.mode === MODES.dir);
    const inner = await this.edit(child ? child.oid : this.tree([]), rest, edit);
    return this.tree([...entries.filter((e) => e.name !== head), { mode: MODES.dir, name: head, oid: inner }]);
  }

  async text(root: string, path: string): Promise<string> {
    const entry = await this.objects.entry(root, path);
    if (!entry) throw new Error(`no ${path} in ${root}`);
    return Buffer.from(await this.objects.blob(entry.oid)).toString('utf8');
  }

  commit(tree: string, parents: string[], message: string, timestamp = 1_700_000_000): string {
    const who = { name: 'Mallory', email: 'mallory@example.com', timestamp, timezone: '+0000' };
    return writeObject(this.gitdir, 'commit', formatCommit({ tree, parents, author: who, committer: who, message }));
  }

  /** An annotated tag object named `name` on `target`, dated `timestamp` (any date: it is forged). */
  tag(name: string, target: string, message: string, timestamp: number): string {
    const body = `object ${target}\ntype commit\ntag ${name}\ntagger Mallory <mallory@example.com> ${timestamp} +0000\n\n${message}\n`;
    return writeObject(this.gitdir, 'tag', Buffer.from(body));
  }

  updateRef(ref: string, oid: string): void {
    execFileSync('git', ['--git-dir', this.gitdir, 'update-ref', ref, oid]);
  }
}

/** Where the base run sits in the tracking tree. */
export interface BaseRun {
  commit: string;
  root: string;
  experimentId: string;
  runId: string;
}

export interface HostileCase {
  name: string;
  /** Branch holding the crafted tracking commit. */
  ref: string;
  /** What `--rev` reads, `site build --rev` and `publish` must end in. */
  expect: 'UNSAFE_TREE' | 'OK';
  /** For a checkout-source case: what `runs checkout-source` must end in. */
  checkout?: 'UNSAFE_TREE' | 'OK';
}

/**
 * The crafted cases, each a branch `hostile/<n>` in the repository. `home` is the reader's home
 * (artifact_uri cases point there); `maxBlobBytes` is the blob limit the reader runs with.
 */
export async function buildHostileCorpus(crafter: TreeCrafter, base: BaseRun, home: string, maxBlobBytes: number): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const run = ['mlruns', base.experimentId, base.runId];
  const add = async (name: string, expect: HostileCase['expect'], root: string | Promise<string>, checkout?: HostileCase['checkout']) => {
    const ref = `refs/heads/hostile/${cases.length + 1}`;
    crafter.updateRef(ref, crafter.commit(await root, [base.commit], `mltrack: ${name}\n`));
    cases.push({ name, ref: ref.slice('refs/heads/'.length), expect, ...(checkout ? { checkout } : {}) });
  };
  const edit = (path: string[], fn: (entries: TreeEntry[]) => TreeEntry[]) => crafter.edit(base.root, path, fn);
  const plus = (...extra: TreeEntry[]) => (entries: TreeEntry[]) => [...entries, ...extra];
  const payload = 'url = file:///tmp/pwned\n[core]\n\tfsmonitor = touch /tmp/pwned\n';

  await add('an entry named ".." beside the experiments', 'UNSAFE_TREE', edit(['mlruns'], plus(crafter.file('..', payload))));
  await add('an entry named "a/b" in a run', 'UNSAFE_TREE', edit(run, plus(crafter.file('../../../../.bashrc', 'echo pwned\n'))));
  await add('a ".git" folder at the mlruns root', 'UNSAFE_TREE', edit(['mlruns'], plus(crafter.dir('.git', [crafter.file('config', payload)]))));
  await add('a ".GIT" folder among run tags', 'UNSAFE_TREE', edit([...run, 'tags'], plus(crafter.dir('.GIT', [crafter.file('config', payload)]))));
  await add('".Git." (Windows drops the dot) among params', 'UNSAFE_TREE', edit([...run, 'params'], plus(crafter.dir('.Git.', [crafter.file('hooks', payload)]))));
  await add('"git~1" (the NTFS short name of .git)', 'UNSAFE_TREE', edit(run, plus(crafter.dir('GIT~1', [crafter.file('config', payload)]))));
  await add('a backslash path "..\\..\\x"', 'UNSAFE_TREE', edit([...run, 'artifacts'], plus(crafter.file('..\\..\\x', 'x'))));
  await add('a symlink artifact to the home folder', 'UNSAFE_TREE', edit([...run, 'artifacts'], plus({ mode: MODES.link, name: 'key', oid: crafter.blob(`${home}/.ssh/id_rsa`) })));
  await add('a symlink metric file', 'UNSAFE_TREE', edit([...run, 'metrics'], plus({ mode: MODES.link, name: 'loss2', oid: crafter.blob('/proc/self/environ') })));
  await add('a gitlink (submodule) in a run', 'UNSAFE_TREE', edit(run, plus({ mode: MODES.gitlink, name: 'sub', oid: base.commit })));
  const nested = crafter.dir('..', [crafter.dir('..', [crafter.dir('..', [crafter.file('pwned.txt', 'written outside\n')])])]);
  await add('nested ".." folders under artifacts/', 'UNSAFE_TREE', edit([...run, 'artifacts'], plus(crafter.dir('x', [nested]))));
  await add('a blob over the size limit in metrics/', 'UNSAFE_TREE', edit([...run, 'metrics'], plus(crafter.file('huge', `1 0.5 0\n`.repeat(Math.ceil((maxBlobBytes + 1) / 8))))));
  let deep = [crafter.file('leaf.txt', 'deep\n')];
  for (let i = 0; i < 80; i++) deep = [crafter.dir('d', deep)];
  await add('folders nested past the depth limit', 'UNSAFE_TREE', edit([...run, 'artifacts'], plus(...deep)));
  await add('a file where the run folder "tags" should be, named "."', 'UNSAFE_TREE', edit(run, plus(crafter.file('.', 'x'))));

  // Safe names, hostile content: read, confined, and nothing from outside copied.
  const meta = await crafter.text(base.root, `${run.join('/')}/meta.yaml`);
  const withUri = (uri: string) => (entries: TreeEntry[]) => [...entries.filter((e) => e.name !== 'meta.yaml'), crafter.file('meta.yaml', meta.replace(/^artifact_uri: .*$/m, `artifact_uri: ${uri}`))];
  await add('artifact_uri into the reader\'s home', 'OK', edit(run, withUri(`file://${home}/.ssh`)));
  await add('artifact_uri into /proc', 'OK', edit(run, withUri('file:///proc/self')));

  // Source commits for checkout-source: the run's mlflow.source.git.commit names a crafted commit.
  const source = async (name: string, expect: 'UNSAFE_TREE' | 'OK', entries: TreeEntry[]) => {
    const commit = crafter.commit(crafter.tree(entries), [], `source: ${name}\n`);
    const names = ['mlflow.source.git.commit', 'mltrack.source.snapshot'];
    await add(`checkout-source of ${name}`, 'OK', edit([...run, 'tags'], (list) => [...list.filter((e) => !names.includes(e.name)), ...names.map((n) => crafter.file(n, commit))]), expect);
  };
  await source('a tree with ".."', 'UNSAFE_TREE', [crafter.file('..', 'x'), crafter.file('train.py', 'print(1)\n')]);
  await source('a tree with ".git/config"', 'UNSAFE_TREE', [crafter.dir('.git', [crafter.file('config', payload)]), crafter.file('train.py', 'print(1)\n')]);
  await source('a symlink and a folder of the same name', 'UNSAFE_TREE', [
    { mode: MODES.link, name: 'out', oid: crafter.blob(home) },
    crafter.dir('out', [crafter.file('pwned.txt', 'through the link\n')]),
  ]);
  await source('a symlink out of the tree (user code, kept as a link)', 'OK', [
    { mode: MODES.link, name: 'home-link', oid: crafter.blob(`${home}/.ssh`) },
    { mode: MODES.gitlink, name: 'vendor', oid: base.commit },
    crafter.file('train.py', 'print(1)\n'),
  ]);
  return cases;
}
