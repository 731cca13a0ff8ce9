/** MLflow Projects (spec section 9): reading MLproject, typed parameters, quoting, and `mltrack projects run`. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/FileStore.js';
import { formatCommand } from '../../src/run/commandTemplate.js';
import { computeCommand, getEntryPoint, loadProject } from '../../src/run/mlproject.js';
import { shellJoin, shellQuote } from '../../src/run/shellQuote.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';
import { runIds, runLog } from './helpers.js';

const NASTY = ["'; rm -rf /'", 'two words', 'say "hi"', "it's", '$(touch pwned)', '`touch pwned2`', 'a\\b', '', '-x', 'tab\there', 'new\nline', 'ünï', '*', '~/x', 'semi;colon', 'plain-ok_1.2/x:y,z=w+v@%'];

describe('shell quoting and command templates', () => {
  it('quotes exactly as Python shlex.quote does', () => {
    const python = spawnSync('python3', ['-c', 'import json, shlex, sys; print(json.dumps([shlex.quote(s) for s in json.load(sys.stdin)]))'], { input: JSON.stringify(NASTY), encoding: 'utf8' });
    expect(python.status).toBe(0);
    expect(NASTY.map(shellQuote)).toEqual(JSON.parse(python.stdout));
  });

  it('every quoted value is one argument with the exact bytes, whatever it holds', () => {
    const cwd = tempDir();
    const result = spawnSync('bash', ['-c', `printf '[%s]\\n' ${NASTY.map(shellQuote).join(' ')}`], { cwd, encoding: 'utf8' });
    expect(result.stdout).toBe(NASTY.map((s) => `[${s}]\n`).join(''));
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
    expect(shellJoin(['echo', 'a b'])).toBe("echo 'a b'");
  });

  it('substitutes {name}, keeps {{ }} literal, and refuses what str.format would refuse', () => {
    expect(formatCommand('python t.py --a {a} --b={b} {{literal}} }}{{', { a: '1', b: "'x y'" }, 'e')).toBe("python t.py --a 1 --b='x y' {literal} }{");
    expect(formatCommand('run {data-file}', { 'data-file': 'f' }, 'e')).toBe('run f');
    for (const bad of ['{missing}', '{}', '{0}', 'a } b', 'a { b', '{a!r}', '{a:>5}', '{a.b}', '{a[0]}']) {
      expect(() => formatCommand(bad, { a: '1' }, 'e'), bad).toThrow(expect.objectContaining({ code: 'INVALID_MLPROJECT' }));
    }
  });
});

function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const TYPED = `
name: typed
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.1}
      ratio: {type: float, default: 1.0}
      small: {type: float, default: 1e-3}
      count: {default: 0x10}
      flag: {default: yes}
      text: {type: string, default: hello world}
      data: path
      source: {type: uri, default: "s3://bucket/key"}
      required_text: string
    command: "sh args.sh {alpha} {ratio} {small} {count} {flag} {text} {data} {source} {required_text}"
  validate:
    command: "sh args.sh validate"
`;
const ARGS_SH = `for a in "$@"; do printf '[%s]\\n' "$a"; done\n`;

describe('reading MLproject', () => {
  it('reads entry points and parameter types, with defaults as Python str() gives them', () => {
    const dir = project({ MLproject: TYPED });
    const p = loadProject(dir);
    expect(p.name).toBe('typed');
    expect(p.env).toEqual({ kind: 'none', file: null, image: null });
    expect([...p.entryPoints.keys()]).toEqual(['main', 'validate']);
    expect(p.entryPoints.get('main')!.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '0.1' },
      { name: 'ratio', type: 'float', default: '1.0' },
      { name: 'small', type: 'float', default: '1e-3' }, // YAML 1.1: no dot, so a string
      { name: 'count', type: 'string', default: '16' },
      { name: 'flag', type: 'string', default: 'True' },
      { name: 'text', type: 'string', default: 'hello world' },
      { name: 'data', type: 'path', default: null },
      { name: 'source', type: 'uri', default: 's3://bucket/key' },
      { name: 'required_text', type: 'string', default: null },
    ]);
  });

  it('finds the file case-insensitively, and refuses broken projects with INVALID_MLPROJECT', () => {
    expect(loadProject(project({ mlproject: 'entry_points: {main: {command: "true"}}\n' })).entryPoints.has('main')).toBe(true);
    expect(loadProject(project({ MLProject: 'entry_points: {main: {command: "true"}}\n' })).file).toMatch(/MLProject$/);
    expect(loadProject(project({})).entryPoints.size).toBe(0);
    const broken: Record<string, string>[] = [
      { MLproject: 'entry_points: [1, 2' },
      { MLproject: '- a list' },
      { MLproject: 'entry_points: {main: {parameters: {}}}' },
      { MLproject: 'conda_env: conda.yaml\ndocker_env: {image: x}\nentry_points: {}', 'conda.yaml': '' },
      { MLproject: 'docker_env: {volumes: []}\n' },
      { MLproject: 'python_env: missing.yaml\n' },
      { MLproject: 'entry_points: {main: {command: "x", parameters: {a: 3}}}' },
    ];
    for (const files of broken) expect(() => loadProject(project(files)), JSON.stringify(files)).toThrow(expect.objectContaining({ code: 'INVALID_MLPROJECT' }));
  });

  it('detects environments: declared, or python_env.yaml / conda.yaml by default', () => {
    expect(loadProject(project({ MLproject: 'conda_env: env.yaml\n', 'env.yaml': '' })).env).toEqual({ kind: 'conda', file: 'env.yaml', image: null });
    expect(loadProject(project({ MLproject: 'docker_env: {image: repo/img:1}\n' })).env).toEqual({ kind: 'docker', file: null, image: 'repo/img:1' });
    expect(loadProject(project({ MLproject: 'name: x\n', 'python_env.yaml': '' })).env.kind).toBe('python');
    expect(loadProject(project({ 'conda.yaml': '' })).env.kind).toBe('conda');
  });

  it('builds the command: quoted values, paths made absolute, extra params appended, missing ones named', () => {
    const dir = project({ MLproject: TYPED, 'data.csv': 'x' });
    const entry = loadProject(dir).entryPoints.get('main')!;
    const computed = computeCommand(entry, { data: 'data.csv', required_text: "'; rm -rf /'", alpha: '0.5', 'extra-key': 'two words', ex2: '' }, dir);
    expect(computed.command).toBe(
      `sh args.sh 0.5 1.0 1e-3 16 True 'hello world' ${shellQuote(join(dir, 'data.csv'))} s3://bucket/key ''"'"'; rm -rf /'"'"'' --extra-key 'two words' --ex2 ''`,
    );
    // Logged as MLflow logs them: the shell-quoted strings, paths as given.
    expect(computed.params).toEqual([
      { key: 'alpha', value: '0.5' },
      { key: 'ratio', value: '1.0' },
      { key: 'small', value: '1e-3' },
      { key: 'count', value: '16' },
      { key: 'flag', value: 'True' },
      { key: 'text', value: "'hello world'" },
      { key: 'data', value: 'data.csv' },
      { key: 'source', value: 's3://bucket/key' },
      { key: 'required_text', value: `''"'"'; rm -rf /'"'"''` },
      { key: 'extra-key', value: "'two words'" },
      { key: 'ex2', value: "''" },
    ]);
    expect(() => computeCommand(entry, {}, dir)).toThrow(expect.objectContaining({ code: 'MISSING_PARAMETER', message: expect.stringContaining("No value given for missing parameters: 'data', 'required_text'") }));
    expect(() => computeCommand(entry, { data: 'nope.csv', required_text: 'x' }, dir)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining("Got value 'nope.csv' for parameter 'data'") }));
    expect(() => computeCommand(entry, { data: 'data.csv', required_text: 'x', alpha: 'fast' }, dir)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'alpha' is a float") }));
    expect(() => computeCommand(entry, { data: 'data.csv', required_text: 'x', source: 'no-scheme' }, dir)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Expected a URI') }));
    expect(() => computeCommand(entry, { data: 's3://b/k', required_text: 'x' }, dir)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('remote URI') }));
    expect(computeCommand(entry, { data: `file://${join(dir, 'data.csv')}`, required_text: 'x' }, '/').command).toContain(join(dir, 'data.csv'));
  });

  it('infers .py, .sh and .R entry points, and refuses anything else', () => {
    const p = loadProject(project({}));
    const withPython = { PATH: process.env.PATH };
    expect(getEntryPoint(p, 'train.py', withPython).command).toMatch(/^python3? train\.py$/);
    expect(getEntryPoint(p, 'dir/run me.sh', {}).command).toBe("bash 'dir/run me.sh'");
    expect(getEntryPoint(p, 'run.sh', { SHELL: '/bin/zsh' }).command).toBe('/bin/zsh run.sh');
    expect(getEntryPoint(p, 'fit.R', {}).command).toBe(`Rscript -e "mlflow::mlflow_source('fit.R')" --args`);
    expect(() => getEntryPoint(p, 'main', {})).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => getEntryPoint(p, 'notes.txt', {})).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('.py, .sh and .R') }));
    expect(computeCommand(getEntryPoint(p, 'train.py', { PATH: '' }), { lr: '0.1', name: 'a b' }, '/').command).toBe("python train.py --lr 0.1 --name 'a b'");
  });
});

function sandbox(files: Record<string, string>) {
  const cwd = project(files);
  const env = isolatedEnv(tempDir());
  const mlruns = join(cwd, 'mlruns');
  return { cwd, env, mlruns, store: () => new FileStore(mlruns) };
}

const argsOf = (stdout: string) => [...stdout.matchAll(/^\[(.*)\]$/gm)].map((m) => m[1]);

describe('mltrack projects run', () => {
  it('runs the entry point with typed, quoted parameters and records what MLflow records', async () => {
    const { cwd, env, mlruns, store } = sandbox({ MLproject: TYPED, 'args.sh': ARGS_SH, 'data.csv': 'x' });
    const result = spawnCli(['--json', 'projects', 'run', '-P', 'data=data.csv', '-P', "required_text='; rm -rf /'", '-P', 'text=say "hi" $(touch pwned)', '-P', 'extra=two words'], { cwd, env });
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'FINISHED', exit_code: 0 });
    // Each value arrived as one argument, byte for byte, and nothing it contains was executed.
    expect(argsOf(runLog(mlruns, report.run_id, 'stdout'))).toEqual(['0.1', '1.0', '1e-3', '16', 'True', 'say "hi" $(touch pwned)', join(realpathSync(cwd), 'data.csv'), 's3://bucket/key', "'; rm -rf /'", '--extra', 'two words']);
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);

    const run = await store().getRun(report.run_id);
    expect(run.data.params).toEqual({
      alpha: '0.1', ratio: '1.0', small: '1e-3', count: '16', flag: 'True',
      text: `'say "hi" $(touch pwned)'`, data: 'data.csv', source: 's3://bucket/key',
      required_text: `''"'"'; rm -rf /'"'"''`, extra: "'two words'",
    });
    expect(run.data.tags).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.source.name': realpathSync(cwd),
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.env': 'local',
      'mlflow.project.backend': 'local',
      'mltrack.exit_code': '0',
    });
    expect(checkMlruns(mlruns).output).toMatch(/^0 problems/m);
  });

  it('a missing required parameter is an error naming it, and no run is created', () => {
    const { cwd, env, mlruns } = sandbox({ MLproject: TYPED, 'args.sh': ARGS_SH });
    const result = spawnCli(['projects', 'run', '.', '-P', 'alpha=0.2'], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("mltrack: error MISSING_PARAMETER: No value given for missing parameters: 'data', 'required_text' (pass them with -P name=value)\n");
    expect(runIds(mlruns)).toEqual([]);
  });

  it('runs another entry point from another directory, in the project directory, and fails with the command', async () => {
    const { cwd, env, mlruns, store } = sandbox({});
    const dir = join(cwd, 'proj');
    mkdirSync(dir);
    writeFileSync(join(dir, 'MLproject'), 'entry_points:\n  fail:\n    command: "pwd; exit 4"\n');
    const result = spawnCli(['--json', 'projects', 'run', 'proj', '-e', 'fail', '--experiment', 'projects'], { cwd, env });
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'FAILED', exit_code: 4 });
    const run = await store().getRun(report.run_id);
    expect(run.data.tags['mlflow.project.entryPoint']).toBe('fail');
    expect(runLog(mlruns, report.run_id, 'stdout', report.experiment_id).trim()).toBe(realpathSync(dir));
  });

  it('infers .py and .sh entry points and appends the parameters', async () => {
    const { cwd, env, mlruns, store } = sandbox({ 'train.py': 'import sys\nfor a in sys.argv[1:]: print("[" + a + "]")\n', 'run.sh': ARGS_SH });
    const py = spawnCli(['--json', 'projects', 'run', '-e', 'train.py', '-P', 'lr=0.1', '-P', 'name=a b'], { cwd, env });
    expect(py.code).toBe(0);
    const pyRun = JSON.parse(py.stdout).run_id;
    expect(argsOf(runLog(mlruns, pyRun, 'stdout'))).toEqual(['--lr', '0.1', '--name', 'a b']);
    expect((await store().getRun(pyRun)).data.tags['mlflow.project.entryPoint']).toBe('train.py');

    const sh = spawnCli(['--json', 'projects', 'run', '-e', 'run.sh', '-P', "q=it's"], { cwd, env: { ...env, SHELL: '/bin/sh' } });
    expect(sh.code).toBe(0);
    expect(argsOf(runLog(mlruns, JSON.parse(sh.stdout).run_id, 'stdout'))).toEqual(['--q', "it's"]);
    expect(checkMlruns(mlruns).output).toMatch(/^0 problems/m);
  });

  it('refuses conda, docker and python_env environments unless --env-manager local, naming that way out', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ MLproject: 'conda_env: conda.yaml\nentry_points: {main: {command: "echo ran"}}\n', 'conda.yaml': 'name: x\n' }, /declares a conda environment \(conda\.yaml\)/],
      [{ MLproject: 'docker_env: {image: my/image}\nentry_points: {main: {command: "echo ran"}}\n' }, /declares a docker environment \(image my\/image\)/],
      [{ MLproject: 'entry_points: {main: {command: "echo ran"}}\n', 'python_env.yaml': 'python: "3.10"\n' }, /declares a python_env environment \(python_env\.yaml\)/],
    ];
    for (const [files, what] of cases) {
      const { cwd, env, mlruns, store } = sandbox(files);
      const refused = spawnCli(['projects', 'run'], { cwd, env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^mltrack: error ENV_MANAGER_UNSUPPORTED: .*--env-manager local.*\n$/);
      expect(refused.stderr).toMatch(what);
      expect(runIds(mlruns)).toEqual([]);

      const local = spawnCli(['--json', 'projects', 'run', '--env-manager', 'local'], { cwd, env });
      expect(local.code).toBe(0);
      const report = JSON.parse(local.stdout);
      expect(runLog(mlruns, report.run_id, 'stdout')).toBe('ran\n');
      expect((await store().getRun(report.run_id)).data.tags['mlflow.project.env']).toBe('local');
    }
    const { cwd, env } = sandbox({ MLproject: 'entry_points: {main: {command: "true"}}\n' });
    const conda = spawnCli(['projects', 'run', '--env-manager', 'conda'], { cwd, env });
    expect(conda.code).toBe(1);
    expect(conda.stderr).toMatch(/^mltrack: error ENV_MANAGER_UNSUPPORTED: --env-manager conda is not supported.*--env-manager local/);
  });

  it('records the git commit and the repository as the source of a project in a git repository', async () => {
    const { cwd, env, store } = sandbox({ '.gitignore': 'mlruns/\n', 'sub/MLproject': 'entry_points: {main: {command: "true"}}\n' });
    git(cwd, env, 'init', '-q');
    git(cwd, env, 'add', '.');
    git(cwd, env, 'commit', '-qm', 'project');
    const result = spawnCli(['--json', 'projects', 'run', 'sub'], { cwd, env });
    expect(result.code).toBe(0);
    const tags = (await store().getRun(JSON.parse(result.stdout).run_id)).data.tags;
    expect(tags['mlflow.source.git.commit']).toBe(git(cwd, env, 'rev-parse', 'HEAD'));
    // No remote: the project's place in the repository, never the local absolute path.
    expect(tags['mlflow.source.name']).toBe('./sub');
    git(cwd, env, 'remote', 'add', 'origin', 'git@example.com:team/churn.git');
    const again = spawnCli(['--json', 'projects', 'run', 'sub'], { cwd, env });
    expect((await store().getRun(JSON.parse(again.stdout).run_id)).data.tags['mlflow.source.name']).toBe('git@example.com:team/churn.git#sub');
  });

  it('refuses remote project URIs and unknown entry points with stable codes', () => {
    const { cwd, env } = sandbox({ MLproject: 'entry_points: {main: {command: "true"}}\n' });
    expect(spawnCli(['projects', 'run', 'https://github.com/mlflow/mlflow-example'], { cwd, env }).stderr).toMatch(/^mltrack: error INVALID_ARGUMENT: .*not a local directory/);
    expect(spawnCli(['projects', 'run', '-e', 'nope'], { cwd, env }).stderr).toMatch(/^mltrack: error NOT_FOUND: Could not find 'nope' among the entry points \('main'\)/);
    expect(spawnCli(['projects', 'run', 'missing-dir'], { cwd, env }).stderr).toMatch(/^mltrack: error NOT_FOUND: No project directory/);
  });
});
