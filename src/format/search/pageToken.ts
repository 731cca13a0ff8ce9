/**
 * MLflow's page token: `base64(json.dumps({"offset": N}))`, e.g. `eyJvZmZzZXQiOiAxfQ==` for
 * `{"offset": 1}` (Python's default separators `", "` and `": "`). Decoding follows Python's
 * lenient `base64.b64decode` (characters outside the alphabet are skipped, padding must be right)
 * and `json.loads`; the offset must be a positive integer (spec 10.5).
 */
import type { Page } from '../entities.js';
import { fail } from '../errors.js';
import { parsePyInt, quoteForMessage as q } from './python.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | (b >> 4)]!;
    out += i + 1 < bytes.length ? ALPHABET[((b & 15) << 2) | (c >> 6)]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[c & 63]! : '=';
  }
  return out;
}

/**
 * Python's `base64.b64decode(s)` without `validate`: skips characters outside the alphabet,
 * stops at a pad that completes a quantum, and fails on a dangling quantum ("Incorrect padding").
 */
function pyBase64Decode(text: string): Uint8Array | string {
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let left = 0;
  let data = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) return 'string argument should contain only ASCII characters';
    if (code === 61 /* = */) {
      if (quad >= 2 && quad + ++pads >= 4) return Uint8Array.from(out); // a complete pad ends the input
      continue;
    }
    const v = DECODE[code]!;
    if (v < 0) continue;
    pads = 0;
    data++;
    switch (quad) {
      case 0:
        left = v;
        quad = 1;
        break;
      case 1:
        out.push(((left << 2) | (v >> 4)) & 0xff);
        left = v & 0x0f;
        quad = 2;
        break;
      case 2:
        out.push(((left << 4) | (v >> 2)) & 0xff);
        left = v & 0x03;
        quad = 3;
        break;
      default:
        out.push(((left << 6) | v) & 0xff);
        quad = 0;
    }
  }
  if (quad === 1) return `number of data characters (${data}) cannot be 1 more than a multiple of 4`;
  if (quad !== 0) return 'Incorrect padding';
  return Uint8Array.from(out);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The page token for the next page starting at `offset` (a non-negative integer). */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw fail('INVALID_ARGUMENT', `Invalid page offset ${String(offset)}: it must be a non-negative integer`);
  }
  const json = `{"offset": ${offset}}`;
  const bytes = new Uint8Array(json.length);
  for (let i = 0; i < json.length; i++) bytes[i] = json.charCodeAt(i);
  return base64Encode(bytes);
}

/**
 * The offset a page token encodes. An empty token means the first page (0); anything that does
 * not decode to a JSON object whose "offset" is a positive integer throws INVALID_PAGE_TOKEN.
 */
export function decodePageToken(token: string): number {
  if (!token) return 0;
  const bad = (why: string): never => {
    throw fail('INVALID_PAGE_TOKEN', `Invalid page token ${q(token, 100)}: ${why}`);
  };
  const bytes = pyBase64Decode(token);
  if (typeof bytes === 'string') return bad(`could not base64-decode (${bytes})`);
  let text = '';
  try {
    text = utf8.decode(bytes);
  } catch {
    bad('the decoded value is not UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    bad(`the decoded value ${q(text, 100)} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return bad(`expected {"offset": N}, got ${q(text, 100)}`);
  }
  const raw: unknown = (parsed as Record<string, unknown>)['offset'];
  let offset: number | undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) offset = raw;
  else if (typeof raw === 'string') offset = parsePyInt(raw);
  if (offset === undefined || offset < 1) {
    return bad(`expected {"offset": N} with N a positive integer, got ${q(text, 100)}`);
  }
  return offset;
}

/** MLflow's `paginate`: the slice at the token's offset, and a token while more items remain. */
export function paginate<T>(items: readonly T[], pageToken: string | null | undefined, maxResults: number): Page<T> {
  const start = decodePageToken(pageToken ?? '');
  const end = start + maxResults;
  return {
    items: items.slice(start, end),
    nextPageToken: end < items.length ? encodePageToken(end) : null,
  };
}
