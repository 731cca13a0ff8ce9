/**
 * Deterministic fault points for the fault-injection tests. `MLTRACK_FAULT=<point>[:<n>]` makes the
 * process SIGKILL itself the n-th time it reaches `<point>` (n defaults to 1), so a test can stop a
 * command at an exact place, never by timing. `MLTRACK_FAULT=<point>[:<n>]:<ERRNO>` (for example
 * `write:before-rename:1:EACCES`) throws that system error there instead, as the file system would:
 * the errors a user cannot cause as root (EACCES, ENOSPC, EROFS) are tested this way. Unset, a call
 * is one comparison.
 */
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

const spec = process.env.MLTRACK_FAULT;
const parsed = spec ? /^(.+?)(?::(\d+))?(?::(E[A-Z0-9]+))?$/.exec(spec) : null;
const target = parsed?.[1] ?? null;
const errno = parsed?.[3] ?? null;
let remaining = parsed?.[2] ? Number(parsed[2]) : 1;

/** `path` and `syscall` name what the injected error is about, as Node's own errors do. */
export function faultPoint(point: string, path?: string, syscall = 'write'): void {
  if (target === null || point !== target) return;
  if (--remaining !== 0) return;
  if (errno === null) process.kill(process.pid, 'SIGKILL');
  else throw systemError(errno, syscall, path);
}

function systemError(code: string, syscall: string, path: string | undefined): NodeJS.ErrnoException {
  const number = (constants.errno as Record<string, number>)[code];
  const message = number === undefined ? code : (getSystemErrorMap().get(-number)?.[1] ?? code);
  const err: NodeJS.ErrnoException = new Error(`${code}: ${message}, ${syscall}${path ? ` '${path}'` : ''}`);
  Object.assign(err, { code, errno: number === undefined ? undefined : -number, syscall, path });
  return err;
}
