// The model registry's state for 200 models x 50 versions, derived from the files (RegistryReader
// over the mlruns tree on disk, and over the tracking commit's git tree) and from the registry event
// tags (names only, and with their annotations), side by side with naive baselines: `git
// for-each-ref` of the same tags alone, and `cat` of every version meta.yaml.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatModelVersionMeta, formatRegisteredModelMeta } from '../dist/format/registryMeta.js';
import { formatEventMessage, formatRegistryTag } from '../dist/format/registryTags.js';
import { GitTreeReader } from '../dist/git/GitTreeReader.js';
import { ObjectReader } from '../dist/git/objectStore.js';
import { formatSignature, writeObject } from '../dist/git/objects.js';
import { readRegistryTags } from '../dist/git/registryTags.js';
import { findRepo } from '../dist/git/repo.js';
import { checkTagsAgree } from '../dist/registry/tagState.js';
import { registryStateFromTags, registryTagNamesAt } from '../dist/registry/tagState.js';
import { FsTreeReader } from '../dist/store/FsTreeReader.js';
import { RegistryReader } from '../dist/store/RegistryReader.js';
import { printTable } from './lib/table.js';
import { makeTempDir } from './lib/tmp.js';
import { fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';

const progress = (msg) => console.log(`  .. ${msg}`);
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const T0 = 1_760_000_000_000;
const STAGES = { staging: 'Staging', production: 'Production', archived: 'Archived' };

function git(cwd, args, input) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', input, maxBuffer: 512 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

function hex32(n) {
  return n.toString(16).padStart(32, '0');
}

/**
 * models/<m>/version-<v>: the newest version in Production, the one before in Staging, the rest
 * Archived. The stage history behind that (Staging, then Production, then Archived) is in the tags.
 */
function stageHistory(v, versions) {
  const t = (k) => T0 + v * 10_000 + k;
  if (v === versions) return [['staging', t(1)], ['production', t(2)]];
  if (v === versions - 1) return [['staging', t(1)]];
  return [['staging', t(1)], ['production', t(2)], ['archived', t(3)]];
}

function writeRegistry(mlruns, models, versions) {
  for (let m = 0; m < models; m++) {
    const name = `model-${String(m).padStart(3, '0')}`;
    const dir = join(mlruns, 'models', name);
    mkdirSync(join(dir, 'aliases'), { recursive: true });
    writeFileSync(join(dir, 'meta.yaml'), formatRegisteredModelMeta({ name, creationTimestamp: T0, lastUpdatedTimestamp: T0 + versions * 10_000 + 3, description: null, aliasesSnapshot: { champion: String(versions) } }));
    writeFileSync(join(dir, 'aliases', 'champion'), String(versions));
    for (let v = 1; v <= versions; v++) {
      const history = stageHistory(v, versions);
      const [lastStage, lastTime] = history[history.length - 1];
      const runId = hex32(m * versions + v);
      mkdirSync(join(dir, `version-${v}`, 'tags'), { recursive: true });
      writeFileSync(join(dir, `version-${v}`, 'tags', 'team'), 'growth');
      writeFileSync(
        join(dir, `version-${v}`, 'meta.yaml'),
        formatModelVersionMeta({
          name, version: v, creationTimestamp: T0 + v * 10_000, lastUpdatedTimestamp: lastTime, currentStage: STAGES[lastStage], description: `version ${v}`,
          userId: 'bench', source: `runs:/${runId}/model`, runId, runLink: null, status: 'READY', statusMessage: null, storageLocation: `runs:/${runId}/model`,
          aliasesSnapshot: v === versions ? ['champion'] : [],
        }),
      );
    }
  }
}

/** One annotated tag per registration and per stage assignment, created in one `git update-ref --stdin`. */
function writeTags(repo, commit, models, versions) {
  const who = formatSignature({ name: 'bench', email: 'bench@example.com', timestamp: Math.floor(T0 / 1000), timezone: '+0000' });
  const lines = [];
  for (let m = 0; m < models; m++) {
    const model = `model-${String(m).padStart(3, '0')}`;
    for (let v = 1; v <= versions; v++) {
      const runId = hex32(m * versions + v);
      const events = [{ kind: 'registered', model, version: v }, ...stageHistory(v, versions).map(([stage, timestamp]) => ({ kind: 'stage', model, version: v, stage, timestamp }))];
      for (const event of events) {
        const name = formatRegistryTag(event);
        const message = formatEventMessage({ event, runId, reason: null, commit });
        const tag = writeObject(repo.gitdir, 'tag', Buffer.from(`object ${commit}\ntype commit\ntag ${name}\ntagger ${who}\n\n${message}`));
        lines.push(`create refs/tags/${name} ${tag}`);
      }
    }
  }
  git(repo.workdir, ['update-ref', '--stdin'], lines.join('\n') + '\n');
  return lines.length;
}

/** model -> version -> stage, the comparable state of each method. */
function stateOf(entries) {
  const out = new Map();
  for (const [model, version, stage] of entries) {
    if (!out.has(model)) out.set(model, new Map());
    out.get(model).set(version, stage);
  }
  return out;
}

function sameState(a, b) {
  if (a.size !== b.size) return false;
  for (const [model, versions] of a) {
    const other = b.get(model);
    if (!other || other.size !== versions.size) return false;
    for (const [v, stage] of versions) if (other.get(v) !== stage) return false;
  }
  return true;
}

async function measure(label, repeat, fn, { warmUp = true } = {}) {
  if (warmUp) await fn(); // page cache, module code
  const times = [];
  let result;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    result = await fn();
    times.push(since(start));
  }
  return { label, ms: median(times), result };
}

export async function runRegistry({ models = 200, versions = 50, repeat = 3 } = {}) {
  const dir = makeTempDir('registry');
  git(dir, ['init', '-q', '-b', 'mltrack']);
  const mlruns = join(dir, 'mlruns');
  progress(`writing ${fmtInt(models)} models x ${versions} versions`);
  writeRegistry(mlruns, models, versions);
  git(dir, ['add', '-A', 'mlruns']);
  git(dir, ['commit', '-q', '-m', 'registry']);
  const repo = findRepo(dir);
  const tip = git(dir, ['rev-parse', 'mltrack']).trim();
  progress('writing the registry event tags');
  const tagCount = writeTags(repo, tip, models, versions);
  const mlrunsTree = git(dir, ['rev-parse', 'mltrack:mlruns']).trim();

  const fromFiles = async (tree) => stateOf((await new RegistryReader(tree).listModelVersions()).map((mv) => [mv.name, mv.version, mv.currentStage]));
  const fromTagState = (state) => stateOf([...state].flatMap(([model, vs]) => [...vs.values()].map((v) => [model, v.version, v.stage])));

  const rows = [];
  const results = [];
  for (const phase of ['as written (loose refs and objects)', 'after git gc (packed)']) {
    if (phase.startsWith('after')) git(dir, ['gc', '-q']);
    progress(`measuring ${phase}, median of ${repeat}`);
    const disk = await measure('files on disk: RegistryReader over mlruns/', repeat, () => fromFiles(new FsTreeReader(mlruns)));
    // Slow (about 10 s) and its own object cache is fresh each time: measured once.
    const gitTree = await measure('files in git: RegistryReader over the tracking commit (once)', 1, () => fromFiles(new GitTreeReader(new ObjectReader(repo.gitdir), mlrunsTree, 'mltrack')), { warmUp: false });
    const names = await measure('tags, names only: for-each-ref --merged + state', repeat, async () => fromTagState(registryStateFromTags(await registryTagNamesAt(repo, tip))));
    const annotated = await measure('tags with annotations: readRegistryTags + state', repeat, async () => fromTagState(registryStateFromTags(await readRegistryTags(repo))));
    const agree = await measure('verify hook: checkTagsAgree (files in git vs tags)', repeat, () => checkTagsAgree(repo, 'mltrack'));
    const forEachRef = await measure('baseline: git for-each-ref refs/tags/mltrack/ alone', repeat, () => git(dir, ['for-each-ref', '--format=%(refname)', 'refs/tags/mltrack/']).length);
    const cat = await measure('baseline: cat every version meta.yaml', repeat, () => execFileSync('sh', ['-c', 'find mlruns/models -path "*/version-*/meta.yaml" -exec cat {} + | wc -c'], { cwd: dir, encoding: 'utf8' }));
    const agreeing = sameState(disk.result, gitTree.result) && sameState(disk.result, names.result) && sameState(disk.result, annotated.result) && agree.result.length === 0;
    results.push(agreeing);
    const fileBase = cat.ms;
    const tagBase = forEachRef.ms;
    rows.push(
      [`**${phase}**`, '', '', ''],
      [disk.label, fmtMs(disk.ms), 'cat', fmtRatio(disk.ms / fileBase)],
      [gitTree.label, fmtMs(gitTree.ms), 'cat', fmtRatio(gitTree.ms / fileBase)],
      [names.label, fmtMs(names.ms), 'for-each-ref', fmtRatio(names.ms / tagBase)],
      [annotated.label, fmtMs(annotated.ms), 'for-each-ref', fmtRatio(annotated.ms / tagBase)],
      [agree.label, fmtMs(agree.ms), '', ''],
      [forEachRef.label, fmtMs(forEachRef.ms), '', ''],
      [cat.label, fmtMs(cat.ms), '', ''],
    );
  }
  printTable(
    `Registry state of ${fmtInt(models)} models x ${versions} versions (${fmtInt(models * versions)} versions, ${fmtInt(tagCount)} tags), median of ${repeat}`,
    ['method', 'time', 'baseline', 'ratio'],
    rows,
  );
  console.log(`Every method derives the same state (model -> version -> stage), and checkTagsAgree reports nothing: ${results.every(Boolean) ? 'yes' : 'NO'}.`);
  console.log('Tags: one registration tag per version, one stage tag per stage assignment (Staging, Production, Archived for old versions).');
}
