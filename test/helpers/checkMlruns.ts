/**
 * An independent checker of mlruns trees: MLflow's writer profile (spec §13) and type rules, read
 * the way MLflow's FileStore reads them (YAML 1.1 as PyYAML resolves it, Python's int/float and
 * splitlines), with the `yaml` package instead of mltrack's own reader, so a test never checks our
 * writer with our reader. Every tree a test writes should pass it.
 *
 * Trees written by MLflow 3.x fail it on purpose: they lack `run_uuid`, which MLflow 2.x needs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Node } from 'yaml';

const RUN_KEYS = ['artifact_uri', 'end_time', 'entry_point_name', 'experiment_id', 'lifecycle_stage', 'run_id', 'run_name',
  'run_uuid', 'source_name', 'source_type', 'source_version', 'start_time', 'status', 'tags', 'user_id'];
// Python's `\w` on str: letters, numbers and the underscore of any script.
const KEY_RE = /^[/\p{L}\p{N}_.\- :]*$/u;
const ID_RE = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,63}$/u;
const EXPERIMENT_SUBDIRS = new Set(['tags', 'datasets', 'traces', 'models']);
// str.splitlines() breaks lines at all of these.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
// int() and float() of a stripped str (underscores between digits allowed, as Python does).
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_INT = new RegExp(`^[+-]?${DIGITS}$`);
const PY_FLOAT = new RegExp(
  String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`,
  'i',
);

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) || typeof v === 'bigint';
const isString = (v: unknown): v is string => typeof v === 'string';
const repr = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));
const kind = (v: unknown) => (v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v);

function normalisedRelative(rel: string): boolean {
  return !rel.startsWith('/') && !rel.endsWith('/') && rel.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

class Checker {
  readonly problems: string[] = [];
  experiments = 0;
  runs = 0;
  versions = 0;

  bad(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  load(path: string): unknown {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
      // Failsafe keeps every scalar a string; PyYAML's own resolvers then type the plain ones.
      const doc = parseDocument(text, { schema: 'failsafe', version: '1.1', uniqueKeys: false });
      if (doc.errors.length) throw doc.errors[0];
      return doc.contents ? toPython(doc.contents) : null;
    } catch (err) {
      this.bad(path, `unreadable yaml: ${(err as Error).message.split('\n')[0]}`);
      return undefined;
    }
  }

  /** A meta.yaml that exists and reads as a mapping, or null (a problem is recorded if it is not one). */
  loadMapping(path: string): Record<string, unknown> | null {
    if (!existsSync(path)) return null;
    const meta = this.load(path);
    if (meta === undefined) return null;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      this.bad(path, 'not a mapping');
      return null;
    }
    return meta as Record<string, unknown>;
  }

  checkKeyFiles(folder: string, what: 'metric' | 'param' | 'tag'): void {
    if (!existsSync(folder)) return;
    const visit = (rel: string) => {
      for (const entry of readdirSync(join(folder, rel), { withFileTypes: true })) {
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        const path = join(folder, childRel);
        if (entry.isDirectory()) {
          visit(childRel);
          continue;
        }
        if (!KEY_RE.test(childRel) || !normalisedRelative(childRel)) this.bad(path, `invalid ${what} key '${childRel}'`);
        if (what === 'metric') this.checkMetricFile(path);
      }
    };
    visit('');
  }

  checkMetricFile(path: string): void {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
    } catch {
      this.bad(path, 'not UTF-8');
      return;
    }
    const lines = text.split(PY_LINE_BREAK);
    if (lines.at(-1) === '') lines.pop();
    if (lines.length === 0) this.bad(path, 'empty metric file');
    lines.forEach((line, i) => {
      const parts = line.trim().split(' ');
      if (![2, 3, 5].includes(parts.length)) {
        this.bad(path, `line ${i + 1}: ${parts.length} fields`);
        return;
      }
      if (!PY_INT.test(parts[0]!)) this.bad(path, `line ${i + 1}: timestamp ${repr(parts[0])} is not an int`);
      else if (!PY_FLOAT.test(parts[1]!)) this.bad(path, `line ${i + 1}: value ${repr(parts[1])} is not a float`);
      else if (parts.length >= 3 && !PY_INT.test(parts[2]!)) this.bad(path, `line ${i + 1}: step ${repr(parts[2])} is not an int`);
    });
  }

  checkRun(experimentId: string, runDir: string): void {
    const metaPath = join(runDir, 'meta.yaml');
    const m = this.loadMapping(metaPath);
    if (!m) return;
    const missing = RUN_KEYS.filter((k) => !(k in m));
    if (missing.length)
      this.bad(metaPath, `missing keys ${missing.join(', ')}${missing.includes('run_uuid') ? ' (MLflow 2.x cannot read a run without run_uuid)' : ''}`);
    const runId = basename(runDir);
    if (m.run_id !== runId || m.run_uuid !== runId) this.bad(metaPath, `run_id/run_uuid ${repr(m.run_id)}/${repr(m.run_uuid)} != dir '${runId}'`);
    if (m.experiment_id !== experimentId) this.bad(metaPath, `experiment_id ${repr(m.experiment_id)} is not the string '${experimentId}'`);
    if (!isInt(m.status) || ![1, 2, 3, 4, 5].includes(Number(m.status))) this.bad(metaPath, `status ${repr(m.status)} is not an int 1..5`);
    if (!isInt(m.start_time)) this.bad(metaPath, `start_time ${repr(m.start_time)} is not an int`);
    if (m.end_time !== null && m.end_time !== undefined && !isInt(m.end_time)) this.bad(metaPath, `end_time ${repr(m.end_time)}`);
    for (const key of ['run_name', 'user_id', 'artifact_uri'])
      if (key in m && m[key] !== null && !isString(m[key])) this.bad(metaPath, `${key} reads back as ${kind(m[key])} ${repr(m[key])}, not a string`);
    const stage = m.lifecycle_stage ?? 'active';
    if (stage !== 'active' && stage !== 'deleted') this.bad(metaPath, `lifecycle_stage ${repr(stage)}`);
    for (const sub of ['metrics', 'params', 'artifacts'])
      if (!isDir(join(runDir, sub))) this.bad(runDir, `missing ${sub}/ (MLflow 3.x cannot find the run)`);
    this.checkKeyFiles(join(runDir, 'metrics'), 'metric');
    this.checkKeyFiles(join(runDir, 'params'), 'param');
    this.checkKeyFiles(join(runDir, 'tags'), 'tag');
    const nameTag = join(runDir, 'tags', 'mlflow.runName');
    if (existsSync(nameTag) && isString(m.run_name) && readFileSync(nameTag, 'utf8') !== m.run_name)
      this.bad(nameTag, 'differs from meta.yaml run_name');
    this.runs++;
  }

  checkExperiment(experimentDir: string, trashed: boolean): void {
    const id = basename(experimentDir);
    if (!ID_RE.test(id)) {
      this.bad(experimentDir, 'directory name is not a valid experiment id (MLflow search_experiments fails)');
      return;
    }
    const metaPath = join(experimentDir, 'meta.yaml');
    const m = this.loadMapping(metaPath);
    if (!m) return;
    for (const key of ['artifact_location', 'experiment_id', 'lifecycle_stage', 'name']) if (!(key in m)) this.bad(metaPath, `missing ${key}`);
    if (m.experiment_id !== id) this.bad(metaPath, `experiment_id ${repr(m.experiment_id)} is not the string '${id}'`);
    if (!isString(m.name)) this.bad(metaPath, `name reads back as ${kind(m.name)} ${repr(m.name)}`);
    const want = trashed ? 'deleted' : 'active';
    if (m.lifecycle_stage !== want) this.bad(metaPath, `lifecycle_stage ${repr(m.lifecycle_stage)} but directory says ${want}`);
    this.experiments++;
    for (const name of readdirSync(experimentDir)) {
      const path = join(experimentDir, name);
      if (isDir(path) && !EXPERIMENT_SUBDIRS.has(name)) this.checkRun(id, path);
    }
  }

  checkRegistry(modelsDir: string): void {
    for (const name of readdirSync(modelsDir)) {
      const modelDir = join(modelsDir, name);
      if (!isDir(modelDir)) continue;
      const metaPath = join(modelDir, 'meta.yaml');
      const meta = existsSync(metaPath) ? (this.load(metaPath) as Record<string, unknown> | null | undefined) : null;
      if (!meta || typeof meta !== 'object' || meta.name !== name) this.bad(modelDir, 'registered model meta missing or name differs from directory');
      for (const entry of readdirSync(modelDir)) {
        if (!entry.startsWith('version-')) continue;
        const versionDir = join(modelDir, entry);
        this.versions++;
        const vm = this.load(join(versionDir, 'meta.yaml')) as Record<string, unknown> | null | undefined;
        if (!vm || typeof vm !== 'object') {
          this.bad(versionDir, 'version meta missing');
          continue;
        }
        if (!isInt(vm.version) || String(vm.version) !== entry.slice('version-'.length))
          this.bad(versionDir, `version ${repr(vm.version)} is not the int of its directory`);
        if (!['None', 'Staging', 'Production', 'Archived', 'Deleted_Internal'].includes(vm.current_stage as string))
          this.bad(versionDir, `current_stage ${repr(vm.current_stage)}`);
        if (!['READY', 'PENDING_REGISTRATION', 'FAILED_REGISTRATION'].includes(vm.status as string)) this.bad(versionDir, `status ${repr(vm.status)}`);
      }
      const aliasDir = join(modelDir, 'aliases');
      if (!isDir(aliasDir)) continue;
      for (const alias of readdirSync(aliasDir)) {
        const content = readFileSync(join(aliasDir, alias), 'utf8');
        if (!/^\d+$/.test(content) || !isDir(join(modelDir, `version-${content}`))) this.bad(join(aliasDir, alias), `alias content ${repr(content)} names no version`);
      }
    }
  }

  checkRoot(root: string): void {
    for (const name of readdirSync(root)) {
      const path = join(root, name);
      if (!isDir(path)) continue;
      if (name === 'models') this.checkRegistry(path);
      else if (name === '.trash') for (const trashed of readdirSync(path)) this.checkExperiment(join(path, trashed), true);
      else this.checkExperiment(path, false);
    }
  }
}

// PyYAML's implicit resolvers for plain scalars (yaml/resolver.py), YAML 1.1.
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;
const PY_YAML_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_YAML_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** A YAML node as PyYAML's safe_load returns it: ints as numbers, timestamps as Dates. */
function toPython(node: Node | unknown): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[String(toPython(pair.key))] = toPython(pair.value);
    return out;
  }
  if (isSeq(node)) return node.items.map(toPython);
  if (!isScalar(node)) return null;
  const text = String(node.value);
  if (node.type !== Scalar.PLAIN) return text;
  if (PY_NULL.test(text)) return null;
  if (PY_BOOL.test(text)) return /^(?:yes|true|on)$/i.test(text);
  if (PY_YAML_INT.test(text)) return pythonInt(text.replace(/_/g, ''));
  if (PY_YAML_FLOAT.test(text)) return Number(text.replace(/_/g, '').replace(/^([-+]?)\.inf$/i, '$1Infinity').replace(/^\.nan$/i, 'NaN'));
  if (PY_TIMESTAMP.test(text)) return new Date(text);
  return text;
}

function pythonInt(text: string): number | bigint {
  const sign = text.startsWith('-') ? -1n : 1n;
  const digits = text.replace(/^[-+]/, '');
  let value: bigint;
  if (digits.includes(':')) value = digits.split(':').reduce((acc, part) => acc * 60n + BigInt(part), 0n);
  else if (/^0[bx]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  value *= sign;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Checks the tree at `dir`: ok when there are no problems and at least one run. `output` lists them. */
export function checkMlruns(dir: string): { ok: boolean; output: string; problems: string[] } {
  const checker = new Checker();
  checker.checkRoot(dir);
  const summary = `${checker.problems.length} problems in ${checker.experiments} experiments, ${checker.runs} runs, ${checker.versions} model versions`;
  const output = [...checker.problems.slice(0, 50), summary].join('\n') + '\n';
  return { ok: checker.problems.length === 0 && checker.runs > 0, output, problems: checker.problems };
}
