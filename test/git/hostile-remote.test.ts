/**
 * A hostile remote: crafted tracking trees, source commits and registry tags go through `runs list
 * --rev`, `site build --rev`, `publish`, `pull` and `runs checkout-source`, each ending in a stable code,
 * while a sentinel scan of the whole scratch HOME (every file's path, mtime and content hash,
 * before and after) shows nothing written outside mlruns/, .git and the output folders, and no
 * planted secret appears in any output or site file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRegistryTag } from '../../src/format/registryTags.js';
import { buildHostileCorpus, TreeCrafter, type HostileCase } from '../helpers/hostileTrees.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { scanTree } from '../helpers/snapshot.js';
import { isolatedEnv } from '../helpers/env.js';

const MAX_BLOB = 4096;
const SECRETS = ['SECRET-SSH-7f3a9c', 'SECRET-AWS-51be02', 'SECRET-ENV-c0ffee'];

let root: string;
let home: string;
let proj: string;
let env: NodeJS.ProcessEnv;
let cases: HostileCase[];
let runId: string;
const saved: Record<string, string | undefined> = {};
const outputs: string[] = [];


/** Paths a command may write: the project's mlruns and git folders, and the output folders below `out/`. */
const allowed = (path: string) => [join(proj, 'mlruns'), join(proj, '.git'), join(home, 'out')].some((dir) => path === dir || path.startsWith(dir + '/'));

function changesOutside(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, sig] of after) if (before.get(path) !== sig && !allowed(path)) changed.push(`written: ${path}`);
  for (const path of before.keys()) if (!after.has(path) && !allowed(path)) changed.push(`removed: ${path}`);
  return changed;
}

async function cli(args: string[]): Promise<CliResult & { error: string }> {
  const result = await runCli(args, { cwd: proj, env });
  outputs.push(result.stdout, result.stderr);
  const last = result.stderr.trim().split('\n').pop() ?? '';
  const error = result.code === 0 ? 'OK' : (/error ([A-Z_]+):/.exec(last)?.[1] ?? /^\{"error":\{"code":"([A-Z_]+)"/.exec(last)?.[1] ?? `exit ${result.code}: ${last}`);
  return { ...result, error };
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: proj, env, encoding: 'utf8' }).trim();
}

beforeAll(async () => {
  // Shared by every test of the file (tempDir would remove it after the first).
  root = mkdtempSync(join(tmpdir(), 'mltrack-hostile-'));
  home = join(root, 'home');
  proj = join(home, 'proj');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(join(home, '.aws'), { recursive: true });
  mkdirSync(join(home, 'out'), { recursive: true });
  mkdirSync(join(root, 'tmp'));
  mkdirSync(proj);
  writeFileSync(join(home, '.ssh', 'id_rsa'), `-----BEGIN KEY-----\n${SECRETS[0]}\n`);
  writeFileSync(join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${SECRETS[1]}\n`);
  writeFileSync(join(home, '.bashrc'), '# untouched\n');
  env = isolatedEnv(home, { TMPDIR: join(root, 'tmp'), MLTRACK_MAX_BLOB_BYTES: String(MAX_BLOB), MLTRACK_TEST_TOKEN: SECRETS[2] });
  // The in-process CLI and the git it starts read this process's environment.
  for (const key of ['HOME', 'TMPDIR', 'GIT_CONFIG_NOSYSTEM', 'MLTRACK_MAX_BLOB_BYTES', 'MLTRACK_TEST_TOKEN', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) {
    saved[key] = process.env[key];
    process.env[key] = env[key];
  }

  git('init', '-q');
  // The teammates' shared remote: each unsafe case is pushed there as the tracking branch and pulled.
  execFileSync('git', ['init', '--bare', '-q', join(root, 'remote.git')], { env });
  git('remote', 'add', 'origin', join(root, 'remote.git'));
  writeFileSync(join(proj, 'train.py'), 'print("train")\n');
  git('add', 'train.py');
  git('commit', '-q', '-m', 'code');
  expect((await cli(['init'])).error).toBe('OK');
  const started = await cli(['start-run', '-e', 'exp']);
  expect(started.error).toBe('OK');
  runId = started.stdout.trim();
  writeFileSync(join(root, 'model.txt'), 'weights\n');
  for (const args of [['log-metric', 'loss', '0.5'], ['log-param', 'lr', '0.1'], ['log-artifact', join(root, 'model.txt')], ['end-run'], ['commit']]) {
    expect((await cli([...args, ...(args[0] === 'commit' ? [] : ['--run-id', runId])])).error, args.join(' ')).toBe('OK');
  }
  const crafter = new TreeCrafter(join(proj, '.git'));
  const commit = git('rev-parse', 'refs/heads/mltrack');
  const tree = git('rev-parse', `${commit}^{tree}`);
  const experimentId = (await crafter.objects.tree((await crafter.objects.entry(tree, 'mlruns'))!.oid)).find((e) => /^\d+$/.test(e.name) && e.name !== '0')?.name ?? '0';
  cases = await buildHostileCorpus(crafter, { commit, root: tree, experimentId, runId }, home, MAX_BLOB);

  // Forged registry tags: one for a model that was never registered, one dated in 2100.
  crafter.updateRef(`refs/tags/${formatRegistryTag({ kind: 'registered', model: 'forged', version: 1 })}`, crafter.tag(formatRegistryTag({ kind: 'registered', model: 'forged', version: 1 }), commit, `registered forged v1\n\nMltrack-Run: ${runId}`, 1_700_000_000));
  const future = formatRegistryTag({ kind: 'stage', model: 'forged', version: 1, stage: 'production', timestamp: 4_102_444_800_000 });
  crafter.updateRef(`refs/tags/${future}`, crafter.tag(future, commit, 'forged v1 -> Production', 4_102_444_800));
  cases.push({ name: 'forged and future-dated registry tags', ref: 'mltrack', expect: 'OK' });
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('a hostile remote', () => {
  it('has at least 15 crafted trees and tags', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.checkout).length).toBeGreaterThanOrEqual(4);
  });

  it('each case ends in a stable code through --rev reads, site build --rev, publish, pull and checkout-source, writing nothing outside', async () => {
    const seen: string[] = [];
    for (const [i, c] of cases.entries()) {
      const before = scanTree(home);
      const list = await cli(['runs', 'list', '--rev', c.ref, '--json']);
      const out = join(home, 'out', `site-${i}`);
      const site = await cli(['site', 'build', '--rev', c.ref, '--out', out]);
      const branch = `pages-${i}`;
      const publish = await cli(['publish', '--rev', c.ref, '--no-push', '--branch', branch]);
      const results: Record<string, string> = { list: list.error, site: site.error, publish: publish.error };
      if (c.expect === 'UNSAFE_TREE') {
        // pull: refused whole, before the branch moves or anything is written, .git/config and hooks included.
        git('push', '-q', '--force', 'origin', `refs/heads/${c.ref}:refs/heads/mltrack`);
        const branchBefore = git('rev-parse', 'refs/heads/mltrack');
        const kept = [...scanTree(proj)].filter(([path]) => !/\/\.git\/(objects|refs|logs|FETCH_HEAD|ORIG_HEAD|packed-refs|mltrack)/.test(path));
        results.pull = (await cli(['pull'])).error;
        expect(git('rev-parse', 'refs/heads/mltrack'), `${c.name}: pull moved the branch`).toBe(branchBefore);
        const after = scanTree(proj);
        expect(kept.filter(([path, sig]) => after.get(path) !== sig).map(([path]) => path), `${c.name}: pull changed files`).toEqual([]);
      }
      if (c.checkout) {
        const target = join(home, 'out', `src-${i}`);
        results.checkout = (await cli(['runs', 'checkout-source', runId, target, '--rev', c.ref])).error;
        if (c.checkout === 'UNSAFE_TREE') expect(existsSync(target) && readdirSync(target).length > 0, `${c.name}: checkout wrote files`).toBe(false);
      }
      seen.push(`${c.name}: ${JSON.stringify(results)}`);
      expect(results, c.name).toEqual({
        list: c.expect,
        site: c.expect,
        publish: c.expect,
        ...(c.expect === 'UNSAFE_TREE' ? { pull: 'UNSAFE_TREE' } : {}),
        ...(c.checkout ? { checkout: c.checkout } : {}),
      });
      if (c.expect === 'UNSAFE_TREE') {
        expect(existsSync(out), `${c.name}: site written`).toBe(false);
        expect(() => git('rev-parse', '--verify', '-q', `refs/heads/${branch}`), `${c.name}: published`).toThrow();
        expect(site.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(changesOutside(before, scanTree(home)), c.name).toEqual([]);
    }
    // Nothing crafted was written anywhere a later git command would run it.
    expect(existsSync('/tmp/pwned')).toBe(false);
    expect(seen.length).toBe(cases.length);
  }, 300_000);

  it('a symlink in a checked-out source tree is kept as a link, and nothing is written through it', () => {
    const dirs = readdirSync(join(home, 'out')).filter((d) => d.startsWith('src-'));
    const written = dirs.map((d) => join(home, 'out', d)).filter((d) => existsSync(join(d, 'train.py')));
    expect(written).toHaveLength(1);
    expect(lstatSync(join(written[0]!, 'home-link')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(written[0]!, 'vendor')).isDirectory()).toBe(true);
  });

  it('an artifact_uri into HOME or /proc in the working tree is shown as stored elsewhere and never copied', async () => {
    const runDir = readdirSync(join(proj, 'mlruns')).map((e) => join(proj, 'mlruns', e)).flatMap((e) => (lstatSync(e).isDirectory() ? readdirSync(e).map((r) => join(e, r)) : []))
      .find((d) => existsSync(join(d, 'meta.yaml')) && /artifact_uri/.test(readFileSync(join(d, 'meta.yaml'), 'utf8')))!;
    const metaPath = join(runDir, 'meta.yaml');
    const original = readFileSync(metaPath, 'utf8');
    try {
      for (const [i, uri] of [`file://${home}/.ssh`, `file://${home}/.aws`, 'file:///proc/self'].entries()) {
        writeFileSync(metaPath, original.replace(/^artifact_uri: .*$/m, `artifact_uri: ${uri}`));
        const before = scanTree(home);
        const out = join(home, 'out', `worktree-${i}`);
        expect((await cli(['site', 'build', '--out', out])).error).toBe('OK');
        const runFile = readdirSync(join(out, 'data', 'runs')).map((r) => join(out, 'data', 'runs', r, 'run.json')).find((f) => existsSync(f))!;
        expect(JSON.parse(readFileSync(runFile, 'utf8')).artifacts.unavailable).toMatch(/outside the mlruns tree/);
        const verify = await cli(['verify', '--json']);
        expect(verify.stdout).toContain('UNSAFE_ARTIFACT');
        expect(changesOutside(before, scanTree(home))).toEqual([]);
      }
    } finally {
      writeFileSync(metaPath, original);
    }
    // Symlinks planted in a run's artifacts (a file and a folder of the home) read as missing.
    const artifacts = join(runDir, 'artifacts');
    symlinkSync(join(home, '.ssh', 'id_rsa'), join(artifacts, 'key'));
    symlinkSync(join(home, '.aws'), join(artifacts, 'aws'));
    try {
      const before = scanTree(home);
      const out = join(home, 'out', 'worktree-links');
      expect((await cli(['site', 'build', '--out', out])).error).toBe('OK');
      const run = JSON.parse(readFileSync(join(out, 'data', 'runs', runId, 'run.json'), 'utf8')) as { artifacts: { files: { path: string; href: string | null }[] } };
      expect(run.artifacts.files.map((f) => f.path)).toEqual(['model.txt']);
      expect(changesOutside(before, scanTree(home))).toEqual([]);
    } finally {
      rmSync(join(artifacts, 'key'));
      rmSync(join(artifacts, 'aws'));
    }
  }, 120_000);

  it('verify --rev lists unsafe entries instead of reading them', async () => {
    const c = cases.find((x) => x.name.includes('nested ".."'))!;
    const result = await cli(['verify', '--rev', c.ref, '--json']);
    expect(result.error).toBe('VERIFY_FAILED');
    const problems = JSON.parse(result.stdout) as { path: string; code: string }[];
    expect(problems.filter((p) => p.code === 'UNSAFE_TREE').map((p) => p.path)).toEqual([expect.stringMatching(/artifacts\/x\/\.\.$/)]);
  });

  it('no planted secret appears in any output, site or published file', () => {
    const files = [...scanTree(join(home, 'out')).keys()].filter((p) => !lstatSync(p).isSymbolicLink());
    const published = git('for-each-ref', '--format=%(objectname)', 'refs/heads/pages-*').split('\n').filter(Boolean);
    const blobs = published.flatMap((c) => git('ls-tree', '-r', c).split('\n')).map((l) => l.split(/\s+/)[2]!).filter(Boolean);
    const texts = [...outputs, ...files.map((f) => readFileSync(f, 'latin1')), ...blobs.map((b) => git('cat-file', 'blob', b))];
    expect(files.length + blobs.length).toBeGreaterThan(10);
    for (const secret of SECRETS) expect(texts.filter((t) => t.includes(secret)), secret).toEqual([]);
  });
});
