/** A run's artifact directory: copy files in, list them as MLflow does, read them back. */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FileInfo } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { TEMP_PREFIX } from '../format/layout.js';
import { validateArtifactPath } from '../format/validation.js';

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

/** Copy a local file or directory into `artifactDir/artifactPath/`; returns the artifact paths written. */
export function copyIntoArtifacts(artifactDir: string, localPath: string, artifactPath = ''): string[] {
  const dest = validateArtifactPath(artifactPath);
  const stat = statOrNull(localPath);
  if (!stat) throw fail('NOT_FOUND', `No such file or directory: '${localPath}'`, { path: localPath });
  // Plan every copy first and check it, so a clash found half-way leaves nothing half written.
  const dirs: string[] = [];
  const files: { from: string; rel: string }[] = [];
  const planDir = (from: string, rel: string) => {
    if (rel) dirs.push(rel);
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) planDir(join(from, entry.name), childRel);
      else files.push({ from: join(from, entry.name), rel: childRel });
    }
  };
  if (stat.isDirectory()) planDir(localPath, dest);
  else files.push({ from: localPath, rel: dest ? `${dest}/${basename(localPath)}` : basename(localPath) });
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
  const rel = validateArtifactPath(artifactFile);
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
  const base = join(artifactDir, rel);
  const stat = statOrNull(base);
  if (!stat || !stat.isDirectory()) return [];
  const out: FileInfo[] = [];
  const walk = (dirRel: string) => {
    for (const entry of readdirSync(join(artifactDir, dirRel), { withFileTypes: true })) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const childRel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
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
  const target = join(artifactDir, rel);
  const stat = statOrNull(target);
  if (!stat || stat.isDirectory()) throw fail('NOT_FOUND', `No artifact at '${path}'`, { path });
  return readFileSync(target);
}
