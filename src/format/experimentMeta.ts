/** `mlruns/<experiment_id>/meta.yaml` (spec 3.1). */
import type { Experiment, LifecycleStage } from './entities.js';
import { fail } from './errors.js';
import { dumpYaml, YamlFields } from './yaml.js';

/** The stored part of an experiment; tags live in `tags/` files. */
export type ExperimentMeta = Omit<Experiment, 'tags'>;

export function formatExperimentMeta(meta: ExperimentMeta): string {
  return dumpYaml({
    artifact_location: meta.artifactLocation,
    creation_time: meta.creationTime,
    experiment_id: meta.experimentId,
    last_update_time: meta.lastUpdateTime,
    lifecycle_stage: meta.lifecycleStage,
    name: meta.name,
  });
}

export function parseLifecycleStage(value: string | null | undefined, where: string, fallback?: LifecycleStage): LifecycleStage {
  if ((value === undefined || value === null) && fallback) return fallback;
  if (value === 'active' || value === 'deleted') return value;
  throw fail('MALFORMED_META', `${where}: Invalid lifecycle stage '${value}'`, { path: where });
}

/** Read as MLflow does: id, name, artifact_location and lifecycle_stage are required; an int id is cast to str. */
export function parseExperimentMeta(text: string, where: string): ExperimentMeta {
  const f = YamlFields.parse(text, where);
  return {
    experimentId: f.requiredString('experiment_id'),
    name: f.requiredString('name'),
    artifactLocation: f.requiredString('artifact_location'),
    lifecycleStage: parseLifecycleStage(f.string('lifecycle_stage'), where),
    creationTime: f.int('creation_time') ?? null,
    lastUpdateTime: f.int('last_update_time') ?? null,
  };
}
