import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { FileStore } from '../../src/store/FileStore.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { BIN } from '../helpers/cli.js';

/** Runs the real CLI with stdout a pipe that this side closes after the first chunk, as `| head -2` does. */
function closeAfterFirstChunk(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; stderr: string; got: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', (d) => {
      got = String(d);
      child.stdout.destroy();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, got }));
  });
}

describe('output closed early', () => {
  it('runs list and runs search into a closed pipe end quietly with exit 0', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(cwd);
    const store = new FileStore(`${cwd}/mlruns`);
    // Far more output than a pipe buffers (64 KiB), so the writes after the close must fail.
    for (let i = 0; i < 900; i++) await store.createRun({ experimentId: '0', runName: `run-${i}`, startTime: 1_700_000_000_000 + i, userId: 'u', tags: {} });
    for (const args of [['runs', 'list', '--max-results', '900'], ['runs', 'list', '--max-results', '900', '--json'], ['runs', 'search', "attributes.status = 'RUNNING'", '--max-results', '900']]) {
      const r = await closeAfterFirstChunk(args, cwd, env);
      expect(r.got.length, args.join(' ')).toBeGreaterThan(0);
      expect(r.stderr, args.join(' ')).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(r.code, args.join(' ')).toBe(0);
    }
  });
});
