import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { spawnCli } from '../helpers/cli.js';

const READS = [['runs', 'list'], ['runs', 'search', "params.lr = '0.1'"], ['experiments', 'list'], ['models', 'list'], ['models', 'versions'], ['runs', 'show', '0123456789abcdef0123456789abcdef'], ['experiments', 'show', 'Default']];

describe('read-only commands never create a tree', () => {
  it('a missing mlruns (or a mistyped --mlruns) is NOT_FOUND and nothing is written', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const before = readdirSync(cwd).sort();
    for (const args of READS) {
      for (const extra of [[], ['--mlruns', 'mlrnus']]) {
        const r = spawnCli([...extra, ...args], { cwd, env });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr, args.join(' ')).toMatch(/^mltrack: error NOT_FOUND: No mlruns directory at .*(mlruns|mlrnus) \(check --mlruns/);
      }
    }
    expect(readdirSync(cwd).sort()).toEqual(before);
    // A write command creates it, as MLflow does.
    expect(spawnCli(['start-run', '-n', 'first'], { cwd, env }).code).toBe(0);
    expect(existsSync(join(cwd, 'mlruns', '0', 'meta.yaml'))).toBe(true);
  });

  it('an existing tree without Default or .trash gains neither from reads', () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    expect(spawnCli(['experiments', 'create', 'churn'], { cwd, env }).code).toBe(0);
    const experimentId = readdirSync(join(cwd, 'mlruns')).find((d) => /^\d{6,}$/.test(d))!;
    // A teammate's tree as a fresh clone holds it: one experiment, no Default, no .trash.
    const { rmSync } = require('node:fs') as typeof import('node:fs');
    rmSync(join(cwd, 'mlruns', '0'), { recursive: true });
    rmSync(join(cwd, 'mlruns', '.trash'), { recursive: true });
    for (const args of READS.slice(0, 5)) expect(spawnCli(args, { cwd, env }).code, args.join(' ')).toBe(0);
    expect(readdirSync(join(cwd, 'mlruns')).sort()).toEqual([experimentId]);
  });
});
