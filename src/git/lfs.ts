/**
 * Large artifacts through Git LFS. mltrack writes the tracking branch with its own plumbing, so it
 * does LFS's clean step itself: the file goes to `<gitdir>/lfs/objects/` and the tree gets a pointer
 * blob. `git lfs push` and `git lfs fetch` move the objects, with the user's LFS setup and credentials.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fail } from '../format/errors.js';
import { commonGitDir } from './objects.js';
import type { GitRepo } from './repo.js';

const run = promisify(execFile);

let available: boolean | null = null;

/** Whether `git lfs` is installed (checked once per process). */
export function lfsAvailable(): boolean {
  if (available === null) {
    try {
      execFileSync('git', ['lfs', 'version'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

export const LFS_HELP = 'install Git LFS (Debian/Ubuntu: apt-get install git-lfs; macOS: brew install git-lfs), or raise large_artifact_threshold in .mltrack.yml';

export function largeArtifactError(path: string, size: number, threshold: number): Error {
  return fail('LARGE_ARTIFACT', `${path} is ${size} bytes, above large_artifact_threshold (${threshold}); large artifacts are stored with Git LFS, which is not installed: ${LFS_HELP}`, { path, size, threshold });
}

export function lfsObjectPath(gitdir: string, oid: string): string {
  return join(commonGitDir(gitdir), 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

/** Copy a file into the LFS object store and return its pointer text. */
export function storeLfsObject(gitdir: string, path: string): string {
  const content = readFileSync(path);
  const oid = createHash('sha256').update(content).digest('hex');
  const target = lfsObjectPath(gitdir, oid);
  if (!existsSync(target)) {
    mkdirSync(join(target, '..'), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    copyFileSync(path, tmp);
    renameSync(tmp, target);
  }
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`;
}

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

export function parseLfsPointer(bytes: Uint8Array): { oid: string; size: number } | null {
  if (bytes.length > 200) return null;
  const match = POINTER.exec(Buffer.from(bytes).toString('utf8'));
  return match ? { oid: match[1]!, size: Number(match[2]) } : null;
}

/** The tracking branch's `.gitattributes`, so a plain `git checkout` of it smudges artifacts too. */
export const LFS_ATTRIBUTES = 'mlruns/**/artifacts/** filter=lfs diff=lfs merge=lfs -text\n';

export function usesLfs(gitdir: string): boolean {
  return existsSync(join(commonGitDir(gitdir), 'lfs', 'objects'));
}

export async function lfsPush(repo: GitRepo, remote: string, ref: string): Promise<void> {
  try {
    await run('git', ['lfs', 'push', remote, ref], { cwd: repo.workdir ?? repo.gitdir });
  } catch (err) {
    throw fail('PUSH_REJECTED', `git lfs push ${remote} failed: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop()}`);
  }
}

export async function lfsFetch(repo: GitRepo, remote: string, ref: string): Promise<void> {
  try {
    await run('git', ['lfs', 'fetch', remote, ref], { cwd: repo.workdir ?? repo.gitdir });
  } catch (err) {
    throw fail('IO_ERROR', `git lfs fetch ${remote} failed: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop()}`);
  }
}
