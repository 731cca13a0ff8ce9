/** The not-materialised rule (spec/git-layout.md): a commit records a removal only when a user command made it. */
import { describe, expect, it } from 'vitest';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { RegistryStore } from '../../src/store/RegistryStore.js';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

function committedRuns(dir: string, env: NodeJS.ProcessEnv): string[] {
  return git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack', 'mlruns')
    .split('\n')
    .filter((p) => /^mlruns\/(\.trash\/)?[^/]+\/[0-9a-f]{32}\/meta\.yaml$/.test(p))
    .map((p) => p.split('/').slice(-2, -1)[0]!)
    .sort();
}

describe('folders missing from mlruns/', () => {
  it('are kept unless deleted and gc-ed; moving an experiment to .trash is recorded', async () => {
    const home = tempDir();
    const env = isolatedEnv(home);
    const dir = join(home, 'repo');
    git(home, env, 'init', '-q', dir);
    const store = new FileStore(join(dir, 'mlruns'));
    const exp = await store.createExperiment('other');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.createRun({ experimentId: '0', userId: 'u', runName: `r${i}` })).info.runId);
    const inOther = (await store.createRun({ experimentId: exp, userId: 'u', runName: 'o' })).info.runId;
    const commit = () => expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    commit();
    expect(committedRuns(dir, env)).toEqual([...ids, inOther].sort());

    // A run folder and a whole experiment vanish from disk without any command: kept.
    rmSync(join(dir, 'mlruns', '0', ids[0]!), { recursive: true });
    rmSync(join(dir, 'mlruns', exp), { recursive: true });
    const r = spawnCli(['commit'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing to commit/);
    expect(committedRuns(dir, env)).toEqual([...ids, inOther].sort());

    // delete, commit, gc: recorded. delete and gc with no commit between: kept (nothing lost).
    await store.deleteRun(ids[1]!);
    commit();
    await store.deleteRun(ids[2]!);
    expect(spawnCli(['gc'], { cwd: dir, env }).code).toBe(0);
    commit();
    expect(committedRuns(dir, env)).toEqual([ids[0]!, ids[2]!, ids[3]!, inOther].sort());

    // An experiment moved into .trash/ is a recorded move, not a loss.
    const third = await store.createExperiment('third');
    const inThird = (await store.createRun({ experimentId: third, userId: 'u', runName: 't' })).info.runId;
    commit();
    await store.deleteExperiment(third);
    commit();
    expect(git(dir, env, 'ls-tree', '--name-only', 'mltrack', 'mlruns/.trash/')).toContain(third);
    expect(git(dir, env, 'ls-tree', '--name-only', 'mltrack', 'mlruns/')).not.toMatch(new RegExp(`^mlruns/${third}$`, 'm'));
    expect(committedRuns(dir, env)).toContain(inThird);
    renameSync(join(dir, 'mlruns', '.trash', third), join(home, 'elsewhere'));
    // gone from .trash/: a deleted experiment removed for good is recorded.
    commit();
    expect(committedRuns(dir, env)).not.toContain(inThird);
  }, 120_000);
});

describe('registry folders missing from mlruns/models/', () => {
  it('version folders and model meta.yaml are kept; a deleted model and a removed alias are recorded', async () => {
    const home = tempDir();
    const env = isolatedEnv(home);
    const dir = join(home, 'repo');
    git(home, env, 'init', '-q', dir);
    const mlruns = join(dir, 'mlruns');
    const store = new FileStore(mlruns);
    const registry = new RegistryStore(mlruns);
    const run = (await store.createRun({ experimentId: '0', userId: 'u', runName: 'r' })).info.runId;
    for (const name of ['churn', 'gone', 'old']) {
      await registry.createRegisteredModel(name);
      for (let i = 0; i < 2; i++) await registry.createModelVersion(name, { source: `runs:/${run}/model`, runId: run });
    }
    await registry.setAlias('churn', 'champion', 2);
    const committed = () => git(dir, env, 'ls-tree', '-r', '--name-only', 'mltrack', 'mlruns/models').split('\n').sort();
    const commit = () => spawnCli(['commit'], { cwd: dir, env });
    expect(commit().code).toBe(0);
    const all = committed();
    expect(all).toContain('mlruns/models/churn/version-1/meta.yaml');

    // A version folder and a model's meta.yaml vanish without a command (a pull that never wrote them): kept.
    rmSync(join(mlruns, 'models', 'churn', 'version-1'), { recursive: true });
    rmSync(join(mlruns, 'models', 'old', 'meta.yaml'));
    expect(commit().stdout).toMatch(/nothing to commit/);
    expect(committed()).toEqual(all);

    // What registry commands remove is recorded: a model deleted, an alias removed.
    await registry.deleteRegisteredModel('gone');
    await registry.deleteAlias('churn', 'champion');
    expect(commit().code).toBe(0);
    const after = committed();
    expect(after.filter((p) => p.startsWith('mlruns/models/gone/'))).toEqual([]);
    expect(after).not.toContain('mlruns/models/churn/aliases/champion');
    expect(after).toContain('mlruns/models/churn/version-1/meta.yaml');
    expect(after).toContain('mlruns/models/old/meta.yaml');
  }, 120_000);
});
