/** A run's artifact directory: copy files in, list them as MLflow does, read them back. */
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { FileInfo } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { TEMP_PREFIX } from '../format/layout.js';
import { rejectGitUnsafeName, validateArtifactPath, validateNewArtifactPath } from '../format/validation.js';

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** A file where a directory is needed, or the reverse: refused before anything is written. */
function checkTarget(artifactDir: string, rel: string, asDir: boolean): void {
  const clash = () =>
    fail('INVALID_ARGUMENT', `Artifact path '${rel}' clashes with an existing artifact: a path cannot be both a file and a directory`, { path: rel });
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const stat = statOrNull(join(artifactDir, ...parts.slice(0, i)));
    if (stat && !stat.isDirectory()) throw clash();
  }
  const stat = statOrNull(join(artifactDir, rel));
  if (stat && stat.isDirectory() !== asDir) throw clash();
}

function unsafeArtifact(path: string, what: string) {
  return fail('UNSAFE_ARTIFACT', `Refused to log ${JSON.stringify(path)}: it is ${what}; nothing was copied`, { path, what });
}

/** What kind of special file `stat` is, for the message. */
function specialKind(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'neither a file nor a folder';
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** `path` with every symlink resolved, as far as it exists; the missing rest joined on as it is (null: a dangling symlink on the way). */
function realReach(path: string): string | null {
  try {
    return realpathSync(path);
  } catch (err) {
    const parent = dirname(path);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw err;
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return null;
    const reached = realReach(parent);
    return reached === null ? null : join(reached, basename(path));
  }
}

/**
 * `artifactDir/rel` once it is known to resolve inside `artifactDir`: a symlink in the artifact
 * folder that leads out of it is UNSAFE_ARTIFACT, so nothing outside is read, listed or written
 * through it. `rel` is already a validated relative path.
 */
export function confinedArtifactPath(artifactDir: string, rel: string): string {
  const target = join(artifactDir, rel);
  const [root, reached] = [realReach(artifactDir), realReach(target)];
  if (root === null || reached === null || !inside(root, reached)) {
    throw fail('UNSAFE_ARTIFACT', `Refused artifact path ${JSON.stringify(rel || '.')}: it goes through a symlink that leads ${reached === null ? 'nowhere' : `to ${JSON.stringify(reached)}, outside the artifact folder`}`, { path: rel });
  }
  return target;
}

/**
 * Copy a local file or directory into `artifactDir/artifactPath/`; returns the artifact paths written.
 * A directory is checked whole before anything is copied (UNSAFE_ARTIFACT naming the entry): a
 * symlink is followed only when it stays inside the directory, and FIFOs, sockets and devices are
 * refused, so logging a folder never copies (or hangs on) anything outside it. A `.git` component
 * is refused (GIT_UNSAFE_NAME): git could not store it.
 */
export function copyIntoArtifacts(artifactDir: string, localPath: string, artifactPath = ''): string[] {
  const dest = validateNewArtifactPath(artifactPath);
  const stat = statOrNull(localPath);
  if (!stat) throw fail('NOT_FOUND', `No such file or directory: '${localPath}'`, { path: localPath });
  if (!stat.isDirectory() && !stat.isFile()) throw unsafeArtifact(localPath, specialKind(stat));
  // Plan every copy first and check it, so a clash found half-way leaves nothing half written.
  const dirs: string[] = [];
  const files: { from: string; rel: string }[] = [];
  const root = stat.isDirectory() ? realpathSync(localPath) : '';
  const visiting = new Set<string>();
  const planDir = (from: string, rel: string) => {
    const real = realpathSync(from);
    if (visiting.has(real)) throw unsafeArtifact(from, 'a symlink loop');
    visiting.add(real);
    if (rel) dirs.push(rel);
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const path = join(from, entry.name);
      rejectGitUnsafeName('artifact path', childRel);
      let kind = lstatSync(path);
      if (kind.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(path);
        } catch {
          throw unsafeArtifact(path, 'a dangling symlink');
        }
        if (!inside(root, target)) throw unsafeArtifact(path, `a symlink to ${JSON.stringify(target)}, outside ${JSON.stringify(localPath)}`);
        kind = statSync(target);
      }
      if (kind.isDirectory()) planDir(path, childRel);
      else if (kind.isFile()) files.push({ from: path, rel: childRel });
      else throw unsafeArtifact(path, specialKind(kind));
    }
    visiting.delete(real);
  };
  if (stat.isDirectory()) planDir(localPath, dest);
  else files.push({ from: localPath, rel: dest ? `${dest}/${basename(localPath)}` : basename(localPath) });
  for (const { rel } of files) rejectGitUnsafeName('artifact path', rel);
  for (const rel of dirs) checkTarget(artifactDir, rel, true);
  for (const { rel } of files) checkTarget(artifactDir, rel, false);
  mkdirSync(artifactDir, { recursive: true });
  for (const rel of dirs) mkdirSync(join(artifactDir, rel), { recursive: true });
  for (const { from, rel } of files) {
    const target = join(artifactDir, rel);
    mkdirSync(join(target, '..'), { recursive: true });
    copyFileSync(from, target);
  }
  return files.map((f) => f.rel);
}

/** Write bytes or text as an artifact (log_text, log_dict). */
export function writeArtifact(artifactDir: string, artifactFile: string, data: string | Uint8Array): string {
  const rel = validateNewArtifactPath(artifactFile);
  if (!rel) throw fail('INVALID_ARGUMENT', 'An artifact file name is required');
  checkTarget(artifactDir, rel, false);
  const target = join(artifactDir, rel);
  mkdirSync(join(target, '..'), { recursive: true });
  writeFileSync(target, data);
  return rel;
}


/**
 * Entries directly under `path` (or every entry below it when recursive), paths relative to the
 * artifact root, sorted like MLflow's listing. Files have sizes; directories do not.
 */
export function listArtifacts(artifactDir: string, path = '', recursive = false): FileInfo[] {
  const rel = validateArtifactPath(path);
  const base = confinedArtifactPath(artifactDir, rel);
  const stat = statOrNull(base);
  if (!stat || !stat.isDirectory()) return [];
  const out: FileInfo[] = [];
  const root = realpathSync(artifactDir);
  // A symlink that leads out of the folder (or nowhere) is not listed: its target is not an artifact.
  const leaves = (abs: string) => {
    try {
      return !inside(root, realpathSync(abs));
    } catch {
      return true;
    }
  };
  const walk = (dirRel: string) => {
    for (const entry of readdirSync(join(artifactDir, dirRel), { withFileTypes: true })) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const childRel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink() && leaves(join(artifactDir, childRel))) continue;
      if (entry.isDirectory()) {
        out.push({ path: childRel, isDir: true, fileSize: null });
        if (recursive) walk(childRel);
      } else {
        out.push({ path: childRel, isDir: false, fileSize: statSync(join(artifactDir, childRel)).size });
      }
    }
  };
  walk(rel);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function readArtifact(artifactDir: string, path: string): Uint8Array {
  const rel = validateArtifactPath(path);
  const target = confinedArtifactPath(artifactDir, rel);
  const stat = statOrNull(target);
  if (!stat || stat.isDirectory()) throw fail('NOT_FOUND', `No artifact at '${path}'`, { path });
  return readFileSync(target);
}
