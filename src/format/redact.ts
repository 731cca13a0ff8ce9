/**
 * Secret-looking parts of what mltrack records about a run's source, removed before they reach a
 * tag (and so a commit, a push, a site): credentials in URLs and values of secret-named options and
 * variables on a command line. Pure string work, browser-safe.
 */

export const REDACTED = '***';

/** `scheme://user:token@host/...` → `scheme://host/...`; scp-style `git@host:path` is left alone (no secret). */
export function stripUrlUserinfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
}

/** Every `scheme://userinfo@` inside `text`, with the userinfo replaced by `***`. */
function redactUrlsIn(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@\s]*@/g, `$1${REDACTED}@`);
}

/** Words that make an option or variable name secret: `--api-key`, `HF_TOKEN`, `dbPassword`, `client_secret`. */
const SECRET_WORDS = new Set(['apikey', 'key', 'keys', 'token', 'tokens', 'secret', 'secrets', 'password', 'passwd', 'passphrase', 'pwd', 'pass', 'auth', 'credential', 'credentials', 'privatekey']);

/** True when an option or variable called `name` carries a secret (its words, split at `-_.` and camelCase). */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[-_.\s]+/)
    .map((w) => w.toLowerCase())
    .filter(Boolean);
  return words.some((w, i) => SECRET_WORDS.has(w) || SECRET_WORDS.has(w + (words[i + 1] ?? '')));
}

/**
 * The argument vector with secrets replaced by `***`: `--api-key=V` and `--token V` (the value of a
 * secret-named option), `PASSWORD=V` and `password=V` (a secret-named assignment), and the
 * userinfo of any URL.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      hideNext = false;
      if (!arg.startsWith('-')) {
        out.push(REDACTED);
        continue;
      }
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && isSecretName(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq + 1)}${REDACTED}`);
      continue;
    }
    if (/^--?[A-Za-z][\w.-]*$/.test(arg) && isSecretName(arg)) hideNext = true;
    out.push(redactUrlsIn(arg));
  }
  return out;
}
