/**
 * Promotion gates (spec/config.md, `gates`): per stage, rules a model version must pass to be in that
 * stage. A rule is a filter in MLflow's run search grammar (`metrics.rmse < 7`, `tags.validated =
 * 'true'`, several clauses joined with AND), evaluated against the run the version was registered
 * from. Clauses on `version.<key>` (e.g. `version.tags.approved = 'yes'`) test the version itself,
 * with the model-version search grammar.
 *
 * `evaluateGates` says, rule by rule, what passed and what value was seen; `checkGates` is the hook
 * `mltrack verify` calls: every version currently in a gated stage must pass its stage's rules.
 */
import type { Run } from '../format/entities.js';
import { fail, isMltrackError } from '../format/errors.js';
import { MODELS_DIR, META_FILE, joinPath } from '../format/layout.js';
import { MODEL_STAGES, VERSION_DIR_PREFIX, canonicalStage } from '../format/registryMeta.js';
import { compileModelVersionClause, resolveModelVersionClause, type SearchableModelVersion } from '../format/search/modelFilter.js';
import { parseFilterSyntax, type FilterClause, type SyntaxClause } from '../format/search/parseFilter.js';
import { compileRunClause, DATASET_CONTEXT_TAG, resolveRunClause, runAttributeGetter, translateKeyAlias } from '../format/search/runFilter.js';
import { validateRunId } from '../format/validation.js';
import { MlrunsReader } from '../store/MlrunsReader.js';
import { RegistryReader, type ModelVersion } from '../store/RegistryReader.js';
import type { TreeReader } from '../store/TreeReader.js';
import type { GateProblem } from './registryProblem.js';

export type { GateProblem };

/** Canonical stage (`Staging`, `Production`, ...) -> its rules, as written. */
export type Gates = Readonly<Record<string, readonly string[]>>;

export interface GateResult {
  rule: string;
  passed: boolean;
  /** What was seen, e.g. `metrics.rmse = 6.2`, or why the rule could not pass (`no run`). */
  reason: string;
}


interface CompiledClause {
  /** The clause as written (for reasons). */
  text: string;
  target: 'run' | 'version';
  clause: FilterClause;
  run?: (run: Run) => boolean;
  version?: (mv: SearchableModelVersion) => boolean;
}

const compiled = new Map<string, CompiledClause[]>();

const VERSION_PREFIX = 'version.';

function compileClause(s: SyntaxClause): CompiledClause {
  if (s.identifier.startsWith(VERSION_PREFIX)) {
    const clause = resolveModelVersionClause({ ...s, identifier: s.identifier.slice(VERSION_PREFIX.length) });
    return { text: s.text, target: 'version', clause, version: compileModelVersionClause(clause) };
  }
  const clause = resolveRunClause(s);
  return { text: s.text, target: 'run', clause, run: compileRunClause(clause) };
}

/** A rule's clauses, compiled once. Throws INVALID_FILTER (MLflow's message) when the rule does not parse. */
export function compileGateRule(rule: string): CompiledClause[] {
  let clauses = compiled.get(rule);
  if (!clauses) {
    if (!rule.trim()) throw fail('INVALID_FILTER', 'a gate rule cannot be empty');
    clauses = parseFilterSyntax(rule).map(compileClause);
    compiled.set(rule, clauses);
  }
  return clauses;
}

/**
 * The `gates` section of `.mltrack.yml`: a mapping of stage -> rule or list of rules. Stages are
 * matched case-insensitively (`production` is `Production`); every rule is compiled now, so a rule
 * that does not parse is a CONFIG_ERROR naming it, before anything runs.
 */
export function parseGates(value: unknown, where: string): Gates {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fail('CONFIG_ERROR', `${where}: expected a mapping of stage -> rules, e.g. {Production: ["metrics.rmse < 7"]}`);
  }
  const out: Record<string, string[]> = {};
  for (const [key, rules] of Object.entries(value as Record<string, unknown>)) {
    let stage: string;
    try {
      stage = canonicalStage(key);
    } catch {
      throw fail('CONFIG_ERROR', `${where}: '${key}' is not a stage (one of ${MODEL_STAGES.join(', ')})`, { stage: key });
    }
    const list = typeof rules === 'string' ? [rules] : rules === null ? [] : rules;
    if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) {
      throw fail('CONFIG_ERROR', `${where}.${key}: expected a list of rules (strings in MLflow's filter grammar), e.g. ["metrics.rmse < 7"]`, { stage });
    }
    for (const rule of list as string[]) {
      try {
        compileGateRule(rule);
      } catch (err) {
        if (!isMltrackError(err)) throw err;
        throw fail('CONFIG_ERROR', `${where}.${key}: gate rule ${JSON.stringify(rule)} does not parse: ${err.message}`, { stage, rule });
      }
    }
    out[stage] = [...(out[stage] ?? []), ...(list as string[])];
  }
  return out;
}

/** The rules of one stage (any spelling of it), or none. */
export function gatesFor(gates: Gates, stage: string): readonly string[] {
  try {
    return gates[canonicalStage(stage)] ?? [];
  } catch {
    return [];
  }
}

function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** What a clause looked at, as `metrics.rmse = 6.2` or `tags.validated is not set`. */
function seen(c: CompiledClause, run: Run | null, mv: SearchableModelVersion | null): string {
  const { type, key } = c.clause;
  if (c.target === 'version') {
    if (!mv) return 'no model version';
    if (type === 'tag') return key in mv.tags ? `version.tags.${key} = ${quoted(mv.tags[key]!)}` : `version.tags.${key} is not set`;
    const value = key === 'version_number' ? mv.version : key === 'name' ? mv.name : key === 'run_id' ? mv.runId : mv.source;
    return `version.${key} = ${typeof value === 'string' ? quoted(value) : String(value)}`;
  }
  if (!run) return '';
  switch (type) {
    case 'metric': {
      const m = Object.prototype.hasOwnProperty.call(run.data.metrics, key) ? run.data.metrics[key] : undefined;
      return m ? `metrics.${key} = ${m.value}` : `metrics.${key} is not logged`;
    }
    case 'param':
    case 'tag': {
      const record = type === 'param' ? run.data.params : run.data.tags;
      const prefix = type === 'param' ? 'params' : 'tags';
      return Object.prototype.hasOwnProperty.call(record, key) ? `${prefix}.${key} = ${quoted(record[key]!)}` : `${prefix}.${key} is not set`;
    }
    case 'attribute': {
      const value = runAttributeGetter(key)(run.info);
      return `attributes.${translateKeyAlias(key)} = ${value === null ? 'null' : typeof value === 'string' ? quoted(value) : String(value)}`;
    }
    case 'dataset': {
      const values = run.inputs.map((i) => (key === 'context' ? (i.tags[DATASET_CONTEXT_TAG] ?? '') : key === 'name' ? i.dataset.name : i.dataset.digest));
      return values.length ? `datasets.${key} in (${values.map(quoted).join(', ')})` : 'the run has no dataset inputs';
    }
  }
}

/** A version in the shape the model-version grammar reads. */
function searchable(mv: ModelVersion): SearchableModelVersion {
  return { ...mv, source: mv.source ?? '', currentStage: mv.currentStage ?? '' };
}

/**
 * Each rule of `stage`'s gates, evaluated against `run` (the version's run; null when it has none or
 * it is not in the tree) and, for `version.` clauses, `version`. A rule passes when every clause does.
 */
export function evaluateGates(config: { gates: Gates }, stage: string, run: Run | null, version: ModelVersion | null = null): GateResult[] {
  const mv = version ? searchable(version) : null;
  return gatesFor(config.gates, stage).map((rule) => {
    const clauses = compileGateRule(rule);
    const failed: string[] = [];
    const seenValues: string[] = [];
    for (const c of clauses) {
      let ok: boolean;
      if (c.target === 'run' && !run) {
        ok = false;
        const why = version?.runId ? `run ${version.runId} of version ${version.version} is not in the tree` : version ? `version ${version.version} was not registered from a run (source ${quoted(version.source ?? '')})` : 'no run';
        if (!failed.includes(why)) failed.push(why);
        continue;
      }
      ok = c.target === 'run' ? c.run!(run!) : mv !== null && c.version!(mv);
      const value = seen(c, run, mv);
      seenValues.push(value);
      if (!ok) failed.push(value);
    }
    return { rule, passed: failed.length === 0, reason: (failed.length ? failed : seenValues).join(', ') };
  });
}

/** The run a version was registered from, read from `tree`; null when it has none or the run is missing. */
export async function runOfVersion(tree: TreeReader, mv: { runId: string | null }): Promise<Run | null> {
  if (!mv.runId) return null;
  try {
    validateRunId(mv.runId);
  } catch {
    return null;
  }
  const reader = new MlrunsReader(tree);
  const location = await reader.findRun(mv.runId);
  return location ? reader.readRun(location, location.experimentId) : null;
}

/**
 * The verify hook: every version now in a gated stage must pass each of its stage's rules. One
 * problem per failed rule, at the version's meta.yaml, naming the model, the version and the rule.
 * Registry files that cannot be read are left to verify's other rules.
 */
export async function checkGates(tree: TreeReader, config: { gates: Gates }): Promise<GateProblem[]> {
  const problems: GateProblem[] = [];
  if (!Object.values(config.gates).some((rules) => rules.length > 0)) return problems;
  const registry = new RegistryReader(tree);
  for (const dir of await registry.listRegisteredModelDirs()) {
    let versions: ModelVersion[];
    try {
      versions = await registry.listModelVersions(dir);
    } catch {
      continue;
    }
    for (const mv of versions) {
      if (!mv.currentStage || gatesFor(config.gates, mv.currentStage).length === 0) continue;
      let run: Run | null;
      try {
        run = await runOfVersion(tree, mv);
      } catch {
        run = null;
      }
      for (const result of evaluateGates(config, mv.currentStage, run, mv)) {
        if (result.passed) continue;
        problems.push({
          path: joinPath(MODELS_DIR, dir, `${VERSION_DIR_PREFIX}${mv.version}`, META_FILE),
          rule: `model '${mv.name}' version ${mv.version} is in ${mv.currentStage} but fails the gate ${JSON.stringify(result.rule)} (gates.${mv.currentStage} in .mltrack.yml): ${result.reason}`,
          code: 'GATE_FAILED',
          severity: 'error',
        });
      }
    }
  }
  return problems;
}

