/**
 * The GitHub integration as files (`mltrack init --github`): a workflow that comments `mltrack review`
 * on pull requests against the tracking branch and runs `mltrack verify` as a check, one that tags
 * merged registry changes and publishes the site on every push to it, and a CODEOWNERS example that
 * puts each model's directory under its owners' review. Templates live in `templates/github/`.
 *
 * GitHub runs a pull request's workflows from its base branch, so the files must be on the tracking
 * branch: `commitGithubFiles` writes them (and a `.mltrack.yml` with the gates) onto its root tree
 * with plumbing, next to `mlruns/`, without touching the user's checkout.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { fail } from '../format/errors.js';
import { ObjectReader } from '../git/objectStore.js';
import { formatCommit, writeObject } from '../git/objects.js';
import { committerIdentity, compareAndSwapRef, resolveRef, type GitRepo } from '../git/repo.js';
import { branchRef, MLRUNS_PATH } from '../git/trackingLayout.js';
import type { Gates } from './gates.js';
import { setTreePath } from './treeEdit.js';

const TEMPLATES = fileURLToPath(new URL('../../templates/github/', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

export const REVIEW_WORKFLOW = '.github/workflows/mltrack-review.yml';
export const PUBLISH_WORKFLOW = '.github/workflows/mltrack-publish.yml';
export const CODEOWNERS_EXAMPLE = '.github/CODEOWNERS.example';

export interface GithubFile {
  /** POSIX path from the repository root. */
  path: string;
  content: string;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  } catch {
    return 'latest';
  }
}

function template(name: string): string {
  const path = join(TEMPLATES, name);
  if (!existsSync(path)) throw fail('IO_ERROR', `The GitHub templates are missing from this installation (${path})`);
  return readFileSync(path, 'utf8');
}

/** A CODEOWNERS pattern for a model directory: gitignore-style, so spaces and pattern characters are escaped. */
export function codeownersPattern(model: string): string {
  return `/${MLRUNS_PATH}/models/${model.replace(/[\\ *?[\]!#]/g, (c) => `\\${c}`)}/`;
}

/** The three files, filled in for this tracking branch and these registered models. */
export function githubFiles(options: { branch: string; models?: readonly string[]; version?: string }): GithubFile[] {
  const version = options.version ?? packageVersion();
  const fill = (text: string) => text.replace(/__MLTRACK_BRANCH__/g, options.branch).replace(/__MLTRACK_VERSION__/g, version);
  const models = [...(options.models ?? [])].sort();
  const modelLines = models.length
    ? models.map((m) => `${codeownersPattern(m).padEnd(26)} @your-org/${m.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}-owners`).join('\n')
    : `${codeownersPattern('churn-model').padEnd(26)} @your-org/churn-owners`;
  return [
    { path: REVIEW_WORKFLOW, content: fill(template('mltrack-review.yml')) },
    { path: PUBLISH_WORKFLOW, content: fill(template('mltrack-publish.yml')) },
    { path: CODEOWNERS_EXAMPLE, content: fill(template('CODEOWNERS.example')).replace('__MLTRACK_MODEL_LINES__', modelLines) },
  ];
}

/** Write the files under `root`; existing ones are kept unless `force`. */
export function writeGithubFiles(root: string, files: readonly GithubFile[], force = false): { written: string[]; kept: string[] } {
  const written: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const path = join(root, ...file.path.split('/'));
    if (existsSync(path) && !force) {
      kept.push(file.path);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    written.push(file.path);
  }
  return { written, kept };
}

/**
 * The `.mltrack.yml` for the tracking branch's root: what CI needs when it checks the branch out
 * (the tree is always `mlruns/` there) and the gates reviews and verify apply.
 */
export function trackingConfigText(branch: string, gates: Gates): string {
  const data: Record<string, unknown> = { mlruns: MLRUNS_PATH, branch };
  if (Object.keys(gates).length) data.gates = Object.fromEntries(Object.entries(gates).map(([stage, rules]) => [stage, [...rules]]));
  return (
    '# mltrack settings on the tracking branch, for CI (written by mltrack init --github --commit).\n' +
    '# Gates: a version must pass its stage\'s rules (MLflow filter grammar) to be in that stage.\n' +
    stringify(data)
  );
}

/**
 * Commit `files` onto the root of the tracking branch (created as an orphan when it does not exist
 * yet), leaving `mlruns/` and every other entry as it is. Returns null when the branch already holds
 * exactly these files.
 */
export async function commitGithubFiles(repo: GitRepo, branch: string, files: readonly GithubFile[]): Promise<{ commit: string; parent: string | null } | null> {
  const objects = new ObjectReader(repo.gitdir);
  const ref = branchRef(branch);
  for (let attempt = 0; attempt < 10; attempt++) {
    const parent = await resolveRef(repo, ref);
    const oldRoot = parent ? (await objects.commit(parent)).tree : null;
    let root = oldRoot;
    for (const file of files) {
      const blob = writeObject(repo.gitdir, 'blob', Buffer.from(file.content));
      root = await setTreePath(objects, repo.gitdir, root, file.path.split('/'), { mode: '100644', oid: blob });
    }
    if (root === oldRoot) return null;
    const who = committerIdentity(repo.workdir ?? repo.gitdir);
    const message = `mltrack: GitHub workflows for registry review and publishing\n\n${files.map((f) => `- ${f.path}`).join('\n')}\n`;
    const commit = writeObject(repo.gitdir, 'commit', formatCommit({ tree: root!, parents: parent ? [parent] : [], author: who, committer: who, message }));
    if (await compareAndSwapRef(repo, ref, commit, parent, 'mltrack init --github')) return { commit, parent };
  }
  throw fail('INVALID_STATE', `Could not move ${ref}: it kept changing`);
}
