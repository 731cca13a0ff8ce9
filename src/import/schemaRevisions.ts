/**
 * MLflow's SQL schema revisions (alembic `version_num`), oldest first, from the first 2.x release
 * to the 3.x heads we have read. The importer refuses any other revision: a schema it has not seen
 * may keep data where it does not look, and importing it would lose that silently.
 * Each entry names what the revision adds that the readers depend on.
 */
export interface SchemaRevision {
  revision: string;
  /** What the migration does, as its file name says. */
  change: string;
}

export const MLFLOW_SCHEMA_REVISIONS: readonly SchemaRevision[] = [
  { revision: 'cc1f77228345', change: 'param value length 500 (MLflow 2.0 head)' },
  { revision: '97727af70f4d', change: 'experiments.creation_time and last_update_time' },
  { revision: '3500859a5d39', change: 'registered_model_aliases' },
  { revision: '7f2a7d5fae7d', change: 'datasets, inputs, input_tags' },
  { revision: '2d6e25af4d3e', change: 'param value length 8000' },
  { revision: 'acf3f17fdcc7', change: 'model_versions.storage_location' },
  { revision: '867495a8f9d4', change: 'trace tables' },
  { revision: '5b0e9adcef9c', change: 'cascading deletion of trace tables' },
  { revision: '4465047574b1', change: 'dataset schema size' },
  { revision: 'f5a4f2784254', change: 'run tag value length 8000 (MLflow 2.17)' },
  { revision: '0584bdc529eb', change: 'cascading deletion of datasets from experiments' },
  { revision: '400f98739977', change: 'logged_models and their params, tags, metrics (MLflow 3.0)' },
  { revision: '6953534de441', change: 'inputs.step' },
  { revision: 'bda7b8c39065', change: 'model_version_tags.value TEXT' },
  { revision: 'cbc13b556ace', change: 'trace_info v3 columns' },
  { revision: '770bee3ae1dd', change: 'assessments' },
  { revision: 'a1b2c3d4e5f6', change: 'spans' },
  { revision: 'de4033877273', change: 'entity_associations' },
  { revision: '1a0cddfcaa16', change: 'webhooks and webhook_events' },
  { revision: '534353b11cbc', change: 'scorers' },
  { revision: '71994744cf8e', change: 'evaluation datasets' },
  { revision: '3da73c924c2f', change: 'evaluation dataset record outputs' },
  { revision: 'bf29a5ff90ea', change: 'jobs' },
  // MLflow's own line from here (the 3.6.1.dev0 fixture went from bf29a5ff90ea straight to 1b5f0d9ad7c1,
  // upstream rebased that migration onto these three).
  { revision: '1bd49d398cd23', change: 'secrets tables (AI gateway)' },
  { revision: 'b7c8d9e0f1a2', change: 'trace metrics' },
  { revision: 'c8d9e0f1a2b3', change: 'the revision upstream rebased 1b5f0d9ad7c1 onto' },
  { revision: '1b5f0d9ad7c1', change: 'workspace columns and workspaces table' },
];

const KNOWN = new Map(MLFLOW_SCHEMA_REVISIONS.map((r, i) => [r.revision, i]));

export function isKnownRevision(revision: string): boolean {
  return KNOWN.has(revision);
}

/** True when `revision` is `since` or a later one. */
export function revisionAtLeast(revision: string, since: string): boolean {
  return (KNOWN.get(revision) ?? -1) >= (KNOWN.get(since) ?? Infinity);
}
