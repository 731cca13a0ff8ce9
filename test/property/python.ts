/**
 * One python3 process per batch: the script reads a JSON value on stdin and prints a JSON value.
 * Used as the oracle (PyYAML, Python's float()/int()/repr()) for property tests; never one process per case.
 */
import { spawnSync } from 'node:child_process';

export function runPython<T>(script: string, input: unknown): T {
  const result = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Prelude for oracle scripts: `data` is the decoded stdin, `out(x)` prints ASCII-only JSON. */
export const PY_PRELUDE = `
import sys, json
data = json.loads(sys.stdin.buffer.read().decode('utf-8'))
def out(x):
    sys.stdout.write(json.dumps(x, ensure_ascii=True))
`;

/** The bits of a double as 16 hex digits (little-endian), so Python gets the exact value. */
export function doubleToHex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += view.getUint8(i).toString(16).padStart(2, '0');
  return hex;
}

/** A seed for fc.sample: FC_SEED when set (to replay), otherwise fresh; always printed in failure messages. */
export function seed(): number {
  return process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
}
