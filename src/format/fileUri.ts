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

/** The local path of a `file:` URI (or a plain path), or null for any other scheme (s3:, mlflow-artifacts:, ...). */
export function fileUriToPath(uri: string): string | null {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) || /^[a-zA-Z]:[\\/]/.test(uri)) return uri;
  const match = /^file:(?:\/\/(?:localhost)?)?(\/.*)?$/i.exec(uri);
  if (!match) return null;
  const path = match[1] ?? '/';
  // Decode each run of %XX escapes as UTF-8 bytes; everything else is literal.
  return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    new TextDecoder().decode(Uint8Array.from(run.slice(1).split('%'), (hex) => parseInt(hex, 16))),
  );
}
