/** Finding a program on PATH, as a shell would (used to pick `python` or `python3`, `bash` or `sh`). */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The first of `names` found on PATH, else the first name (so the error names what was expected). */
export function firstExecutable(names: string[], env: NodeJS.ProcessEnv): string {
  return names.find((name) => findExecutable(name, env) !== null) ?? names[0]!;
}
