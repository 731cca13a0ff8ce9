import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryStore } from '../../src/store/RegistryStore.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { tempDir } from '../helpers/env.js';

function write(root: string, rel: string, text: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** Spec 14 case 22's tree: model M with version 1 and alias champ -> 1. */
function case22(): string {
  const root = join(tempDir(), 'mlruns');
  write(root, 'models/M/meta.yaml', 'creation_timestamp: 1\nname: M\n');
  write(root, 'models/M/version-1/meta.yaml', "creation_timestamp: 1\ncurrent_stage: None\nname: M\nsource: file:///data/x\nstatus: READY\nversion: 1\n");
  write(root, 'models/M/aliases/champ', '1');
  return root;
}

describe('registry (spec section 14, cases 22 to 24)', () => {
  it('case 22: a basic registry reads as MLflow reports it', async () => {
    const store = new RegistryStore(case22());
    const model = await store.getRegisteredModel('M');
    expect(model.aliases).toEqual({ champ: '1' });
    expect(model.latestVersions.map((v) => [v.version, v.currentStage])).toEqual([[1, 'None']]);
    const v1 = await store.getModelVersion('M', 1);
    expect(v1).toMatchObject({ currentStage: 'None', aliases: ['champ'], source: 'file:///data/x', status: 'READY' });
    expect((await store.getModelVersionByAlias('M', 'champ')).version).toBe(1);
  });

  it('case 23: registry edge cases', async () => {
    const root = case22();
    write(root, 'models/M/aliases/nl', '1\n');
    write(root, 'models/M/version-2/meta.yaml', 'creation_timestamp: 1\ncurrent_stage: Deleted_Internal\nname: M\nversion: 2\n');
    write(root, 'models/M/version-3/meta.yaml', 'creation_timestamp: 1\ncurrent_stage: production\nname: M\nversion: 3\n');
    write(root, 'models/M/v9/meta.yaml', 'creation_timestamp: 1\ncurrent_stage: None\nname: M\nversion: 9\n');
    const store = new RegistryStore(root);
    const model = await store.getRegisteredModel('M');
    expect(model.aliases.nl).toBe('1\n');
    expect((await store.getModelVersion('M', 1)).aliases).toEqual(['champ']);
    await expect(store.getModelVersion('M', 2)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Model Version (name=M, version=2) not found' });
    expect((await store.searchModelVersions()).items.map((v) => v.version).sort()).toEqual([1, 3]);
    expect(model.latestVersions.map((v) => v.version)).toEqual([1]); // 'production' is not canonical: not listed
    // The next version skips every existing directory, deleted ones included.
    expect((await store.createModelVersion('M', { source: 'file:///data/y' })).version).toBe(4);
  });

  it('case 24: archive_existing_versions', async () => {
    const root = join(tempDir(), 'mlruns');
    let now = 1000;
    const store = new RegistryStore(root, { clock: () => now++ });
    await store.createRegisteredModel('M');
    await store.createModelVersion('M', { source: 'file:///a' });
    await store.createModelVersion('M', { source: 'file:///b' });
    await store.transitionModelVersionStage('M', 1, 'production');
    const changed = await store.transitionModelVersionStage('M', 2, 'Production', true);
    expect(changed.map((v) => [v.version, v.currentStage])).toEqual([[2, 'Production'], [1, 'Archived']]);
    expect(changed[0]!.lastUpdatedTimestamp).toBe(changed[1]!.lastUpdatedTimestamp);
    const latest = await store.getLatestVersions('M');
    expect(Object.fromEntries(latest.map((v) => [v.currentStage, v.version]))).toEqual({ Archived: 1, Production: 2 });
    await expect(store.transitionModelVersionStage('M', 2, 'Archived', true)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.transitionModelVersionStage('M', 2, 'Shipped')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('writes a registry MLflow reads: ints, canonical stages, alias files without newline', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new RegistryStore(root);
    await store.createRegisteredModel('churn model', { description: 'gbm', tags: { team: 'growth' } });
    const v = await store.createModelVersion('churn model', { source: 'runs:/0123456789abcdef0123456789abcdef/model', tags: { validated: 'true' } });
    expect(v.runId).toBe('0123456789abcdef0123456789abcdef');
    await store.setAlias('churn model', 'champion', 1);
    await store.transitionModelVersionStage('churn model', 1, 'Staging');
    expect(readFileSync(join(root, 'models', 'churn model', 'aliases', 'champion'), 'utf8')).toBe('1');
    const meta = readFileSync(join(root, 'models', 'churn model', 'version-1', 'meta.yaml'), 'utf8');
    expect(meta).toMatch(/^version: 1$/m);
    expect(meta).toMatch(/^current_stage: Staging$/m);
    expect(meta).toMatch(/^status: READY$/m);
    await store.renameRegisteredModel('churn model', 'churn');
    const renamed = await store.getRegisteredModel('churn');
    expect(renamed).toMatchObject({ tags: { team: 'growth' }, aliases: { champion: '1' }, description: 'gbm' });
    await store.deleteModelVersion('churn', 1);
    expect((await store.getRegisteredModel('churn')).aliases).toEqual({});
    expect(checkMlruns(root).output).not.toMatch(/models\//);
  });

  it('refuses names that cannot be a directory, before writing anything', async () => {
    const root = join(tempDir(), 'mlruns');
    const store = new RegistryStore(root);
    for (const bad of ['', 'a/b', '..', 'x%y', 'a:b']) {
      await expect(store.createRegisteredModel(bad)).rejects.toMatchObject({ code: 'INVALID_NAME' });
    }
    await expect(store.setAlias('nope', 'latest', 1)).rejects.toMatchObject({ code: 'INVALID_NAME' });
  });
});
