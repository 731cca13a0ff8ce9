// Compile TypeScript to dist/ and copy the files the compiled code reads at run time; then build the
// UI (ui/, Lit + Vite) into dist/ui, so the package ships the prebuilt app and `mltrack site build`
// needs no bundler at run time.
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

// `--if-stale` (what `npm test` uses): skip the build when dist/ is newer than every input, so
// `npm ci && npm test` builds once (in prepare), not twice.
const INPUTS = ['src', 'ui', 'scripts/build.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
const STAMP = 'dist/.build-stamp';
function newestInput(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'node_modules' && name !== 'dist') newest = Math.max(newest, newestInput(join(path, name)));
  return newest;
}
if (process.argv.includes('--if-stale') && existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...INPUTS.map(newestInput))) {
  console.log('dist/ is up to date (npm run build rebuilds it anyway)');
  process.exit(0);
}
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'src/format/tsconfig.json'], { stdio: 'inherit' });
cpSync('src/demo/data', 'dist/demo/data', { recursive: true });
// The UI: type-checked without Node types (ui/tsconfig.json), then bundled.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'ui/tsconfig.json'], { stdio: 'inherit' });
const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
execFileSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts'], { stdio: 'inherit' });
writeFileSync(STAMP, new Date().toISOString() + '\n');
