/**
 * The registry store every writer uses (the CLI's models commands, mltrack server): registrations and
 * stage changes are logged as they happen in the repository's event log, so each transition made
 * between two commits keeps its own tag, time, reason and user when the next commit is made.
 */
import { findRepo } from '../git/repo.js';
import { registryEventLogPath } from '../git/registryTags.js';
import { RegistryStore } from '../store/RegistryStore.js';

export function openRegistry(mlruns: string, cwd: string): RegistryStore {
  let eventLog: string | null = null;
  try {
    eventLog = registryEventLogPath(findRepo(cwd).gitdir);
  } catch {
    // no repository: nothing will be committed, so no event waits for a commit
  }
  return new RegistryStore(mlruns, { eventLog });
}
