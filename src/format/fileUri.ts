/** `file:` URIs as Python's pathlib writes them (percent-encoded UTF-8, `/` kept), and back. */

const UNRESERVED = /[A-Za-z0-9_.\-~/]/;

export function pathToFileUri(absPath: string): string {
  let out = 'file://';
  for (const byte of new TextEncoder().encode(absPath)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * The local path of a `file:` URI or a plain path, in every spelling MLflow accepts: `file:///abs`,
 * `file:/abs`, `file://localhost/abs`, relative `file:./mlruns` and `file:mlruns` (returned relative),
 * percent-encoded or not. Null for any other scheme (s3:, http:, ...) and for a remote host.
 */
export function fileUriToPath(uri: string): string | null {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) || /^[a-zA-Z]:[\\/]/.test(uri)) return uri;
  const match = /^file:(?:\/\/(?:localhost)?(?=\/|$))?(.*)$/is.exec(uri);
  if (!match || match[1]!.startsWith('//')) return null;
  const path = match[1] === '' ? '/' : match[1]!;
  // Decode each run of %XX escapes as UTF-8 bytes; everything else is literal.
  return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    new TextDecoder().decode(Uint8Array.from(run.slice(1).split('%'), (hex) => parseInt(hex, 16))),
  );
}
