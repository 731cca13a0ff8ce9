/**
 * No secret leaves unasked: an untracked `.env`, a token in the remote URL and `--api-key=…` on the
 * command line reach no git object (local or pushed) and no file of mlruns/, with the default
 * settings and with untracked files and the command line both asked for.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

const ENV_SECRET = 'ENVFILESECRET8812';
const URL_TOKEN = 'URLTOKENSECRET4471';
const API_KEY = 'SECRETVALUE';

/** Every object in the repository's object database (reachable or not), as raw bytes. */
function allObjects(gitDir: string, env: NodeJS.ProcessEnv): Buffer {
  return execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], { env, maxBuffer: 256 * 1024 * 1024 });
}

function reachableObjects(gitDir: string, env: NodeJS.ProcessEnv): string[] {
  return execFileSync('git', ['--git-dir', gitDir, 'rev-list', '--all', '--objects'], { env, encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.split(' ')[0]!);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

function tagsOf(dir: string, env: NodeJS.ProcessEnv, runId: string): Record<string, string> {
  const run = JSON.parse(spawnCli(['runs', 'show', runId, '--json'], { cwd: dir, env }).stdout).run;
  return Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
}

describe('secrets stay local', () => {
  it('an untracked .env, a token in the remote URL and --api-key on the command line appear in no object and no mlruns file', () => {
    const dir = tempDir();
    const env = isolatedEnv(tempDir());
    const bare = join(tempDir(), 'remote.git');
    git(dir, env, 'init', '-q');
    git(dir, env, 'init', '-q', '--bare', bare);
    // The URL recorded in tags carries a token; pushes go to a local bare repository.
    git(dir, env, 'remote', 'add', 'origin', `https://ci-user:${URL_TOKEN}@git.example.com/team/project.git`);
    git(dir, env, 'remote', 'set-url', '--push', 'origin', bare);
    writeFileSync(join(dir, '.gitignore'), 'mlruns/\n');
    writeFileSync(join(dir, 'train.mjs'), "console.log('training');\n");
    git(dir, env, 'add', '.');
    git(dir, env, 'commit', '-qm', 'code');
    // A dirty work tree: a tracked change, an untracked helper and an untracked .env with a key.
    writeFileSync(join(dir, 'train.mjs'), "console.log('training, tweaked');\n");
    writeFileSync(join(dir, 'helper.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, '.env'), `AWS_SECRET_ACCESS_KEY=${ENV_SECRET}\n`);

    // Default settings.
    const first = spawnCli(['run', '-q', '--', 'node', 'train.mjs', `--api-key=${API_KEY}`, '--token', API_KEY], { cwd: dir, env });
    expect(first.code).toBe(0);
    const firstId = readdirSync(join(dir, 'mlruns', '0')).find((n) => n !== 'meta.yaml')!;
    const t1 = tagsOf(dir, env, firstId);
    expect(t1['mlflow.source.name']).toBe('train.mjs');
    expect(t1['mlflow.source.git.repoURL']).toBe('https://git.example.com/team/project.git');
    expect(t1['mltrack.source.command']).toBeUndefined();
    expect(first.stderr).toContain('2 untracked file(s) left out');
    const snap1 = t1['mltrack.source.snapshot']!;
    expect(git(dir, env, 'ls-tree', '--name-only', snap1).split('\n').sort()).toEqual(['.gitignore', 'train.mjs']);

    // Untracked files and the command line asked for: .env stays out by the deny list, the key is redacted.
    writeFileSync(join(dir, '.mltrack.yml'), 'source_snapshot:\n  untracked: true\nrecord_command_line: true\n');
    const second = spawnCli(['run', '-q', '--', 'node', 'train.mjs', `--api-key=${API_KEY}`, '--token', API_KEY, `PASSWORD=${API_KEY}`], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('source snapshot: left out .env (deny list: .env*)');
    expect(second.stderr).toContain('source snapshot: took untracked file helper.mjs');
    const secondId = readdirSync(join(dir, 'mlruns', '0')).find((n) => n !== 'meta.yaml' && n !== firstId)!;
    const t2 = tagsOf(dir, env, secondId);
    expect(t2['mltrack.source.command']).toBe("node train.mjs '--api-key=***' --token '***' 'PASSWORD=***'");
    expect(git(dir, env, 'ls-tree', '--name-only', t2['mltrack.source.snapshot']!).split('\n').sort()).toEqual(['.gitignore', '.mltrack.yml', 'helper.mjs', 'train.mjs']);

    // start-run from the same tree, then commit and push everything.
    expect(spawnCli(['start-run'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    const pushed = spawnCli(['push'], { cwd: dir, env });
    expect(pushed.code, pushed.stderr).toBe(0);

    for (const gitDir of [join(dir, '.git'), bare]) {
      const reachable = reachableObjects(gitDir, env);
      expect(reachable.length).toBeGreaterThan(10);
      const objects = allObjects(gitDir, env);
      for (const oid of reachable) expect(objects.includes(oid)).toBe(true);
      // The scan sees contents: the snapshots' code is there.
      expect(objects.includes("training, tweaked")).toBe(true);
      expect(objects.includes('export const x = 1;')).toBe(true);
      for (const secret of [ENV_SECRET, URL_TOKEN, API_KEY]) expect(objects.includes(secret), `${secret} in ${gitDir}`).toBe(false);
    }
    const mlrunsFiles = filesUnder(join(dir, 'mlruns'));
    expect(mlrunsFiles.length).toBeGreaterThan(10);
    for (const file of mlrunsFiles) {
      const bytes = readFileSync(file);
      for (const secret of [ENV_SECRET, URL_TOKEN, API_KEY]) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });
});
