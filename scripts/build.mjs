// Compile TypeScript to dist/ and copy the files the compiled code reads at run time; then build the
// UI (ui/, Lit + Vite) into dist/ui, so the package ships the prebuilt app and `mltrack site build`
// needs no bundler at run time.
import { cpSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'src/format/tsconfig.json'], { stdio: 'inherit' });
cpSync('src/demo/data', 'dist/demo/data', { recursive: true });
// The UI: type-checked without Node types (ui/tsconfig.json), then bundled.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'ui/tsconfig.json'], { stdio: 'inherit' });
const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
execFileSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts'], { stdio: 'inherit' });
