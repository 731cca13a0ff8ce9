/**
 * Stat signatures of many paths at once. A query of 100,000 runs stats a few hundred thousand
 * files; each stat is a system call whose cost is the kernel's, so past a few thousand paths the
 * work is shared with one worker thread: both threads take chunks of the list from a shared
 * counter, so this thread starts at once and the worker joins when it has booted (tens of ms).
 * The worker only stats; the folding stays in statSignature.ts, one definition for every caller.
 */
import { Worker } from 'node:worker_threads';
import { foldStat, MISSING, signature } from './statSignature.js';

/** Below this many paths a worker's boot costs more than it saves. */
const PARALLEL_FROM = 8192;
const CHUNK = 512;
/** Five numbers per path: size, mtimeMs, ctimeMs, ino, isDir (size -1: missing). */
const FIELDS = 5;
/** A worker that made no progress for this long is given up on; its chunks are done here. */
const STALL_MS = 2000;

// The worker's whole program, self-contained (it runs as an eval'd CommonJS script).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
parentPort.on('message', ({ joined, out, ctrl, chunk }) => {
  const paths = joined.split('\\0');
  const chunks = Math.ceil(paths.length / chunk);
  for (let c = Atomics.add(ctrl, 0, 1); c < chunks; c = Atomics.add(ctrl, 0, 1)) {
    for (let i = c * chunk, end = Math.min(paths.length, i + chunk); i < end; i++) {
      let st;
      try { st = statSync(paths[i], { throwIfNoEntry: false }); } catch { st = undefined; }
      const k = i * 5;
      if (!st) { out[k] = -1; continue; }
      out[k] = st.size; out[k + 1] = st.mtimeMs; out[k + 2] = st.ctimeMs; out[k + 3] = st.ino; out[k + 4] = st.isDirectory() ? 1 : 0;
    }
    Atomics.store(ctrl, 2 + c, 1);
    Atomics.add(ctrl, 1, 1);
    Atomics.notify(ctrl, 1);
  }
});
`;

let worker: Worker | null | undefined;

function helper(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref(); // never keeps the process alive
    worker.on('error', () => (worker = null));
    worker.on('exit', () => (worker = null));
  } catch {
    worker = null;
  }
  return worker;
}

/**
 * The signature of each path, as `signature(path)` gives it, in order. `worker` replaces the
 * shared one (tests pass one that takes a chunk and stalls).
 */
export function signatures(paths: readonly string[], worker?: Pick<Worker, 'postMessage'>): Float64Array {
  const result = new Float64Array(paths.length);
  const w = worker ?? (paths.length >= PARALLEL_FROM ? helper() : null);
  if (!w) {
    for (let i = 0; i < paths.length; i++) result[i] = signature(paths[i]!);
    return result;
  }
  const chunks = Math.ceil(paths.length / CHUNK);
  const out = new Float64Array(new SharedArrayBuffer(paths.length * FIELDS * 8));
  // ctrl[0]: next chunk to take; ctrl[1]: chunks the worker finished; ctrl[2 + c]: chunk c done there.
  const ctrl = new Int32Array(new SharedArrayBuffer((2 + chunks) * 4));
  // One string, not an array: cloning 100,000 strings one by one costs more than their stats.
  w.postMessage({ joined: paths.join('\0'), out, ctrl, chunk: CHUNK });
  const mine = new Uint8Array(chunks);
  for (let c = Atomics.add(ctrl, 0, 1); c < chunks; c = Atomics.add(ctrl, 0, 1)) {
    mine[c] = 1;
    for (let i = c * CHUNK, end = Math.min(paths.length, i + CHUNK); i < end; i++) result[i] = signature(paths[i]!);
  }
  // Wait for the chunks the worker took; a worker that stalls has its chunks done here instead.
  const theirs = chunks - mine.reduce((n, m) => n + m, 0);
  let seen = Atomics.load(ctrl, 1);
  while (seen < theirs) {
    if (Atomics.wait(ctrl, 1, seen, STALL_MS) === 'timed-out' && Atomics.load(ctrl, 1) === seen) {
      for (let c = 0; c < chunks; c++) {
        if (mine[c] || Atomics.load(ctrl, 2 + c)) continue;
        mine[c] = 1;
        for (let i = c * CHUNK, end = Math.min(paths.length, i + CHUNK); i < end; i++) result[i] = signature(paths[i]!);
      }
      break;
    }
    seen = Atomics.load(ctrl, 1);
  }
  for (let c = 0; c < chunks; c++) {
    if (mine[c]) continue;
    for (let i = c * CHUNK, end = Math.min(paths.length, i + CHUNK); i < end; i++) {
      const k = i * FIELDS;
      result[i] = out[k]! < 0 ? MISSING : foldStat(out[k]!, out[k + 1]!, out[k + 2]!, out[k + 3]!, out[k + 4] === 1);
    }
  }
  return result;
}
