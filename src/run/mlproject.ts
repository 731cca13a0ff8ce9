/**
 * MLflow Projects (spec section 9): reading an `MLproject` file, choosing the entry point, checking
 * and typing its parameters, and building the shell command exactly as `mlflow run` does: every
 * value through `shlex.quote`, user parameters that are not declared appended as ` --key value`,
 * and `.py`, `.sh` and `.R` files runnable as entry points without being declared.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fail, isMltrackError } from '../format/errors.js';
import { fileUriToPath } from '../format/fileUri.js';
import { pyFloatRepr, parsePyFloat } from '../format/pyFloat.js';
import { pyYamlFloat, pyYamlInt } from '../format/pyyaml.js';
import { parseYaml, type YamlNode } from '../format/yaml.js';
import { formatCommand } from './commandTemplate.js';
import { shellQuote } from './shellQuote.js';
import { firstExecutable } from './which.js';

export type EnvKind = 'none' | 'python' | 'conda' | 'docker';

export interface ProjectEnv {
  kind: EnvKind;
  /** python_env or conda_env file, relative to the project. */
  file: string | null;
  /** docker_env image. */
  image: string | null;
}

export interface ParameterSpec {
  name: string;
  /** `string`, `float`, `path` or `uri` (MLflow passes other types through as strings). */
  type: string;
  /** The default as Python's str() gives it; null when the parameter is required. */
  default: string | null;
}

export interface EntryPoint {
  name: string;
  parameters: ParameterSpec[];
  command: string;
  /** Inferred from a script's extension rather than declared in MLproject. */
  inferred: boolean;
}

export interface Project {
  dir: string;
  /** The MLproject file, or null for a directory without one. */
  file: string | null;
  name: string | null;
  entryPoints: Map<string, EntryPoint>;
  env: ProjectEnv;
}

const DEFAULT_PYTHON_ENV = 'python_env.yaml';
const DEFAULT_CONDA_ENV = 'conda.yaml';

/** The MLproject file of `dir`, matched case-insensitively as MLflow does, or null. */
export function findMlproject(dir: string): string | null {
  const names = readdirSync(dir).sort();
  const name = names.find((n) => n.toLowerCase() === 'mlproject' && statSync(join(dir, n)).isFile());
  return name ? join(dir, name) : null;
}

function invalid(where: string, why: string): never {
  throw fail('INVALID_MLPROJECT', `${where}: ${why}`, { path: where });
}

/** Python's str() of a YAML scalar as `yaml.safe_load` builds it. */
function pyStr(node: YamlNode, where: string): string {
  if (node.kind !== 'scalar') invalid(where, 'expected a single value, not a list or mapping');
  switch (node.pyType) {
    case 'int':
      return pyYamlInt(node.text).toString();
    case 'float':
      return pyFloatRepr(pyYamlFloat(node.text));
    case 'bool':
      return /^(?:yes|true|on)$/i.test(node.text) ? 'True' : 'False';
    case 'null':
      return 'None';
    default:
      return node.text;
  }
}

const isNull = (node: YamlNode | undefined) => node === undefined || (node.kind === 'scalar' && node.pyType === 'null');

function mapping(node: YamlNode | undefined, where: string): Map<string, YamlNode> {
  if (isNull(node)) return new Map();
  if (node!.kind !== 'map') invalid(where, 'expected a mapping');
  return node!.entries;
}

function readParameter(name: string, node: YamlNode, where: string): ParameterSpec {
  // A string is the type, with no default; a mapping is {type (default "string"), default}.
  if (node.kind === 'scalar' && node.pyType === 'str') return { name, type: node.text, default: null };
  if (node.kind !== 'map') invalid(where, `parameter '${name}' must be a type name or a mapping {type, default}`);
  const type = node.entries.get('type');
  const dflt = node.entries.get('default');
  return { name, type: isNull(type) ? 'string' : pyStr(type!, `${where}: parameter '${name}' type`), default: isNull(dflt) ? null : pyStr(dflt!, `${where}: parameter '${name}' default`) };
}

function readEnv(dir: string, root: Map<string, YamlNode>, where: string): ProjectEnv {
  const docker = root.get('docker_env');
  const python = root.get('python_env');
  const conda = root.get('conda_env');
  const declared = [docker, python, conda].filter((n) => !isNull(n)).length;
  if (declared > 1) invalid(where, 'a project cannot contain more than one of python_env, conda_env and docker_env');
  if (!isNull(docker)) {
    const entries = mapping(docker, `${where}: docker_env`);
    const image = entries.get('image');
    if (isNull(image) || pyStr(image!, `${where}: docker_env.image`) === '') invalid(where, 'docker_env has no image');
    return { kind: 'docker', file: null, image: pyStr(image!, `${where}: docker_env.image`) };
  }
  for (const [kind, node] of [['python', python], ['conda', conda]] as const) {
    if (isNull(node)) continue;
    const file = pyStr(node!, `${where}: ${kind}_env`);
    if (!existsSync(resolve(dir, file))) invalid(where, `${kind}_env file '${file}' does not exist in the project`);
    return { kind, file, image: null };
  }
  if (existsSync(join(dir, DEFAULT_PYTHON_ENV))) return { kind: 'python', file: DEFAULT_PYTHON_ENV, image: null };
  if (existsSync(join(dir, DEFAULT_CONDA_ENV))) return { kind: 'conda', file: DEFAULT_CONDA_ENV, image: null };
  return { kind: 'none', file: null, image: null };
}

/** Reads the project in `dir` (a directory without MLproject is a project with no declared entry points). */
export function loadProject(dir: string): Project {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw fail('NOT_FOUND', `No project directory '${dir}'`, { path: dir });
  const file = findMlproject(abs);
  let root = new Map<string, YamlNode>();
  const where = file ?? join(abs, 'MLproject');
  if (file) {
    let doc: YamlNode;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'), file);
    } catch (err) {
      invalid(file, isMltrackError(err) ? err.message.replace(`${file}: `, '') : (err as Error).message);
    }
    if (!isNull(doc) && doc.kind !== 'map') invalid(file, 'expected a mapping at the top level');
    root = mapping(doc, file);
  }
  const entryPoints = new Map<string, EntryPoint>();
  for (const [name, node] of mapping(root.get('entry_points'), `${where}: entry_points`)) {
    const at = `${where}: entry point '${name}'`;
    const entry = mapping(node, at);
    const command = entry.get('command');
    if (isNull(command)) invalid(at, 'has no command');
    const parameters = [...mapping(entry.get('parameters'), `${at} parameters`)].map(([p, spec]) => readParameter(p, spec, at));
    entryPoints.set(name, { name, parameters, command: pyStr(command!, `${at} command`), inferred: false });
  }
  const nameNode = root.get('name');
  return { dir: abs, file, name: isNull(nameNode) ? null : pyStr(nameNode!, `${where}: name`), entryPoints, env: readEnv(abs, root, where) };
}

/** A declared entry point, or one inferred from a script name (`train.py`, `run.sh`, `fit.R`). */
export function getEntryPoint(project: Project, name: string, env: NodeJS.ProcessEnv): EntryPoint {
  const declared = project.entryPoints.get(name);
  if (declared) return declared;
  const ext = extname(name);
  let command: string | null = null;
  if (ext === '.py') command = `${firstExecutable(['python', 'python3'], env)} ${shellQuote(name)}`;
  else if (ext === '.sh') command = `${env.SHELL || 'bash'} ${shellQuote(name)}`;
  else if (ext === '.R') command = `Rscript -e "mlflow::mlflow_source('${shellQuote(name)}')" --args`;
  if (command === null) {
    const known = [...project.entryPoints.keys()].map((k) => `'${k}'`).join(', ') || 'none';
    throw fail('NOT_FOUND', `Could not find '${name}' among the entry points (${known}) or run it as a script: supported script extensions are .py, .sh and .R`, { entryPoint: name });
  }
  return { name, parameters: [], command, inferred: true };
}

export interface ComputedCommand {
  /** The shell command line. */
  command: string;
  /** Declared then extra parameters, as the shell-quoted strings MLflow logs. */
  params: { key: string; value: string }[];
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** A parameter's value for the command: checked by type, paths made absolute against `cwd`. */
function commandValue(spec: ParameterSpec, value: string, cwd: string): string {
  if (spec.type === 'float' && parsePyFloat(value) === undefined) {
    throw fail('INVALID_ARGUMENT', `Parameter '${spec.name}' is a float, got '${value}'`, { parameter: spec.name });
  }
  if (spec.type === 'uri' && !URI.test(value)) {
    throw fail('INVALID_ARGUMENT', `Expected a URI for parameter '${spec.name}' but got '${value}'`, { parameter: spec.name });
  }
  if (spec.type === 'path') {
    const local = !URI.test(value) ? value : /^file:/i.test(value) && !/^file:\/\/[^/]/i.test(value) ? fileUriToPath(value) : null;
    if (local === null) {
      throw fail('INVALID_ARGUMENT', `Parameter '${spec.name}': '${value}' is a remote URI, which mltrack does not download; pass a local path`, { parameter: spec.name });
    }
    const abs = resolve(cwd, local);
    if (!existsSync(abs)) throw fail('NOT_FOUND', `Got value '${value}' for parameter '${spec.name}', but no such file or directory was found`, { parameter: spec.name, path: abs });
    return abs;
  }
  return value;
}

/**
 * The command for an entry point and the user's parameters (`cwd`: where relative paths are
 * resolved, the directory mltrack was started in, as with `mlflow run`).
 */
export function computeCommand(entry: EntryPoint, user: Record<string, string>, cwd: string): ComputedCommand {
  const given = (name: string) => Object.prototype.hasOwnProperty.call(user, name);
  const missing = entry.parameters.filter((p) => !given(p.name) && p.default === null).map((p) => `'${p.name}'`);
  if (missing.length) {
    throw fail('MISSING_PARAMETER', `No value given for missing parameters: ${missing.join(', ')} (pass them with -P name=value)`, { entryPoint: entry.name, missing: missing.map((m) => m.slice(1, -1)) });
  }
  const substituted: Record<string, string> = {};
  const params: { key: string; value: string }[] = [];
  for (const spec of entry.parameters) {
    const value = given(spec.name) ? user[spec.name]! : spec.default!;
    substituted[spec.name] = shellQuote(commandValue(spec, value, cwd));
    params.push({ key: spec.name, value: shellQuote(value) });
  }
  const declared = new Set(entry.parameters.map((p) => p.name));
  const parts = [formatCommand(entry.command, substituted, `entry point '${entry.name}'`)];
  for (const [key, value] of Object.entries(user)) {
    if (declared.has(key)) continue;
    parts.push(`${shellQuote(`--${key}`)} ${shellQuote(value)}`);
    params.push({ key, value: shellQuote(value) });
  }
  return { command: parts.join(' '), params };
}
