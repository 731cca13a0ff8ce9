/**
 * What a source snapshot of a dirty work tree may take. By default only tracked files' changes
 * (what `git stash create` takes); untracked files only when `source_snapshot.untracked` is set,
 * and then never one that is ignored, larger than the large-file limit, or on the deny list of
 * files that usually hold secrets (spec/config.md).
 */

export interface SnapshotPolicy {
  /** Also take untracked, non-ignored files. */
  untracked: boolean;
  /** Patterns added to DEFAULT_DENY. */
  deny: string[];
  /** Untracked files above this many bytes are left out. */
  largeFileBytes: number;
}

/** Names that hold secrets far more often than code: env files, keys, certificates, credential stores. */
export const DEFAULT_DENY: readonly string[] = [
  '.env*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  'credentials*',
  '.netrc',
  '_netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.htpasswd',
  '.ssh',
  '.aws',
  '.gnupg',
  '.docker',
  '.kube',
  '*.tfstate',
  '*.tfvars',
];

function globToRegExp(pattern: string): RegExp {
  let body = '';
  for (const ch of pattern) {
    if (ch === '*') body += '[^/]*';
    else if (ch === '?') body += '[^/]';
    else body += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${body}$`, 'i');
}

export interface DenyList {
  /** The pattern that refuses `path` (slash-separated, relative to the work tree), or null. */
  match(path: string): string | null;
}

/**
 * A pattern without `/` is matched against every component of the path (so `.ssh` refuses all of
 * `.ssh/`), one with `/` against the whole path; `*` and `?` stay inside a component; case is ignored.
 */
export function denyList(extra: readonly string[] = []): DenyList {
  const rules = [...DEFAULT_DENY, ...extra].map((pattern) => ({ pattern, re: globToRegExp(pattern.replace(/^\/+|\/+$/g, '')), whole: pattern.includes('/') }));
  return {
    match(path) {
      const parts = path.split('/');
      for (const rule of rules) {
        if (rule.whole ? rule.re.test(path) : parts.some((p) => rule.re.test(p))) return rule.pattern;
      }
      return null;
    },
  };
}
