/**
 * Where readers report what they skip: a damaged run, a stray folder, an entry that cannot be
 * stat'ed. MLflow logs and skips such entries, so one bad run never hides the rest; `verify` is
 * what fails on them. One sink for the process, replaceable: the CLI prints each warning once
 * (a JSON line in --json mode), an API user can collect them.
 */

export interface ReadWarning {
  /** What was skipped, as the tree names it (an absolute path, or `rev:path`). */
  path: string;
  /** Why: the rule it breaks, one line. */
  rule: string;
}

export type ReadWarningSink = (warning: ReadWarning) => void;

function stderrSink(): ReadWarningSink {
  const seen = new Set<string>();
  return (w) => {
    const key = `${w.path}\0${w.rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    process.stderr.write(`warning: skipped ${w.path}: ${w.rule}\n`);
  };
}

let sink: ReadWarningSink = stderrSink();

/** Report a skipped entry to the current sink. */
export function warnSkipped(warning: ReadWarning): void {
  sink(warning);
}

/** Replace the sink (returns the previous one, to restore). */
export function setReadWarningSink(next: ReadWarningSink): ReadWarningSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** A sink that prints each distinct warning once through `write`. */
export function onceEach(write: (warning: ReadWarning) => void): ReadWarningSink {
  const seen = new Set<string>();
  return (w) => {
    const key = `${w.path}\0${w.rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    write(w);
  };
}
