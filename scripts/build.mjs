// Compile TypeScript to dist/ and copy the files the compiled code reads at run time.
import { cpSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'src/format/tsconfig.json'], { stdio: 'inherit' });
cpSync('src/demo/data', 'dist/demo/data', { recursive: true });
