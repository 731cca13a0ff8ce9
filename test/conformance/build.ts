/**
 * A private compiled copy of the sources for tests that need real processes (concurrency, crashes,
 * exit codes). It is built from the current sources into node_modules/.cache (so `yaml` and
 * `commander` resolve), never into dist/, which `npm run build` deletes and rewrites at any time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export interface Build {
  dir: string;
  /** Absolute path of a compiled module, e.g. `store/FileStore.js`. */
  module(rel: string): string;
  /** A script that runs the CLI like bin/mltrack.js does. */
  cli: string;
  remove(): void;
}

export function buildSources(entries: string[] = ['src/store/FileStore.ts', 'src/cli/main.ts']): Build {
  const dir = join(ROOT, 'node_modules', '.cache', `mltrack-test-build-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    process.execPath,
    [TSC, '--outDir', dir, '--rootDir', join(ROOT, 'src'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--lib', 'ES2022', '--types', 'node', '--strict', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', ...entries.map((e) => join(ROOT, e))],
    { cwd: ROOT, encoding: 'utf8' },
  );
  // Type errors elsewhere (files being edited by others) do not stop tsc from emitting.
  for (const entry of entries) {
    const out = join(dir, entry.replace(/^src\//, '').replace(/\.ts$/, '.js'));
    if (!existsSync(out)) throw new Error(`build of ${entry} failed:\n${result.stdout}${result.stderr}`);
  }
  const cli = join(dir, 'mltrack-cli.js');
  writeFileSync(cli, "import { main } from './cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return {
    dir,
    module: (rel) => join(dir, rel),
    cli,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
