/**
 * Where promotion gates are read from (spec/review.md, "Which gates"): the `.mltrack.yml` at the root
 * of the change's base on the tracking branch, so a change is judged by the policy it is merged into,
 * never by gates it edits itself. `verify` and `review` both use this one rule.
 *
 *   1. `--base REV` (review: the BASE of BASE..HEAD): REV:.mltrack.yml.
 *   2. No base given: the merge base of the tracking branch with its upstream (`<remote>/<branch>`),
 *      when there is one: what the team already agreed.
 *   3. That revision has no `.mltrack.yml`, or there is no upstream: the local `.mltrack.yml`.
 */
import { fail } from '../format/errors.js';
import { parseSettingsText } from '../format/settingsText.js';
import { ObjectReader } from '../git/objectStore.js';
import { git, resolveRef, type GitRepo } from '../git/repo.js';
import { parseGates, type Gates } from './gates.js';

export const CONFIG_PATH = '.mltrack.yml';

export interface GateSource {
  gates: Gates;
  /** Where they were read: `origin/mltrack:.mltrack.yml`, a local path, or null when none are configured. */
  source: string | null;
}

/** The `gates` section of a `.mltrack.yml` given as text (other settings are the config loader's). */
export function gatesFromConfigText(text: string, where: string): Gates {
  const value = parseSettingsText(text, where).gates;
  return value === undefined ? {} : parseGates(value, `${where}: gates`);
}

/** The `.mltrack.yml` blob at the root of a commit's tree, or null. */
export async function configBlobAt(objects: ObjectReader, rootTree: string): Promise<{ oid: string; text: string } | null> {
  const entry = await objects.entry(rootTree, CONFIG_PATH);
  if (!entry || entry.mode === '40000') return null;
  return { oid: entry.oid, text: Buffer.from(await objects.blob(entry.oid)).toString('utf8') };
}

/** Gates in REV:.mltrack.yml; null when REV has no such file. REV must resolve (NOT_FOUND). */
export async function gatesAtRevision(repo: GitRepo, rev: string): Promise<GateSource | null> {
  const commit = (await resolveRef(repo, rev)) ?? (await resolveRef(repo, `refs/heads/${rev}`));
  if (!commit) throw fail('NOT_FOUND', `No revision '${rev}' to read gates from`, { rev });
  const objects = new ObjectReader(repo.gitdir);
  const blob = await configBlobAt(objects, (await objects.commit(commit)).tree);
  if (!blob) return null;
  const source = `${rev}:${CONFIG_PATH}`;
  return { gates: gatesFromConfigText(blob.text, source), source };
}

/** Rule 2: the merge base of `branch` with `<remote>/<branch>`, or null when either is missing. */
export async function upstreamMergeBase(repo: GitRepo, branch: string, remote: string): Promise<string | null> {
  const local = await resolveRef(repo, `refs/heads/${branch}`);
  const upstream = await resolveRef(repo, `refs/remotes/${remote}/${branch}`);
  if (!local || !upstream) return null;
  const base = (await git(repo, ['merge-base', local, upstream]).catch(() => '')).trim();
  return base || null;
}

function hasRules(gates: Gates): boolean {
  return Object.values(gates).some((rules) => rules.length > 0);
}

/** The one rule above. `local` is the local config's gates and its file. */
export async function resolveGates(repo: GitRepo | null, options: { base?: string; branch: string; remote: string; local: GateSource }): Promise<GateSource & { base: string | null }> {
  let base = options.base ?? null;
  let label = base;
  if (!base && repo) {
    base = await upstreamMergeBase(repo, options.branch, options.remote);
    label = base ? `${options.remote}/${options.branch} (merge base ${base.slice(0, 10)})` : null;
  }
  if (base && repo) {
    const at = await gatesAtRevision(repo, base);
    if (at) return { gates: at.gates, source: hasRules(at.gates) ? `${label}:${CONFIG_PATH}` : null, base };
  } else if (options.base) {
    throw fail('NOT_A_REPO', `--base ${options.base} needs a git repository`);
  }
  return { gates: options.local.gates, source: hasRules(options.local.gates) ? options.local.source : null, base };
}

export interface PolicyChange {
  stage: string;
  added: string[];
  removed: string[];
}

/** How HEAD's gates differ from BASE's, stage by stage (rules compared as written). */
export function gatePolicyChanges(base: Gates, head: Gates): PolicyChange[] {
  const stages = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const changes: PolicyChange[] = [];
  for (const stage of stages) {
    const before = base[stage] ?? [];
    const after = head[stage] ?? [];
    const added = after.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !after.includes(r));
    if (added.length || removed.length) changes.push({ stage, added, removed });
  }
  return changes;
}
