/** Ids as MLflow makes them: 18-digit experiment ids, uuid4-hex run ids, md5-based dataset and input ids. */

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** A random 18-digit decimal string whose first digit is 1-9, like MLflow 2.0+. */
export function newExperimentId(): string {
  const bytes = randomBytes(18);
  let id = String(1 + (bytes[0]! % 9));
  for (let i = 1; i < 18; i++) id += String(bytes[i]! % 10);
  return id;
}

/** 32 lowercase hex digits of a version-4 uuid. */
export function newRunId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}
