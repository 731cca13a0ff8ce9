/** MLflow's `gc`: deleted runs and deleted experiments removed for good; one damaged run is skipped, never stops it. */
import { rmSync } from 'node:fs';
import type { StoreCore } from './StoreCore.js';

export async function gc(core: StoreCore, options: { olderThanMs?: number; experimentIds?: string[]; runIds?: string[] } = {}): Promise<{ runs: string[]; experiments: string[] }> {
  core.requireRoot();
  const cutoff = options.olderThanMs === undefined ? Infinity : core.clock() - options.olderThanMs;
  const removedRuns: string[] = [];
  const removedExperiments: string[] = [];
  const onlyRuns = options.runIds ? new Set(options.runIds) : null;
  const onlyExperiments = options.experimentIds ? new Set(options.experimentIds) : null;
  for (const located of await core.reader.listExperiments('ALL')) {
    const { experiment } = located;
    if (onlyExperiments && !onlyExperiments.has(experiment.experimentId)) continue;
    for (const location of await core.reader.listRunDirs(located.dir)) {
      const info = await core.reader.readRunInfoOrSkip(location, experiment.experimentId);
      if (!info || info.lifecycleStage !== 'deleted') continue;
      if (onlyRuns && !onlyRuns.has(info.runId)) continue;
      if ((info.deletedTime ?? 0) > cutoff) continue;
      rmSync(core.abs(location.dir), { recursive: true, force: true });
      removedRuns.push(info.runId);
    }
    if (located.inTrash && !onlyRuns && (experiment.lastUpdateTime ?? 0) <= cutoff) {
      rmSync(core.abs(located.dir), { recursive: true, force: true });
      removedExperiments.push(experiment.experimentId);
    }
  }
  core.runCache.clear();
  return { runs: removedRuns, experiments: removedExperiments };
}
