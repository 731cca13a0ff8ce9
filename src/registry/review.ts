/**
 * `mltrack review BASE..HEAD`: what a pull request against the tracking branch changes in the model
 * registry, as data and as Markdown for a pull-request comment. Both registry states are read from
 * git objects (nothing is checked out): every registry change, and for each promotion the candidate
 * next to the version it replaces (metrics, params, run duration, model size, code commit, data
 * digests) and the result of each of the target stage's gates.
 *
 * Gates come from the `.mltrack.yml` at the root of BASE when it has one, so a pull request is judged
 * by the gates it is merged into, not by gates it edits itself; otherwise from the local config.
 */
import type { Run } from '../format/entities.js';
import { fail, isMltrackError } from '../format/errors.js';
import { MODELS_DIR, joinPath } from '../format/layout.js';
import { STAGE_DELETED_INTERNAL, VERSION_DIR_PREFIX } from '../format/registryMeta.js';
import { DATASET_CONTEXT_TAG } from '../format/search/runFilter.js';
import { ROOT_TOKEN } from '../git/artifactUris.js';
import { GitTreeReader } from '../git/GitTreeReader.js';
import { assertSafeTree } from '../git/safeTree.js';
import { treeLimits } from '../git/treeSafety.js';
import { parseLfsPointer } from '../git/lfs.js';
import { ObjectReader } from '../git/objectStore.js';
import { REASON_TAG } from '../git/registryTags.js';
import { git, resolveRef, type GitRepo } from '../git/repo.js';
import { MLRUNS_PATH } from '../git/trackingLayout.js';
import { MlrunsReader } from '../store/MlrunsReader.js';
import { RegistryReader, type ModelVersion, type RegisteredModel } from '../store/RegistryReader.js';
import { evaluateGates, gatesFor, runOfVersion, type GateResult, type Gates } from './gates.js';
import { CONFIG_PATH, configBlobAt, gatePolicyChanges, gatesFromConfigText, type PolicyChange } from './gateSource.js';

export { CONFIG_PATH };
/** First line of the Markdown: lets a workflow find and update its own comment. */
export const REVIEW_MARKER = '<!-- mltrack-review -->';

export type ChangeKind =
  | 'model_created'
  | 'model_deleted'
  | 'model_description'
  | 'model_tag'
  | 'alias'
  | 'registered'
  | 'stage'
  | 'version_deleted'
  | 'version_description'
  | 'version_tag'
  | 'unreadable';

export interface RegistryChange {
  model: string;
  version: number | null;
  kind: ChangeKind;
  /** Tag key or alias name, for those kinds. */
  key: string | null;
  from: string | null;
  to: string | null;
  /** For stage changes: the `mltrack.reason` version tag at HEAD. */
  reason: string | null;
}

export interface DatasetFact {
  name: string;
  digest: string;
  context: string | null;
}

/** What the review shows of one version and its run. */
export interface VersionFacts {
  version: number;
  stage: string | null;
  source: string | null;
  runId: string | null;
  /** False when the version names a run the tree does not hold. */
  runFound: boolean;
  runName: string | null;
  durationMs: number | null;
  /** Sum of the artifact sizes under the version's `runs:/` source path, from the git tree. */
  modelSizeBytes: number | null;
  codeCommit: string | null;
  codeSnapshot: string | null;
  codeDirty: boolean | null;
  datasets: DatasetFact[];
  metrics: Record<string, number>;
  params: Record<string, string>;
}

export interface ComparisonRow {
  section: 'run' | 'run_name' | 'duration' | 'size' | 'code' | 'snapshot' | 'data' | 'metric' | 'param';
  label: string;
  candidate: string | null;
  current: string | null;
  differs: boolean;
  /** Metrics: candidate minus current. */
  delta: number | null;
}

export interface Promotion {
  model: string;
  version: number;
  from: string | null;
  to: string;
  reason: string | null;
  candidate: VersionFacts;
  /** The highest other version in the target stage at BASE, if any. */
  replaces: VersionFacts | null;
  rows: ComparisonRow[];
  gates: GateResult[];
}

export interface ReviewSide {
  rev: string;
  commit: string;
}

export interface Review {
  base: ReviewSide;
  head: ReviewSide;
  changes: RegistryChange[];
  promotions: Promotion[];
  gates: {
    /** Where the gates were read (`origin/mltrack:.mltrack.yml`, a local path), or null when none are configured. */
    source: string | null;
    /** HEAD's `.mltrack.yml` differs from BASE's. */
    configChanged: boolean;
    /** The gate rules HEAD adds or removes, per stage: a policy change to approve. */
    policy: PolicyChange[];
    /** HEAD's gates do not parse (they would fail every later check). */
    policyError: string | null;
    evaluated: number;
    failed: number;
  };
}

export interface ReviewOptions {
  repo: GitRepo;
  base: string;
  head: string;
  /** Gates used when BASE has no `.mltrack.yml`, and where they come from. */
  fallbackGates?: Gates;
  fallbackSource?: string | null;
}

/** `A..B` (or `A...B`: from their merge base); a single revision is `<it>..<head default>`. */
export async function parseRange(repo: GitRepo, range: string, defaultBase: string): Promise<{ base: string; head: string }> {
  const three = range.indexOf('...');
  if (three >= 0) {
    const [a, b] = [range.slice(0, three), range.slice(three + 3)];
    const head = b || 'HEAD';
    const mergeBase = (await git(repo, ['merge-base', a, head]).catch(() => '')).trim();
    if (!mergeBase) throw fail('NOT_FOUND', `'${a}' and '${head}' have no common history`, { range });
    return { base: mergeBase, head };
  }
  const two = range.indexOf('..');
  if (two >= 0) return { base: range.slice(0, two) || 'HEAD', head: range.slice(two + 2) || 'HEAD' };
  return { base: defaultBase, head: range };
}

interface Side {
  rev: string;
  commit: string;
  rootTree: string;
  mlruns: string | null;
  tree: GitTreeReader;
  registry: RegistryReader;
}

async function openSide(repo: GitRepo, objects: ObjectReader, rev: string): Promise<Side> {
  const commit = (await resolveRef(repo, rev)) ?? (await resolveRef(repo, `refs/heads/${rev}`));
  if (!commit) throw fail('NOT_FOUND', `No revision '${rev}' in ${repo.gitdir} (fetch it first?)`, { rev });
  const rootTree = (await objects.commit(commit)).tree;
  const entry = await objects.entry(rootTree, MLRUNS_PATH);
  const mlruns = entry?.mode === '40000' ? entry.oid : null;
  // The head of a change under review is anyone's tree: its names go into the report.
  if (mlruns) await assertSafeTree(objects, mlruns, { prefix: MLRUNS_PATH, limits: treeLimits() });
  const tree = new GitTreeReader(objects, mlruns, rev);
  return { rev, commit, rootTree, mlruns, tree, registry: new RegistryReader(tree) };
}

interface ModelState {
  model: RegisteredModel | null;
  versions: Map<number, ModelVersion>;
  versionDirs: Set<number>;
  error: string | null;
}

async function readModel(side: Side, name: string): Promise<ModelState> {
  const state: ModelState = { model: null, versions: new Map(), versionDirs: new Set(), error: null };
  if ((await side.tree.list(joinPath(MODELS_DIR, name))) === null) return state;
  try {
    state.model = await side.registry.getRegisteredModel(name);
    for (const mv of await side.registry.listModelVersions(name)) state.versions.set(mv.version, mv);
    for (const dir of await side.registry.listModelVersionDirs(name)) state.versionDirs.add(Number(dir.slice(VERSION_DIR_PREFIX.length)));
  } catch (err) {
    if (!isMltrackError(err)) throw err;
    state.error = err.message;
  }
  return state;
}

async function modelTreeIds(objects: ObjectReader, side: Side): Promise<Map<string, string>> {
  const models = side.mlruns ? await objects.entry(side.mlruns, MODELS_DIR) : null;
  if (!models || models.mode !== '40000') return new Map();
  return new Map((await objects.tree(models.oid)).filter((e) => e.mode === '40000').map((e) => [e.name, e.oid]));
}

function diffRecords(model: string, version: number | null, kind: ChangeKind, before: Record<string, string>, after: Record<string, string>, skip: (key: string) => boolean = () => false): RegistryChange[] {
  const out: RegistryChange[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (skip(key) || before[key] === after[key]) continue;
    out.push({ model, version, kind, key, from: before[key] ?? null, to: after[key] ?? null, reason: null });
  }
  return out;
}

function diffModel(name: string, base: ModelState, head: ModelState): RegistryChange[] {
  const change = (version: number | null, kind: ChangeKind, from: string | null, to: string | null, extra: Partial<RegistryChange> = {}): RegistryChange => ({ model: name, version, kind, key: null, from, to, reason: null, ...extra });
  if (head.error) return [change(null, 'unreadable', null, head.error)];
  if (!head.model) return base.model ? [change(null, 'model_deleted', null, null)] : [];
  const out: RegistryChange[] = [];
  if (!base.model) out.push(change(null, 'model_created', null, null));
  if (base.model && base.model.description !== head.model.description) out.push(change(null, 'model_description', base.model.description, head.model.description));
  out.push(...diffRecords(name, null, 'model_tag', base.model?.tags ?? {}, head.model.tags));
  const versions = [...new Set([...base.versions.keys(), ...head.versions.keys()])].sort((a, b) => a - b);
  for (const v of versions) {
    const before = base.versions.get(v);
    const after = head.versions.get(v);
    if (!after) {
      if (before) out.push(change(v, 'version_deleted', before.currentStage, head.versionDirs.has(v) ? STAGE_DELETED_INTERNAL : null));
      continue;
    }
    if (!before) out.push(change(v, 'registered', null, after.source));
    const fromStage = before ? before.currentStage : 'None';
    const stageChanged = fromStage !== after.currentStage;
    // The reason belongs to this change only when it was (re)written with it, not left from an earlier one.
    const reason = stageChanged && (before?.tags[REASON_TAG] ?? null) !== (after.tags[REASON_TAG] ?? null) ? (after.tags[REASON_TAG] ?? null) : null;
    if (stageChanged) out.push(change(v, 'stage', before ? before.currentStage : null, after.currentStage, { reason }));
    if (before && before.description !== after.description) out.push(change(v, 'version_description', before.description, after.description));
    out.push(...diffRecords(name, v, 'version_tag', before?.tags ?? {}, after.tags, (key) => reason !== null && key === REASON_TAG));
  }
  out.push(...diffRecords(name, null, 'alias', base.model?.aliases ?? {}, head.model.aliases));
  return out;
}

/** Bytes under `path` of the mlruns tree (LFS pointers count as their content's size), or null. */
async function treeBytes(objects: ObjectReader, mlruns: string | null, path: string): Promise<number | null> {
  if (!mlruns) return null;
  const entry = await objects.entry(mlruns, path);
  if (!entry) return null;
  const walk = async (mode: string, oid: string): Promise<number> => {
    if (mode === '40000') {
      let sum = 0;
      for (const e of await objects.tree(oid)) sum += await walk(e.mode, e.oid);
      return sum;
    }
    if (mode === '160000') return 0;
    const blob = await objects.blob(oid);
    return parseLfsPointer(blob)?.size ?? blob.length;
  };
  return walk(entry.mode, entry.oid);
}

/** Where a version's model files are in the mlruns tree: `runs:/<id>/<path>` or a root-relative `file:` URI. */
async function modelPath(tree: GitTreeReader, mv: ModelVersion): Promise<string | null> {
  const source = mv.source ?? '';
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (runs) {
    const location = /^[0-9a-zA-Z_-]+$/.test(runs[1]!) ? await new MlrunsReader(tree).findRun(runs[1]!) : null;
    return location ? joinPath(location.dir, 'artifacts', ...runs[2]!.split('/').filter(Boolean)) : null;
  }
  if (source.startsWith(`${ROOT_TOKEN}/`)) return decodeURIComponent(source.slice(ROOT_TOKEN.length + 1));
  return null;
}

async function versionFacts(objects: ObjectReader, sides: Side[], mv: ModelVersion): Promise<VersionFacts> {
  let run: Run | null = null;
  let where: Side = sides[0]!;
  for (const side of sides) {
    run = await runOfVersion(side.tree, mv).catch(() => null);
    if (run) {
      where = side;
      break;
    }
  }
  const path = await modelPath(where.tree, mv);
  const tags = run?.data.tags ?? {};
  return {
    version: mv.version,
    stage: mv.currentStage,
    source: mv.source,
    runId: mv.runId,
    runFound: run !== null,
    runName: run?.info.runName ?? null,
    durationMs: run && run.info.endTime !== null ? run.info.endTime - run.info.startTime : null,
    modelSizeBytes: path ? await treeBytes(objects, where.mlruns, path) : null,
    codeCommit: tags['mlflow.source.git.commit'] ?? null,
    codeSnapshot: tags['mltrack.source.snapshot'] ?? null,
    codeDirty: tags['mlflow.source.git.dirty'] === undefined ? null : tags['mlflow.source.git.dirty'] === 'true',
    datasets: (run?.inputs ?? [])
      .map((i) => ({ name: i.dataset.name, digest: i.dataset.digest, context: i.tags[DATASET_CONTEXT_TAG] ?? null }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.context ?? '') < (b.context ?? '') ? -1 : 1)),
    metrics: Object.fromEntries(Object.entries(run?.data.metrics ?? {}).map(([k, m]) => [k, m.value])),
    params: { ...(run?.data.params ?? {}) },
  };
}

export function formatDuration(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function formatBytes(n: number | null): string | null {
  if (n === null) return null;
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function datasetLabel(d: DatasetFact): string {
  return d.context ? `${d.name} (${d.context})` : d.name;
}

function compare(c: VersionFacts, r: VersionFacts | null): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const row = (section: ComparisonRow['section'], label: string, a: string | null, b: string | null, delta: number | null = null) =>
    rows.push({ section, label, candidate: a, current: b, differs: r !== null && a !== b, delta });
  row('run', 'run', c.runId, r ? r.runId : null);
  if (c.runName || r?.runName) row('run_name', 'run name', c.runName, r ? r.runName : null);
  row('duration', 'duration', formatDuration(c.durationMs), r ? formatDuration(r.durationMs) : null);
  row('size', 'model size', formatBytes(c.modelSizeBytes), r ? formatBytes(r.modelSizeBytes) : null);
  row('code', 'code commit', c.codeCommit, r ? r.codeCommit : null);
  if (c.codeSnapshot || r?.codeSnapshot) row('snapshot', 'code snapshot (dirty work tree)', c.codeSnapshot, r ? r.codeSnapshot : null);
  const datasets = new Map<string, [string | null, string | null]>();
  for (const d of c.datasets) datasets.set(datasetLabel(d), [d.digest, null]);
  for (const d of r?.datasets ?? []) datasets.set(datasetLabel(d), [datasets.get(datasetLabel(d))?.[0] ?? null, d.digest]);
  for (const label of [...datasets.keys()].sort()) row('data', label, datasets.get(label)![0], r ? datasets.get(label)![1] : null);
  for (const key of [...new Set([...Object.keys(c.metrics), ...Object.keys(r?.metrics ?? {})])].sort()) {
    const a = c.metrics[key];
    const b = r?.metrics[key];
    row('metric', key, a === undefined ? null : String(a), b === undefined ? null : String(b), a !== undefined && b !== undefined && a !== b ? Number((a - b).toPrecision(6)) : null);
  }
  for (const key of [...new Set([...Object.keys(c.params), ...Object.keys(r?.params ?? {})])].sort()) row('param', key, c.params[key] ?? null, r ? (r.params[key] ?? null) : null);
  return rows;
}

/** Stages a change is "promoted" to: Staging, Production, and any stage with gates. */
function isPromotion(stage: string | null, gates: Gates): boolean {
  return stage === 'Staging' || stage === 'Production' || (stage !== null && gatesFor(gates, stage).length > 0);
}

export async function buildReview(options: ReviewOptions): Promise<Review> {
  const { repo } = options;
  const objects = new ObjectReader(repo.gitdir);
  const base = await openSide(repo, objects, options.base);
  const head = await openSide(repo, objects, options.head);

  const baseConfig = await configBlobAt(objects, base.rootTree);
  const headConfig = await configBlobAt(objects, head.rootTree);
  let gates: Gates = options.fallbackGates ?? {};
  let source: string | null = options.fallbackSource ?? null;
  if (baseConfig) {
    gates = gatesFromConfigText(baseConfig.text, `${options.base}:${CONFIG_PATH}`);
    source = `${options.base}:${CONFIG_PATH}`;
  }
  if (!Object.values(gates).some((rules) => rules.length > 0)) source = null;

  const [baseModels, headModels] = [await modelTreeIds(objects, base), await modelTreeIds(objects, head)];
  const names = [...new Set([...baseModels.keys(), ...headModels.keys()])].filter((n) => baseModels.get(n) !== headModels.get(n)).sort();
  const changes: RegistryChange[] = [];
  const promotions: Promotion[] = [];
  for (const name of names) {
    const [before, after] = [await readModel(base, name), await readModel(head, name)];
    const modelChanges = diffModel(name, before, after);
    changes.push(...modelChanges);
    for (const c of modelChanges) {
      if (c.kind !== 'stage' || c.version === null || !isPromotion(c.to, gates)) continue;
      const mv = after.versions.get(c.version)!;
      const replaced = [...before.versions.values()].filter((v) => v.currentStage === c.to && v.version !== c.version).sort((a, b) => b.version - a.version)[0];
      const candidate = await versionFacts(objects, [head, base], mv);
      const current = replaced ? await versionFacts(objects, [head, base], replaced) : null;
      const run = await runOfVersion(head.tree, mv).catch(() => null);
      promotions.push({
        model: name,
        version: c.version,
        from: c.from,
        to: c.to!,
        reason: c.reason,
        candidate,
        replaces: current,
        rows: compare(candidate, current),
        gates: evaluateGates({ gates }, c.to!, run, mv),
      });
    }
  }
  const results = promotions.flatMap((p) => p.gates);
  const configChanged = (baseConfig?.oid ?? null) !== (headConfig?.oid ?? null);
  // The policy HEAD would bring: judged by BASE's gates now, and shown so a reviewer approves it.
  let policy: PolicyChange[] = [];
  let policyError: string | null = null;
  if (configChanged) {
    try {
      const baseGates = baseConfig ? gates : {};
      policy = gatePolicyChanges(baseGates, headConfig ? gatesFromConfigText(headConfig.text, `${options.head}:${CONFIG_PATH}`) : {});
    } catch (err) {
      policyError = isMltrackError(err) ? err.message : String(err);
    }
  }
  return {
    base: { rev: options.base, commit: base.commit },
    head: { rev: options.head, commit: head.commit },
    changes,
    promotions,
    gates: { source, configChanged, policy, policyError, evaluated: results.length, failed: results.filter((r) => !r.passed).length },
  };
}

// ------------------------------------------------------------------ Markdown

/** Inline code that survives any content, inside a table cell too. */
function code(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** Plain text in a cell: no HTML, no table breaks, no emphasis. */
function text(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_[\]<>|#~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

function shortId(id: string | null): string {
  if (!id) return '–';
  return code(/^[0-9a-f]{40}$/.test(id) ? id.slice(0, 12) : id);
}

function describeChange(c: RegistryChange): string {
  const q = (v: string | null) => (v === null || v === '' ? '_(none)_' : code(v));
  switch (c.kind) {
    case 'model_created':
      return 'registered model created';
    case 'model_deleted':
      return 'registered model deleted';
    case 'model_description':
      return `description ${q(c.from)} → ${q(c.to)}`;
    case 'model_tag':
    case 'version_tag':
      return c.to === null ? `tag ${code(c.key!)} removed (was ${q(c.from)})` : c.from === null ? `tag ${code(c.key!)} = ${q(c.to)}` : `tag ${code(c.key!)}: ${q(c.from)} → ${q(c.to)}`;
    case 'alias':
      return c.to === null ? `alias ${code(c.key!)} removed (was v${text(c.from ?? '')})` : c.from === null ? `alias ${code(c.key!)} → v${text(c.to)}` : `alias ${code(c.key!)}: v${text(c.from)} → v${text(c.to)}`;
    case 'registered':
      return `registered from ${q(c.to)}`;
    case 'stage':
      return `stage ${c.from === null ? 'new' : text(c.from)} → **${text(c.to ?? '')}**${c.reason ? ` — “${text(c.reason)}”` : ''}`;
    case 'version_deleted':
      return c.to === STAGE_DELETED_INTERNAL ? `deleted (was ${text(c.from ?? 'None')})` : `removed from the tree (was ${text(c.from ?? 'None')})`;
    case 'version_description':
      return `description ${q(c.from)} → ${q(c.to)}`;
    case 'unreadable':
      return `⚠️ cannot be read: ${text(c.to ?? '')}`;
  }
}

function cell(row: ComparisonRow, value: string | null): string {
  if (value === null) return '–';
  if (row.section === 'duration' || row.section === 'size' || row.section === 'metric') return text(value);
  if (row.section === 'run' || row.section === 'code' || row.section === 'snapshot') return shortId(value);
  return code(value);
}

function mark(row: ComparisonRow): string {
  if (!row.differs) return '';
  if (row.delta !== null) return row.delta > 0 ? `+${row.delta}` : `−${-row.delta}`;
  return '≠';
}

function rowLabel(row: ComparisonRow): string {
  switch (row.section) {
    case 'metric':
      return `metrics.${text(row.label)}`;
    case 'param':
      return `params.${text(row.label)}`;
    case 'data':
      return `data ${text(row.label)}`;
    default:
      return text(row.label);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderPromotion(p: Promotion, review: Review, lines: string[]): void {
  lines.push('', `### ${code(p.model)} v${p.version} → ${text(p.to)}`, '');
  if (p.reason) lines.push(`Reason: “${text(p.reason)}”`, '');
  if (p.replaces) lines.push(`Replaces **v${p.replaces.version}**, in ${text(p.to)} at ${code(review.base.rev)}.`, '');
  else lines.push(`No version of ${code(p.model)} is in ${text(p.to)} at ${code(review.base.rev)}: v${p.version} would be the first.`, '');
  if (!p.candidate.runId) lines.push(`v${p.version} was not registered from a run (source ${code(p.candidate.source ?? '')}): there is no run to compare.`, '');
  else if (!p.candidate.runFound) lines.push(`⚠️ run ${shortId(p.candidate.runId)} of v${p.version} is not on the tracking branch.`, '');
  if (p.replaces) {
    lines.push(`| | v${p.version} (candidate) | v${p.replaces.version} (current) | |`, '|---|---|---|---|');
    for (const row of p.rows) lines.push(`| ${rowLabel(row)} | ${cell(row, row.candidate)} | ${cell(row, row.current)} | ${mark(row)} |`);
  } else {
    lines.push(`| | v${p.version} (candidate) |`, '|---|---|');
    for (const row of p.rows) lines.push(`| ${rowLabel(row)} | ${cell(row, row.candidate)} |`);
  }
  lines.push('');
  if (p.gates.length === 0) {
    lines.push(`No gates for ${text(p.to)}${review.gates.source ? '' : ' (declare them under `gates:` in .mltrack.yml)'}.`);
    return;
  }
  lines.push(`**Gates for ${text(p.to)}** (${code(review.gates.source ?? CONFIG_PATH)}):`, '', '| | rule | seen |', '|---|---|---|');
  for (const g of p.gates) lines.push(`| ${g.passed ? '✅' : '❌'} | ${code(g.rule)} | ${text(g.reason)} |`);
}

export function renderReviewMarkdown(review: Review): string {
  const lines: string[] = [REVIEW_MARKER, '## Model registry review', ''];
  const range = `${code(review.base.rev)} (${shortId(review.base.commit)}) → ${code(review.head.rev)} (${shortId(review.head.commit)})`;
  if (review.changes.length === 0) {
    lines.push(`${range}: no registry changes.`);
  } else {
    lines.push(`${range}: ${plural(review.changes.length, 'registry change')}, ${plural(review.promotions.length, 'promotion')}.`);
    lines.push('', '### Registry changes', '', '| model | version | change |', '|---|---|---|');
    for (const c of review.changes) lines.push(`| ${code(c.model)} | ${c.version === null ? '–' : `v${c.version}`} | ${describeChange(c)} |`);
  }
  if (review.gates.configChanged) {
    lines.push('', `> ⚠️ This change edits ${code(CONFIG_PATH)} on the tracking branch. The gates below are ${review.gates.source ? `those of ${code(review.base.rev)}` : 'the local ones'}, not the edited ones.`);
    if (review.gates.policy.length || review.gates.policyError) {
      lines.push('', '### Policy change to approve', '');
      if (review.gates.policyError) lines.push(`❌ The new gates do not parse: ${text(review.gates.policyError)}`);
      if (review.gates.policy.length) {
        lines.push('| stage | rule | change |', '|---|---|---|');
        for (const c of review.gates.policy) {
          for (const r of c.removed) lines.push(`| ${text(c.stage)} | ${code(r)} | removed |`);
          for (const r of c.added) lines.push(`| ${text(c.stage)} | ${code(r)} | added |`);
        }
        lines.push('', 'Once merged, these gates apply to every later change and to `mltrack verify`.');
      }
    }
  }
  for (const p of review.promotions) renderPromotion(p, review, lines);
  lines.push('', '---');
  if (review.gates.evaluated === 0) {
    lines.push(review.promotions.length ? 'No promotion gates apply to this change.' : 'No promotions in this change.');
  } else if (review.gates.failed === 0) {
    lines.push(`✅ **All ${plural(review.gates.evaluated, 'gate')} passed.**`);
  } else {
    lines.push(`❌ **${review.gates.failed} of ${plural(review.gates.evaluated, 'gate')} failed.** This comment does not block the merge; \`mltrack verify\` (the required check) fails while a version is in a stage whose gates it fails.`);
  }
  return lines.join('\n') + '\n';
}
