/**
 * `mlflow.source.name` for a command: what MLflow records (`sys.argv[0]`, the script), never the
 * arguments, which may hold secrets. For an interpreter (`python train.py --lr 1`) that is the
 * script it runs (`train.py`), or the module of `python -m pkg.mod`; otherwise the program itself.
 */
import { basename } from 'node:path';

const INTERPRETERS = /^(?:python(?:\d+(?:\.\d+)*)?|pypy\d*|node|nodejs|deno|bun|ruby|perl|php|Rscript|julia|bash|sh|zsh|dash|ksh|lua|tsx|ts-node|uv|poetry|pipenv)$/;
/** Options of those interpreters that take a value, so the value is not the script. */
const VALUE_OPTIONS = new Set(['-W', '-X', '-r', '--require', '--import', '--loader', '-I']);

export function commandSourceName(argv: readonly string[]): string {
  const [program, ...args] = argv;
  if (!program) return '';
  if (!INTERPRETERS.test(basename(program))) return program;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-m' && args[i + 1]) return args[i + 1]!;
    if (arg === 'run' || arg === 'exec') continue; // uv run / poetry run / conda run ... python x.py
    if (arg === '-c' || arg === '-e') return program; // inline code: nothing better than the program
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    // `uv run python train.py`: look through to the interpreter it starts.
    if (INTERPRETERS.test(basename(arg))) return commandSourceName(args.slice(i));
    return arg;
  }
  return program;
}
