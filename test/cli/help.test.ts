import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { commandName } from '../../src/cli/commands/demo.js';
import { COMMAND_MODULES } from '../../src/cli/main.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';

describe('help and hints', () => {
  it('each command module registers exactly the commands main.ts loads it for', async () => {
    for (const { names, load } of COMMAND_MODULES) {
      const program = new Command();
      (await load())(program, () => async () => {});
      expect(program.commands.map((c) => c.name())).toEqual(names);
    }
  });

  it('--help lists every command, --version prints the version, and a command works when named after global options', async () => {
    const cwd = tempDir();
    const help = await runCli(['--help'], { cwd });
    for (const name of COMMAND_MODULES.flatMap((m) => m.names)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect((await runCli(['--version'], { cwd })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    mkdirSync(join(cwd, 'mlruns'));
    const listed = await runCli(['--mlruns', join(cwd, 'mlruns'), '--json', 'experiments', 'list'], { cwd });
    expect(listed.code).toBe(0);
    const typo = await runCli(['rnus'], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean runs?");
  });

  it('runs search, push, log, clone and models versions --help have examples', async () => {
    const cwd = tempDir();
    for (const args of [['runs', 'search'], ['push'], ['log'], ['clone'], ['models', 'versions']]) {
      const help = await runCli([...args, '--help'], { cwd });
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toMatch(/Examples:\n  mltrack /);
    }
  });

  it('projects run says that -e is the entry point there, and takes MLflow\'s experiment flags', async () => {
    const cwd = tempDir();
    const help = await runCli(['projects', 'run', '--help'], { cwd });
    expect(help.stdout).toContain('-e, --entry-point');
    expect(help.stdout).toMatch(/as in `mlflow run`, -e is the entry point/);
    expect(help.stdout).toContain('--experiment-name');
    writeFileSync(join(cwd, 'MLproject'), 'name: p\nentry_points:\n  main:\n    command: "true"\n');
    const twice = await runCli(['projects', 'run', '.', '--experiment', 'a', '--experiment-name', 'b'], { cwd });
    expect(twice.stderr).toMatch(/^mltrack: error INVALID_ARGUMENT: Name the experiment once/);
  });

  it('the demo hints name a command that works without npm link', () => {
    const dir = tempDir();
    const plain = commandName({ PATH: '/nonexistent' }, dir);
    expect(plain).toMatch(/^node \S+bin\/mltrack\.js$/);
    expect(resolve(dir, plain.slice('node '.length))).toBe(BIN);
    expect(existsSync(BIN)).toBe(true);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'mltrack'), '#!/bin/sh\n');
    chmodSync(join(bin, 'mltrack'), 0o755);
    expect(commandName({ PATH: bin }, dir)).toBe('mltrack');
  });
});
