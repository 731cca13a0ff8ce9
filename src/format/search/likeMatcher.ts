/**
 * LIKE / ILIKE matching in time linear in the value (times the pattern's length), never
 * backtracking: a pattern such as `%a%a%a%a%b` against a long value must not freeze a browser tab
 * or a CLI, which a backtracking regex engine does.
 *
 * The semantics are those MLflow's file store gets from Python `re` (`_convert_like_pattern_to_regex`
 * + `re.match`): `%` is any run of characters except a newline, `_` one character except a newline,
 * every other character literal; the match is anchored at the start, and at the end unless the
 * pattern ends with `%`, where Python's `$` also accepts one trailing newline. Characters are code
 * points; ILIKE compares them as JavaScript's `iu` regular expressions do (simple case folding).
 *
 * The pattern is run as an automaton over its tokens: the set of tokens that could come next is
 * carried along the value, one code point at a time.
 */

type Token = { kind: 'any' } | { kind: 'one' } | { kind: 'char'; ch: string; eq: (c: string) => boolean };

/** One literal, compared by case folding: a tiny `iu` regex per pattern character, its answers cached. */
function foldedEquals(ch: string): (c: string) => boolean {
  const re = new RegExp(`^\\u{${ch.codePointAt(0)!.toString(16)}}$`, 'iu');
  const seen = new Map<string, boolean>();
  return (c) => {
    if (c === ch) return true;
    let hit = seen.get(c);
    if (hit === undefined) {
      hit = re.test(c);
      if (seen.size < 4096) seen.set(c, hit);
    }
    return hit;
  };
}

export type LikeMatcher = (value: string) => boolean;

export function likeMatcher(pattern: string, caseInsensitive: boolean): LikeMatcher {
  const tokens: Token[] = [];
  for (const ch of pattern) {
    if (ch === '%') {
      // `%%` is the same as `%`.
      if (tokens[tokens.length - 1]?.kind !== 'any') tokens.push({ kind: 'any' });
    } else if (ch === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', ch, eq: caseInsensitive ? foldedEquals(ch) : (c) => c === ch });
  }
  const prefixOnly = pattern.endsWith('%');
  const n = tokens.length;
  // active[i]: the value read so far can be followed by tokens[i..]; active[n]: the whole pattern matched.
  let active = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);

  /** Add state i and, through `%` (which may match nothing), the states after it. */
  const add = (set: Uint8Array, i: number) => {
    while (i <= n && !set[i]) {
      set[i] = 1;
      if (i < n && tokens[i]!.kind === 'any') i++;
      else break;
    }
  };

  return (value) => {
    active.fill(0);
    add(active, 0);
    if (prefixOnly && active[n]) return true;
    let beforeLast = false; // the whole pattern had matched before the last code point read
    let newline = false; // the last code point read was a newline
    for (let at = 0; at < value.length; ) {
      const cp = value.codePointAt(at)!;
      const c = cp > 0xffff ? value.slice(at, at + 2) : value[at]!;
      at += c.length;
      newline = cp === 10;
      next.fill(0);
      let alive = false;
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        const t = tokens[i]!;
        if (t.kind === 'any') {
          if (!newline) {
            add(next, i);
            alive = true;
          }
        } else if (t.kind === 'one' ? !newline : t.eq(c)) {
          add(next, i + 1);
          alive = true;
        }
      }
      beforeLast = active[n] === 1;
      [active, next] = [next, active];
      if (prefixOnly && active[n]) return true;
      // Nothing can match any more, except `$` right before a final newline.
      if (!alive) return !prefixOnly && beforeLast && newline && at === value.length;
    }
    if (prefixOnly) return false;
    return active[n] === 1 || (newline && beforeLast);
  };
}
