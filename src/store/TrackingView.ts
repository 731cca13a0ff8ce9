/**
 * Read-only queries over any mlruns tree (a directory, or a commit of the tracking branch):
 * the same answers as the FileStore's read methods, for trees mltrack does not write to.
 */
import type { Experiment, Metric, Page, Run, ViewType } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { searchExperiments, type SearchOptions } from '../format/search/index.js';
import { validateExperimentId, validateKey, validateRunId } from '../format/validation.js';
import type { MlrunsReader } from './MlrunsReader.js';
import { searchRunsReadingLess } from './readingLess.js';
import type { SearchIndex } from './searchIndex/SearchIndex.js';

export class TrackingView {
  /** `index`: answer run searches through the derived index (a working tree); none reads every run. */
  constructor(
    readonly reader: MlrunsReader,
    private readonly index: SearchIndex | null = null,
  ) {}

  async searchExperiments(options: SearchOptions & { viewType?: ViewType } = {}): Promise<Page<Experiment>> {
    const located = await this.reader.listExperiments(options.viewType ?? 'ACTIVE_ONLY');
    return searchExperiments(located.map((e) => e.experiment), options);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    validateExperimentId(experimentId);
    const found = await this.reader.findExperiment(experimentId);
    if (!found) throw fail('NOT_FOUND', `No Experiment with id=${experimentId} exists`, { experimentId });
    return found.experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const matches = (await this.reader.listExperiments('ALL')).map((e) => e.experiment).filter((e) => e.name === name);
    return searchExperiments(matches, { maxResults: 1 }).items[0] ?? null;
  }

  async searchRuns(input: SearchOptions & { experimentIds: string[]; viewType?: ViewType }): Promise<Page<Run>> {
    const wanted = new Set(input.experimentIds);
    const experiments = (await this.reader.listExperiments('ALL')).filter((e) => wanted.has(e.experiment.experimentId));
    if (this.index) return this.index.searchRuns(experiments, input);
    return searchRunsReadingLess(this.reader, experiments, input);
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    const location = await this.reader.findRun(runId);
    const run = location ? await this.reader.readRun(location, location.experimentId) : null;
    if (!run) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    return run;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key, { checkLength: false });
    validateRunId(runId);
    const location = await this.reader.findRun(runId);
    if (!location) throw fail('NOT_FOUND', `Run '${runId}' not found`, { runId });
    return this.reader.metricHistory(location.dir, key);
  }
}
