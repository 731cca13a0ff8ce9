/**
 * `mltrack models transition NAME VERSION STAGE --propose [BRANCH]`: the stage change as a commit on a
 * new branch off the tracking branch, for a pull request against it. Nothing the user has checked
 * out is touched (HEAD, index, work tree, mlruns/), nor the tracking branch itself: the model's
 * directory is copied from the branch tip into a temporary mlruns tree, changed there by the
 * registry store (so MLflow's rules, archive_existing_versions included, apply unchanged), hashed
 * back, and spliced into the tip's tree. No registry tags are made: they come when the change lands
 * on the tracking branch (`mltrack tags sync` after the merge).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { fail, isMltrackError } from '../format/errors.js';
import { MODELS_DIR } from '../format/layout.js';
import { canonicalStage } from '../format/registryMeta.js';
import { encodeModelName } from '../format/registryTags.js';
import { REASON_TAG } from '../git/registryTags.js';
import { ObjectReader } from '../git/objectStore.js';
import { formatCommit, formatTree, writeObject } from '../git/objects.js';
import { committerIdentity, compareAndSwapRef, git, resolveRef, type GitRepo } from '../git/repo.js';
import { branchRef, MLRUNS_PATH } from '../git/trackingLayout.js';
import type { ModelVersion } from '../store/RegistryReader.js';
import { RegistryStore } from '../store/RegistryStore.js';
import { hashDirectory, setTreePath, writeTreeTo } from './treeEdit.js';

export interface ProposeOptions {
  repo: GitRepo;
  /** The tracking branch the proposal starts from, and the base of the pull request. */
  trackingBranch: string;
  remote: string;
  model: string;
  version: number;
  stage: string;
  archiveExisting?: boolean;
  /** Kept as the version tag mltrack.reason, as `transition --reason` does. */
  reason?: string | null;
  /** Default: `mltrack-propose/<model>-v<version>-<stage>`. */
  branch?: string;
  /** Push the new branch to `remote` (default true). */
  push?: boolean;
  clock?: () => number;
}

export interface ProposedChange {
  version: number;
  from: string | null;
  to: string;
}

export interface ProposeResult {
  branch: string;
  /** The tracking-branch commit the proposal starts from. */
  base: string;
  commit: string;
  changes: ProposedChange[];
  versions: ModelVersion[];
  pushed: boolean;
  remote: string;
  /** A `gh pr create` line that opens the pull request. */
  prCommand: string;
}

/** `mltrack-propose/<encoded model>-v<N>-<stage>`: a legal branch name for any model name. */
export function defaultProposalBranch(model: string, version: number, stage: string): string {
  return `mltrack-propose/${encodeModelName(model)}-v${version}-${canonicalStage(stage).toLowerCase()}`;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./%:@=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

async function checkBranchName(repo: GitRepo, branch: string): Promise<void> {
  try {
    await git(repo, ['check-ref-format', '--branch', branch]);
  } catch {
    throw fail('INVALID_ARGUMENT', `'${branch}' is not a valid git branch name`, { branch });
  }
}

function trailerValue(name: string): string {
  return /^[\x20-\x7e\u00a0-\uffff]*$/u.test(name) ? name : JSON.stringify(name);
}

export async function proposeTransition(options: ProposeOptions): Promise<ProposeResult> {
  const { repo, model, version } = options;
  const stage = canonicalStage(options.stage);
  const branch = options.branch ?? defaultProposalBranch(model, version, stage);
  await checkBranchName(repo, branch);
  if (branchRef(branch) === branchRef(options.trackingBranch)) {
    throw fail('INVALID_ARGUMENT', `--propose needs a branch other than the tracking branch '${options.trackingBranch}' (without --propose the change is made on it directly)`);
  }
  const ref = branchRef(branch);
  if (await resolveRef(repo, ref)) {
    throw fail('ALREADY_EXISTS', `Branch '${branch}' already exists: name another one (--propose <branch>) or delete it (git branch -D ${shellQuote(branch)})`, { branch });
  }
  const base = await resolveRef(repo, branchRef(options.trackingBranch));
  if (!base) {
    throw fail('NOT_FOUND', `The tracking branch '${options.trackingBranch}' has no commits: register the model, then mltrack commit (and push) before proposing a change`, { branch: options.trackingBranch });
  }

  const objects = new ObjectReader(repo.gitdir);
  const rootTree = (await objects.commit(base)).tree;
  const rootEntries = await objects.tree(rootTree);
  const mlrunsTree = rootEntries.find((e) => e.name === MLRUNS_PATH && e.mode === '40000')?.oid ?? null;
  const modelEntry = mlrunsTree ? await objects.entry(mlrunsTree, `${MODELS_DIR}/${model}`) : null;
  if (!modelEntry || modelEntry.mode !== '40000') {
    throw fail('NOT_FOUND', `Registered Model with name=${model} not found on the tracking branch '${options.trackingBranch}' (commit and push its registration first)`, { name: model });
  }

  const temp = mkdtempSync(join(tmpdir(), 'mltrack-propose-'));
  try {
    const modelDir = join(temp, MODELS_DIR, model);
    await writeTreeTo(objects, modelEntry.oid, modelDir, `${MLRUNS_PATH}/${MODELS_DIR}/${model}`);
    const store = new RegistryStore(temp, { clock: options.clock });
    const before = new Map<number, string | null>();
    let changed: ModelVersion[];
    try {
      for (const mv of await store.reader.listModelVersions(model)) before.set(mv.version, mv.currentStage);
      if (options.reason) await store.setModelVersionTag(model, version, REASON_TAG, options.reason);
      changed = await store.transitionModelVersionStage(model, version, stage, Boolean(options.archiveExisting));
    } catch (err) {
      if (isMltrackError(err) && err.code === 'NOT_FOUND') throw fail('NOT_FOUND', `${err.message} on the tracking branch '${options.trackingBranch}' (commit and push it first)`, err.data);
      throw err;
    }
    const newModel = hashDirectory(repo.gitdir, modelDir);
    const newMlruns = await setTreePath(objects, repo.gitdir, mlrunsTree, [MODELS_DIR, model], newModel ? { mode: '40000', oid: newModel } : null);
    const newRoot = writeObject(repo.gitdir, 'tree', formatTree([...rootEntries.filter((e) => e.name !== MLRUNS_PATH), ...(newMlruns ? [{ mode: '40000', name: MLRUNS_PATH, oid: newMlruns }] : [])]));

    const changes = changed.map((mv) => ({ version: mv.version, from: before.get(mv.version) ?? null, to: mv.currentStage as string }));
    const title = `mltrack: propose ${model} v${version} → ${stage}`;
    const body = changes.map((c) => `- ${model} v${c.version}: ${c.from ?? 'no stage'} → ${c.to}`);
    if (options.reason) body.push('', `Reason: ${options.reason}`);
    const message = [title, '', ...body, '', `Mltrack-Model: ${trailerValue(model)}`].join('\n') + '\n';
    const who = committerIdentity(repo.workdir ?? repo.gitdir);
    const commit = writeObject(repo.gitdir, 'commit', formatCommit({ tree: newRoot, parents: [base], author: who, committer: who, message }));
    if (!(await compareAndSwapRef(repo, ref, commit, null, `mltrack: propose ${model} v${version} ${stage}`))) {
      throw fail('ALREADY_EXISTS', `Branch '${branch}' was created by someone else meanwhile`, { branch });
    }

    let pushed = false;
    if (options.push ?? true) {
      try {
        await simpleGit({ baseDir: repo.workdir ?? repo.gitdir, config: [] }).push(options.remote, `${ref}:${ref}`);
        pushed = true;
      } catch (err) {
        throw fail('PUSH_REJECTED', `Made branch '${branch}' (${commit.slice(0, 10)}) but git push ${options.remote} failed: ${(err as Error).message.trim().split('\n').pop()}; push it yourself: git push ${options.remote} ${shellQuote(branch)}`, { branch, commit });
      }
    }
    const prTitle = `Move ${model} v${version} to ${stage}`;
    const prCommand =
      `gh pr create --base ${shellQuote(options.trackingBranch)} --head ${shellQuote(branch)} --title ${shellQuote(prTitle)} ` +
      `--body "$(mltrack review ${shellQuote(`${options.remote}/${options.trackingBranch}..${branch}`)})"`;
    return { branch, base, commit, changes, versions: changed, pushed, remote: options.remote, prCommand };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
