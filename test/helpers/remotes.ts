/**
 * The teams that sharing tests start from: a bare remote holding one code commit on `main`, and
 * clones of it; and, for tests that run git in-process, the isolated environment put into
 * `process.env` for the test file and restored after it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { git, isolatedEnv, tempDir } from './env.js';

export interface Team {
  home: string;
  env: NodeJS.ProcessEnv;
  /** The bare remote's path. */
  remote: string;
  /** The same remote as a file:// URL (what a clone records as origin when cloned from it). */
  url: string;
  /** A fresh clone of the remote in `home/name`. */
  clone(name: string): string;
}

/** A bare remote with a code commit (`train.py`) on main, in a fresh isolated HOME. */
export function teamRemote(options: { env?: NodeJS.ProcessEnv; cloneFromUrl?: boolean } = {}): Team {
  const home = tempDir();
  const env = options.env ?? isolatedEnv(home);
  const remote = join(home, 'remote.git');
  git(home, env, 'init', '-q', '--bare', remote);
  const url = `file://${remote}`;
  const seed = join(home, 'seed');
  git(home, env, 'init', '-q', seed);
  writeFileSync(join(seed, 'train.py'), 'print("train")\n');
  git(seed, env, 'add', '.');
  git(seed, env, 'commit', '-qm', 'code');
  git(seed, env, 'push', '-q', remote, 'HEAD:main');
  const clone = (name: string) => {
    const dir = join(home, name);
    git(home, env, 'clone', '-q', options.cloneFromUrl ? url : remote, dir);
    return dir;
  };
  return { home, env, remote, url, clone };
}

/**
 * For a test file whose code runs git in-process (simple-git, the CLI's main()): returns a function
 * that makes an isolated environment the process's own; the original comes back after the file.
 */
export function inProcessGitEnv(): () => NodeJS.ProcessEnv {
  let saved: NodeJS.ProcessEnv;
  beforeAll(() => {
    saved = { ...process.env };
  });
  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  return () => {
    const env = isolatedEnv(tempDir());
    for (const key of Object.keys(process.env)) if (key.startsWith('GIT_') || key === 'HOME' || key === 'XDG_CONFIG_HOME') delete process.env[key];
    Object.assign(process.env, env);
    return env;
  };
}

/** A repository with one empty code commit, in the environment given. */
export function codeRepo(env: NodeJS.ProcessEnv): string {
  const dir = tempDir();
  git(dir, env, 'init', '-q');
  git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  return dir;
}
