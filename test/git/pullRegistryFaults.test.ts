/**
 * Fault injection for a pull that brings registry changes (spec/git-layout.md, "Kill-safety" and
 * "Not materialised is not removed"): real git, a bare remote, two clones, CLI processes stopped at
 * the MLTRACK_FAULT points. Alice's last registry changes reach the remote without their tags (as a
 * pull request merged on the server does). After each fault Bob's next command finishes the job:
 * no registry file is lost on either side, and Bob's registry tags are exactly the tracking
 * branch's registry events, each on the commit that made it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../../src/format/layout.js';
import { partitionRegistryTags } from '../../src/git/registryTags.js';
import { findRepo } from '../../src/git/repo.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv } from '../helpers/env.js';

const root = mkdtempSync(join(tmpdir(), 'mltrack-registryfaults-'));
/** Every case runs at the same path (meta.yaml files and remotes hold absolute paths). */
const caseDir = join(root, 'case');
const prepared = join(root, 'prepared');
const env = isolatedEnv(root);
const remote = join(caseDir, 'remote.git');
const A = join(caseDir, 'alice');
const B = join(caseDir, 'bob');

afterAll(() => rmSync(root, { recursive: true, force: true }));

function ok(dir: string, args: string[]) {
  const r = spawnCli(args, { cwd: dir, env });
  expect(r.stderr, `${args.join(' ')} in ${dir}`).toBe('');
  expect(r.code).toBe(0);
  return r;
}

/** Every file under mlruns/models with its content: what "no registry file lost" compares. */
function registry(dir: string): Record<string, string> {
  const models = join(dir, 'mlruns', 'models');
  const files: Record<string, string> = {};
  for (const e of readdirSync(models, { recursive: true, withFileTypes: true })) {
    // A temporary file a killed write left is not read by anyone (nor committed).
    if (e.isFile() && !e.name.startsWith(TEMP_PREFIX)) files[join(e.parentPath, e.name).slice(models.length + 1)] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return files;
}

const tagNames = (dir: string) => git(dir, env, 'tag', '-l', 'mltrack/*').split('\n').filter(Boolean).sort();

/** Bob's registry tags are the branch's events, each trusted (on the commit that made the change). */
async function tagsMatchBranch(dir: string): Promise<void> {
  const { trusted, untrusted } = await partitionRegistryTags(findRepo(dir), 'refs/heads/mltrack');
  expect(untrusted).toEqual([]);
  expect(trusted.map((t) => t.tag).sort()).toEqual(expectedTags);
  expect(tagNames(dir)).toEqual(expectedTags);
}

let expectedTags: string[] = [];
let expectedRegistry: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(caseDir);
  git(caseDir, env, 'init', '-q', '--bare', remote);
  const seed = join(caseDir, 'seed');
  git(caseDir, env, 'init', '-q', seed);
  git(seed, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  git(seed, env, 'push', '-q', remote, 'HEAD:main');
  for (const dir of [A, B]) git(caseDir, env, 'clone', '-q', remote, dir);

  // Alice shares a model with a staged version and an alias; Bob has it.
  const run = ok(A, ['start-run', '-n', 'train']).stdout.trim();
  ok(A, ['end-run', '--run-id', run]);
  ok(A, ['models', 'register', run, 'churn']);
  ok(A, ['models', 'register', run, 'churn']);
  ok(A, ['models', 'transition', 'churn', '1', 'Staging']);
  ok(A, ['models', 'alias', 'churn', 'old', '1']);
  ok(A, ['models', 'set-tag', 'churn', 'team', 'risk']);
  ok(A, ['push']);
  ok(B, ['pull']);

  // Then: versions move, one registers, a second model appears, an alias and a tag go.
  const before = new Set(tagNames(A));
  ok(A, ['models', 'transition', 'churn', '2', 'Production']);
  ok(A, ['models', 'register', run, 'churn']);
  ok(A, ['models', 'register', run, 'fraud']);
  ok(A, ['models', 'unalias', 'churn', 'old']);
  ok(A, ['models', 'delete-tag', 'churn', 'team']);
  ok(A, ['models', 'set-tag', 'fraud', 'team', 'fraud']);
  ok(A, ['push']);
  // The new changes' tags never reach the remote (merged on the server, say).
  const untagged = tagNames(A).filter((t) => !before.has(t));
  expect(untagged.length).toBeGreaterThanOrEqual(3);
  git(remote, env, 'tag', '-d', ...untagged);

  // Bob logs a run of his own, so his pull is a merge.
  ok(B, ['start-run', '-n', 'bob']);
  expectedTags = tagNames(A);
  expectedRegistry = registry(A);
  cpSync(caseDir, prepared, { recursive: true });
}, 300_000);

function freshCase(): void {
  rmSync(caseDir, { recursive: true, force: true });
  cpSync(prepared, caseDir, { recursive: true });
}

/** Bob commits and pushes, Alice pulls, Bob pulls: both hold the whole registry, Bob the branch's tags. */
async function finishAndCheck(beforeLastPull?: () => void): Promise<void> {
  ok(B, ['commit']);
  // A push whose merge Bob's mlruns/ cannot hold yet still pushes it, with a warning.
  expect(spawnCli(['push'], { cwd: B, env }).code).toBe(0);
  ok(A, ['pull']);
  expect(registry(A)).toEqual(expectedRegistry);
  beforeLastPull?.();
  ok(B, ['pull']);
  expect(registry(B), 'Bob').toEqual(expectedRegistry);
  await tagsMatchBranch(B);
  expect(git(A, env, 'rev-parse', 'mltrack')).toBe(git(B, env, 'rev-parse', 'mltrack'));
}

const POINTS = ['pull:merged', 'pull:file:1', 'pull:file:3', 'write:before-rename:2', 'pull:remove:1', 'pull:materialized', 'pull:ref-moved', 'pull:tagged'];

describe('a pull of registry changes killed at any point loses no registry file', () => {
  it.each(POINTS)('killed at %s, then commit, push, the other clone pulls and this one pulls again', async (point) => {
    freshCase();
    const killed = spawnSync(process.execPath, [BIN, 'pull'], { cwd: B, env: { ...env, MLTRACK_FAULT: point }, encoding: 'utf8' });
    expect(killed.signal, `${point} was reached`).toBe('SIGKILL');
    await finishAndCheck();
  }, 120_000);
});

describe('a pull killed after the branch moved, before the tags', () => {
  it.each([
    ['pull:ref-moved', 'pull'],
    ['pull:ref-moved', 'commit'],
    ['pull:tagged', 'commit'],
  ])('killed at %s: the next %s tags every registry change on the branch', async (point, next) => {
    freshCase();
    const killed = spawnSync(process.execPath, [BIN, 'pull'], { cwd: B, env: { ...env, MLTRACK_FAULT: point }, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    expect(registry(B)).toEqual(expectedRegistry); // the branch moved after mlruns/ was complete
    if (point === 'pull:ref-moved') expect(tagNames(B)).not.toEqual(expectedTags);
    ok(B, [next]);
    await tagsMatchBranch(B);
  }, 120_000);
});

describe('a pull that cannot write a registry file', () => {
  it.each([
    ['a folder in the way', 'EISDIR', undefined],
    ['a full disk', 'ENOSPC', 'write:before-rename:2:ENOSPC'],
  ])('stops (%s, %s) with IO_ERROR naming the entry before the branch moves; commit records no removal, and the next pull completes', async (_what, code, fault) => {
    freshCase();
    const obstacle = join(B, 'mlruns', 'models', 'churn', 'version-3', 'meta.yaml');
    if (!fault) mkdirSync(join(obstacle, 'x'), { recursive: true });
    const branchBefore = git(B, env, 'rev-parse', 'mltrack');
    const pulled = spawnCli(['pull'], { cwd: B, env: fault ? { ...env, MLTRACK_FAULT: fault } : env });
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr.trim().split('\n')).toHaveLength(1);
    expect(pulled.stderr).toMatch(new RegExp(`^mltrack: error IO_ERROR: Could not write mlruns/models/.*\\(${code}\\)`));
    expect(git(B, env, 'rev-list', '--merges', `${branchBefore}..mltrack`)).toBe('');
    await finishAndCheck(fault ? undefined : () => rmSync(obstacle, { recursive: true }));
  }, 120_000);
});
