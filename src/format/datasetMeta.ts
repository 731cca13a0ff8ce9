/** Dataset records and run input edges (spec 4.6). */
import type { Dataset } from './entities.js';
import { md5Hex } from './md5.js';
import { dumpYaml, YamlFields } from './yaml.js';

/** `<experiment>/datasets/<md5(name + digest)>/`. */
export function datasetId(name: string, digest: string): string {
  return md5Hex(name + digest);
}

/** `<run>/inputs/<md5(dataset_id + run_id)>/`. */
export function inputId(sourceId: string, runId: string): string {
  return md5Hex(sourceId + runId);
}

export function formatDatasetMeta(dataset: Dataset): string {
  return dumpYaml({
    digest: dataset.digest,
    name: dataset.name,
    profile: dataset.profile,
    schema: dataset.schema,
    source: dataset.source,
    source_type: dataset.sourceType,
  });
}

export function parseDatasetMeta(text: string, where: string): Dataset {
  const f = YamlFields.parse(text, where);
  return {
    name: f.requiredString('name'),
    digest: f.requiredString('digest'),
    sourceType: f.requiredString('source_type'),
    source: f.requiredString('source'),
    schema: f.string('schema') ?? null,
    profile: f.string('profile') ?? null,
  };
}

export type InputSourceType = 'DATASET' | 'MODEL' | 'RUN';

export interface InputEdge {
  sourceId: string;
  sourceType: InputSourceType | string;
  destinationId: string;
  destinationType: string;
  tags: Record<string, string>;
}

/** MLflow writes destination_id equal to source_id (a known quirk); we write the same so trees stay identical. */
export function formatInputMeta(edge: Pick<InputEdge, 'sourceId' | 'sourceType' | 'tags'>): string {
  return dumpYaml({
    destination_id: edge.sourceId,
    destination_type: 'RUN',
    source_id: edge.sourceId,
    source_type: edge.sourceType,
    tags: edge.tags,
  });
}

export function parseInputMeta(text: string, where: string): InputEdge {
  const f = YamlFields.parse(text, where);
  return {
    sourceId: f.requiredString('source_id'),
    sourceType: f.requiredString('source_type'),
    destinationId: f.string('destination_id') ?? '',
    destinationType: f.string('destination_type') ?? '',
    tags: f.stringMap('tags'),
  };
}
