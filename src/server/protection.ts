/**
 * Protected stages and aliases: moving a version into one needs the promote role. Production by
 * default; `.mltrack.yml` can say otherwise, for all models or per model:
 *
 *   server:
 *     protected: [Production, champion]
 *     models:
 *       churn: [Production, Staging]
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fail } from '../format/errors.js';

export interface ServerSettings {
  protectedDefault: string[];
  protectedByModel: Record<string, string[]>;
  usersFile: string | null;
}

export const DEFAULT_PROTECTED = ['Production'];

function names(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw fail('CONFIG_ERROR', `${where}: expected a list of stage or alias names`);
  return value as string[];
}

export function readServerSettings(configFile: string | null): ServerSettings {
  const settings: ServerSettings = { protectedDefault: DEFAULT_PROTECTED, protectedByModel: {}, usersFile: null };
  if (!configFile) return settings;
  const section = (parse(readFileSync(configFile, 'utf8')) as { server?: Record<string, unknown> } | null)?.server;
  if (section === undefined || section === null) return settings;
  const where = `${configFile}: server`;
  if (typeof section !== 'object') throw fail('CONFIG_ERROR', `${where}: expected a mapping`);
  if (section.protected !== undefined) settings.protectedDefault = names(section.protected, `${where}.protected`);
  if (section.models !== undefined) {
    for (const [model, list] of Object.entries(section.models as Record<string, unknown>)) settings.protectedByModel[model] = names(list, `${where}.models.${model}`);
  }
  if (typeof section.users_file === 'string') settings.usersFile = section.users_file;
  return settings;
}

/** Is a stage or alias of this model protected? Stage names compare case-insensitively, as MLflow's do. */
export function isProtected(settings: ServerSettings, model: string, target: { stage?: string; alias?: string }): boolean {
  const list = settings.protectedByModel[model] ?? settings.protectedDefault;
  if (target.stage) return list.some((n) => n.toLowerCase() === target.stage!.toLowerCase());
  if (target.alias) return list.includes(target.alias);
  return false;
}
