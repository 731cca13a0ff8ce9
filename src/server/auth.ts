/**
 * Users and roles, which MLflow's open-source server lacks. A users file (YAML) names each user,
 * their role and a scrypt password hash and/or sha256 token hashes; requests authenticate the way
 * MLflow's clients send credentials: HTTP Basic (MLFLOW_TRACKING_USERNAME/PASSWORD) or a bearer
 * token (MLFLOW_TRACKING_TOKEN). Roles are ordered: read < write < promote.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fail } from '../format/errors.js';
import { HttpError } from './httpErrors.js';

export type Role = 'read' | 'write' | 'promote';
export const ROLES: Role[] = ['read', 'write', 'promote'];

export interface Principal {
  name: string;
  role: Role;
}

interface UserRecord {
  name: string;
  role: Role;
  password: string | null;
  tokens: string[];
}

const SCRYPT_KEYLEN = 32;

/** `scrypt$<salt b64>$<key b64>`: node's built-in scrypt, a memory-hard password hash. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, SCRYPT_KEYLEN).toString('base64')}`;
}

function checkPassword(stored: string, password: string): boolean {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

/** Tokens are random and long, so a fast hash is enough: `sha256$<hex>`. */
export function hashToken(token: string): string {
  return `sha256$${createHash('sha256').update(token).digest('hex')}`;
}

export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export class Users {
  private readonly byName = new Map<string, UserRecord>();
  private readonly byToken = new Map<string, UserRecord>();
  /** Verified Basic credentials, so a flood of requests pays scrypt once per credential. */
  private readonly verified = new Map<string, Principal>();

  constructor(records: UserRecord[]) {
    for (const r of records) {
      this.byName.set(r.name, r);
      for (const t of r.tokens) this.byToken.set(t, r);
    }
  }

  get size(): number {
    return this.byName.size;
  }

  static parse(text: string, where: string): Users {
    let data: unknown;
    try {
      data = parse(text);
    } catch (err) {
      throw fail('CONFIG_ERROR', `${where}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    const list = (data as { users?: unknown } | null)?.users;
    if (!Array.isArray(list)) throw fail('CONFIG_ERROR', `${where}: expected 'users:' with a list of users`);
    const records = list.map((u: Record<string, unknown>, i): UserRecord => {
      const at = `${where}: users[${i}]`;
      if (!u || typeof u.name !== 'string' || !u.name) throw fail('CONFIG_ERROR', `${at}: 'name' is required`);
      if (!ROLES.includes(u.role as Role)) throw fail('CONFIG_ERROR', `${at}: role must be one of ${ROLES.join(', ')}`);
      const tokens = Array.isArray(u.tokens) ? u.tokens.map(String) : [];
      if (typeof u.password !== 'string' && tokens.length === 0) throw fail('CONFIG_ERROR', `${at}: a password hash or a token hash is required`);
      return { name: u.name, role: u.role as Role, password: typeof u.password === 'string' ? u.password : null, tokens };
    });
    return new Users(records);
  }

  static load(path: string): Users {
    if (!existsSync(path)) throw fail('CONFIG_ERROR', `Users file '${path}' does not exist`, { path });
    return Users.parse(readFileSync(path, 'utf8'), path);
  }

  /** The principal an Authorization header names; 401 UNAUTHENTICATED when missing or wrong. */
  authenticate(header: string | undefined): Principal {
    if (!header) throw new HttpError('UNAUTHENTICATED', 'Authentication required: send HTTP Basic credentials or a bearer token');
    const [scheme, value = ''] = header.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme!)) {
      const user = this.byToken.get(hashToken(value));
      if (user) return { name: user.name, role: user.role };
    } else if (/^basic$/i.test(scheme!)) {
      const cached = this.verified.get(value);
      if (cached) return cached;
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon > 0 ? this.byName.get(decoded.slice(0, colon)) : undefined;
      if (user?.password && checkPassword(user.password, decoded.slice(colon + 1))) {
        const principal = { name: user.name, role: user.role };
        this.verified.set(value, principal);
        return principal;
      }
    }
    throw new HttpError('UNAUTHENTICATED', 'Invalid credentials');
  }
}

/** Loopback binds are one machine's user: no auth. Any other bind serves others: auth required. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}
