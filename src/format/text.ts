/** Strict UTF-8 decoding: MLflow reads every file as UTF-8 and fails on invalid bytes, and so do we, naming the file. */
import { fail } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw fail('INVALID_UTF8', `${where}: file is not valid UTF-8`, { path: where });
  }
}
