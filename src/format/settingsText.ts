/** The text of a `.mltrack.yml`, parsed to its top-level mapping: the one reader for the config loader and the gate source. */
import { parse } from 'yaml';
import { fail } from './errors.js';

/** `where` names the file in messages (a path, or `rev:.mltrack.yml` for a copy read from git). An empty file is an empty mapping. */
export function parseSettingsText(text: string, where: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw fail('CONFIG_ERROR', `${where}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw fail('CONFIG_ERROR', `${where}: expected a mapping of settings`);
  return data as Record<string, unknown>;
}
