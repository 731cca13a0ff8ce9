/**
 * `mltrack import DIR`: another mlruns tree (a colleague's folder, an HPC run rsynced back) merged
 * into ours file by file with the sharing rules of src/git/mergeRules.ts: new files are copied,
 * identical ones skipped, metric histories keep every line of both, a run's meta takes the side
 * further along; any other difference keeps ours and is reported. Links are never followed.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../format/errors.js';
import { META_FILE, TEMP_PREFIX } from '../format/layout.js';
import { commitTracking } from '../git/trackingCommit.js';
import { findRepo } from '../git/repo.js';
import { classify, mergeFile } from '../git/mergeRules.js';
import { TreeWriter } from './TreeWriter.js';
import type { Omission } from './history.js';

export interface TreeImportResult {
  filesCopied: number;
  filesMerged: number;
  filesWritten: number;
  bytesWritten: number;
  conflicts: { path: string; reason: string }[];
  omitted: Omission[];
  commit: string | null;
}

/** The lines both metric files start with: the part already shared, the base of a three-way merge. */
function sharedPrefix(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.min(x.length, y.length) - 1 && x[i] === y[i]; i++) out.push(x[i]!);
  return out.length ? out.join('\n') + '\n' : '';
}

export async function importTree(options: { source: string; mlruns: string; commit: { cwd: string; branch: string } | null; dryRun: boolean; onProgress?: (done: number, total: number) => void }): Promise<TreeImportResult> {
  const { source } = options;
  if (!existsSync(source) || !lstatSync(source).isDirectory()) throw fail('NOT_FOUND', `No mlruns directory at ${source}`, { path: source });
  const hasExperiment = readdirSync(source).some((name) => existsSync(join(source, name, META_FILE)));
  if (!hasExperiment) throw fail('INVALID_ARGUMENT', `${source} is not an mlruns tree (no <experiment>/meta.yaml)`, { path: source });
  const repo = options.commit && !options.dryRun ? findRepo(options.commit.cwd) : null;
  const w = new TreeWriter(options.mlruns, options.dryRun);
  const result: TreeImportResult = { filesCopied: 0, filesMerged: 0, filesWritten: 0, bytesWritten: 0, conflicts: [], omitted: [], commit: null };
  const links: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(source, rel)).sort()) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(source, childRel));
      if (st.isSymbolicLink()) links.push(childRel);
      else if (st.isDirectory()) {
        dirs.push(childRel);
        walk(childRel);
      } else if (st.isFile()) files.push(childRel);
    }
  };
  const dirs: string[] = [];
  const files: string[] = [];
  const mergeOne = (rel: string) => {
    const target = join(options.mlruns, rel);
    if (!existsSync(target)) {
      if (w.copy(join(source, rel), rel, 'copy')) result.filesCopied++;
      return;
    }
    const theirs = readFileSync(join(source, rel), 'utf8');
    const ours = readFileSync(target, 'utf8');
    if (theirs === ours) return;
    const merged = mergeFile(rel, classify(rel) === 'metric' ? sharedPrefix(ours, theirs) : '', ours, theirs);
    if (merged.conflict) result.conflicts.push({ path: rel, reason: merged.reason });
    else if (w.put(rel, merged.text)) result.filesMerged++;
  };
  walk('');
  for (const d of dirs) w.dir(d);
  files.forEach((file, i) => {
    mergeOne(file);
    options.onProgress?.(i + 1, files.length);
  });
  if (links.length) result.omitted.push({ kind: 'links', count: links.length, reason: `symbolic links are not followed (e.g. ${links[0]})` });
  if (result.conflicts.length) result.omitted.push({ kind: 'conflicting files', count: result.conflicts.length, reason: `differ and have no merge rule: ours kept (e.g. ${result.conflicts[0]!.path})` });
  result.filesWritten = w.filesWritten;
  result.bytesWritten = w.bytesWritten;
  if (repo && options.commit && w.filesWritten > 0) {
    const done = await commitTracking({ repo, mlruns: options.mlruns, branch: options.commit.branch, message: `Import ${source}\n\n${result.filesCopied} files copied, ${result.filesMerged} merged, ${result.conflicts.length} kept ours.`, paths: [...w.changed].sort() });
    result.commit = done?.commit ?? null;
  }
  return result;
}
