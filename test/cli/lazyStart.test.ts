/**
 * The CLI imports only what the command on its command line needs (src/cli/main.ts): the help of
 * every command stays what it was when every module was imported up front, typos still get
 * commander's suggestion, and `--help`, `--version` and a working-tree search load none of the code
 * they do not run (checked by recording the modules a real process loads, not by timing it).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { COMMAND_MODULES } from '../../src/cli/main.js';
import { BIN, runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';

/** Every command path (`runs`, `runs search`, ...), from the modules registered all at once. */
async function commandPaths(): Promise<string[][]> {
  const program = new Command('mltrack');
  for (const { load } of COMMAND_MODULES) (await load())(program, () => async () => {});
  const paths: string[][] = [[]];
  const walk = (command: Command, prefix: string[]) => {
    for (const sub of command.commands) {
      paths.push([...prefix, sub.name()]);
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(program, []);
  return paths;
}

/** The file URLs of the modules a real `mltrack ARGS` process resolves, from a resolve hook. */
function loadedModules(args: string[], cwd: string): string[] {
  const dir = tempDir();
  const log = join(dir, 'modules.log');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}
`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, BIN, ...args], { cwd, env: { NO_COLOR: '1', PATH: process.env.PATH }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
}

/** `dist/git/repo.js` for a module of this package, `node_modules/<name>` for a dependency. */
function shortName(url: string): string {
  const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return `node_modules/${dep[1]}`;
  const own = /\/(bin|dist)\/(.*)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

describe('a CLI that imports what its command needs', () => {
  it("every command's --help is what it was when main imported every command module first", async () => {
    const cwd = tempDir();
    let text = '';
    for (const path of await commandPaths()) {
      const help = await runCli([...path, '--help'], { cwd });
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stderr, path.join(' ')).toBe('');
      text += `=== mltrack ${[...path, '--help'].join(' ')}\n${help.stdout}`;
    }
    // Recorded from the CLI as it was before the lazy imports; a deliberate change of a help text updates it (vitest -u).
    await expect(text).toMatchFileSnapshot('./__snapshots__/help-texts.txt');
  });

  it('an unknown command or subcommand still gets the suggestion, after global options too', async () => {
    const cwd = tempDir();
    for (const [args, hint] of [[['rnus'], 'runs'], [['--json', '--mlruns', 'x', 'modles'], 'models'], [['runs', 'serch'], 'search'], [['models', 'verions'], 'versions']] as const) {
      const typo = await runCli([...args], { cwd });
      expect(typo.code, args.join(' ')).toBe(2);
      expect(typo.stderr, args.join(' ')).toContain(`(Did you mean ${hint}?)`);
    }
  });

  it('--version alone, answered before commander loads, prints what commander prints for it', async () => {
    const cwd = tempDir();
    const alone = await runCli(['--version'], { cwd });
    const short = await runCli(['-V'], { cwd });
    const viaCommander = await runCli(['--json', '--version'], { cwd });
    expect(alone).toEqual({ code: 0, stdout: viaCommander.stdout, stderr: '' });
    expect(short).toEqual(alone);
    expect(alone.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('--version into a pipe already closed ends quietly with exit 0, as every command does', async () => {
    for (const args of [['--version'], ['-V']]) {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: tempDir(), env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // long before node has started, let alone written
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(stderr, args[0]).toBe('');
      expect(code, args[0]).toBe(0);
    }
  });

  it('--version loads only main and the output module, --help none of git, the store, import, verify or the launcher, and a working-tree search no git', () => {
    const cwd = tempDir();
    const version = loadedModules(['--version'], cwd).map(shortName);
    // The output module, for its closed-pipe handler, and what it imports.
    expect(version.sort()).toEqual(['bin/mltrack.js', 'dist/cli/main.js', 'dist/cli/output.js', 'dist/format/errors.js', 'dist/format/restJson.js']);

    const help = new Set(loadedModules(['--help'], cwd).map(shortName));
    const heavy = [...help].filter((m) => /^dist\/(git|import|verify|server|site)\/|^dist\/store\/(FileStore|RegistryStore|searchIndex\/)|^dist\/run\/(launcher|mlproject)|^node_modules\/(simple-git|isomorphic-git|fastify|ajv)$/.test(m));
    expect(heavy).toEqual([]);
    expect(help.has('dist/cli/commands/runs.js') && help.has('dist/cli/commands/models.js')).toBe(true);

    const env = { NO_COLOR: '1', PATH: process.env.PATH };
    expect(spawnCli(['init'], { cwd, env }).code).toBe(0);
    const runId = spawnCli(['start-run', '-n', 'one', '-P', 'lr=0.1'], { cwd, env }).stdout.trim();
    expect(spawnCli(['log-metric', 'loss', '0.25', '--run-id', runId], { cwd, env }).code).toBe(0);
    const search = loadedModules(['runs', 'search', '-e', '0', 'metrics.loss < 0.5', '--json'], cwd).map(shortName);
    expect(search).toContain('dist/store/FileStore.js');
    expect(search.filter((m) => /^dist\/(git|import|verify|server|site)\/|^node_modules\/(simple-git|isomorphic-git|fastify)$/.test(m))).toEqual([]);
  });
});
