/**
 * Everything mltrack's readers show of an mlruns tree, as one plain object, so two trees can be
 * compared field by field. Artifact locations are left out (each tree points at its own folder;
 * the files themselves are compared by size and content), and paths under the tree's own root in
 * registry sources are written `<mlruns>/...`, so sources that followed their run compare equal.
 */
import { createHash } from 'node:crypto';
import { pathToFileUri } from '../../src/format/fileUri.js';
import { FileStore } from '../../src/store/FileStore.js';
import { FsTreeReader } from '../../src/store/FsTreeReader.js';
import { LoggedModelReader } from '../../src/store/LoggedModelReader.js';
import { MlrunsReader } from '../../src/store/MlrunsReader.js';
import { RegistryReader } from '../../src/store/RegistryReader.js';

const step = (s: number | bigint) => String(s);

export async function readWholeTree(mlruns: string, options: { omitRunFields?: string[] } = {}): Promise<Record<string, unknown>> {
  const store = new FileStore(mlruns);
    const reader = new FsTreeReader(mlruns);
  const models = new LoggedModelReader(reader);
  const registry = new RegistryReader(reader);
  const local = (uri: string | null) => uri?.replace(pathToFileUri(mlruns), '<mlruns>') ?? null;
  const out: Record<string, unknown> = {};
  const experiments = (await store.searchExperiments({ viewType: 'ALL', maxResults: 50000 })).items;
  out.experiments = experiments.map(({ artifactLocation: _a, ...e }) => e).sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1));
  const runs: Record<string, unknown> = {};
  for (const e of experiments) {
    for (const run of (await store.searchRuns({ experimentIds: [e.experimentId], viewType: 'ALL', maxResults: 50000 })).items) {
      const id = run.info.runId;
      const { artifactUri: _u, ...info } = run.info;
      const history: Record<string, unknown> = {};
      for (const key of Object.keys(run.data.metrics)) history[key] = (await store.getMetricHistory(id, key)).map((m) => ({ ...m, step: step(m.step) }));
      for (const field of options.omitRunFields ?? []) delete (info as Record<string, unknown>)[field];
      const artifacts = [];
      for (const a of await store.listArtifacts(id, '', { recursive: true })) {
        artifacts.push({ ...a, sha1: a.isDir ? null : createHash('sha1').update(await store.readArtifact(id, a.path)).digest('hex') });
      }
      const { dir } = (await new MlrunsReader(reader).findRun(id))!;
      runs[id] = {
        info, params: run.data.params, tags: run.data.tags,
        latest: Object.fromEntries(Object.entries(run.data.metrics).map(([k, m]) => [k, { ...m, step: step(m.step) }])),
        history, inputs: await store.getDatasetInputs(id), artifacts,
        modelOutputs: (await models.runOutputs(dir)).map((o) => ({ ...o, step: step(o.step) })), modelInputs: await models.runModelInputs(dir),
      };
    }
  }
  out.runs = runs;
  const loggedModels: Record<string, unknown> = {};
  for (const loc of await models.listAllLoggedModels()) {
    const { artifactLocation: _l, metrics, ...m } = loc.model;
    loggedModels[m.modelId] = { ...m, metrics: Object.values(metrics).flat().map((x) => ({ ...x, step: step(x.step) })), artifacts: await models.listArtifacts(loc) };
  }
  out.loggedModels = loggedModels;
  out.registeredModels = (await registry.listRegisteredModels()).map((m) => ({ ...m, latestVersions: m.latestVersions.map((v) => ({ version: v.version, stage: v.currentStage })) }));
  out.modelVersions = (await registry.listModelVersions()).map((v) => ({ ...v, source: local(v.source), storageLocation: local(v.storageLocation ?? null) }));
  return out;
}
