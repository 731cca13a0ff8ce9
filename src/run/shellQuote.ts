/**
 * POSIX shell quoting exactly as Python's `shlex.quote` does it, which is what MLflow applies to
 * every MLproject parameter value: safe words stay bare, anything else is single-quoted with `'`
 * written as `'"'"'`. The result is always one shell word, whatever the value holds.
 */

/** Characters shlex leaves unquoted: ASCII word characters and `@%+=:,./-`. */
const UNSAFE = /[^A-Za-z0-9_@%+=:,./-]/;

export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (!UNSAFE.test(value)) return value;
  return "'" + value.replace(/'/g, `'"'"'`) + "'";
}

/** A command line a person can paste into a shell (Python's `shlex.join`). */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
