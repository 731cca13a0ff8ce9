/** What every command needs: the resolved config, the store, the output, and how to find runs and experiments. */
import type { Experiment } from '../format/entities.js';
import { fail } from '../format/errors.js';
import { isExperimentId } from '../format/validation.js';
import { loadConfig, type Config } from '../api/config.js';
import { FileStore } from '../store/FileStore.js';
import type { TrackingView } from '../store/TrackingView.js';
import { Output, type OutputStreams } from './output.js';

export interface GlobalOptions {
  mlruns?: string;
  json?: boolean;
  color?: boolean;
  debug?: boolean;
}

export class CliContext {
  private _config: Config | null = null;
  private _store: FileStore | null = null;
  readonly out: Output;

  constructor(
    readonly streams: OutputStreams,
    readonly cwd: string,
    readonly globals: GlobalOptions,
  ) {
    this.out = new Output(streams, { json: globals.json ?? false, colour: globals.color });
  }

  get env(): NodeJS.ProcessEnv {
    return this.streams.env;
  }

  config(): Config {
    if (!this._config) {
      this._config = loadConfig({ cwd: this.cwd, env: this.env, flags: this.globals.mlruns ? { mlruns: this.globals.mlruns } : {} });
    }
    return this._config;
  }

  store(): FileStore {
    // Created lazily by the first write only: read commands never leave a tree behind (FileStore).
    if (!this._store) this._store = new FileStore(this.config().mlruns, { create: false });
    return this._store;
  }

  /** What read commands query: the working tree, or with `rev` a revision read from git objects. */
  async view(rev?: string): Promise<TrackingView | FileStore> {
    if (!rev) return this.store();
    // Only a revision is read from git: a working-tree command loads none of src/git.
    const [{ findRepo }, { openRevision }] = await Promise.all([import('../git/repo.js'), import('../git/revision.js')]);
    return (await openRevision(findRepo(this.cwd), rev, this.config().mlruns)).view;
  }

  /** An experiment by id or by name (ids win, as they are unambiguous). */
  async experiment(ref: string, rev?: string): Promise<Experiment> {
    const store = await this.view(rev);
    if (isExperimentId(ref)) {
      try {
        return await store.getExperiment(ref);
      } catch (err) {
        if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
      }
    }
    const byName = await store.getExperimentByName(ref);
    if (!byName) throw fail('NOT_FOUND', `No experiment with id or name '${ref}'`, { experiment: ref });
    return byName;
  }

  /** The run id from --run-id, else MLTRACK_RUN_ID, else MLFLOW_RUN_ID (what `mltrack run` sets for its child). */
  runId(flag: string | undefined): string {
    const id = flag || this.env.MLTRACK_RUN_ID || this.env.MLFLOW_RUN_ID;
    if (!id) throw fail('NO_ACTIVE_RUN', 'No run id: pass --run-id, or set MLTRACK_RUN_ID (e.g. RUN=$(mltrack start-run); export MLTRACK_RUN_ID=$RUN)');
    return id;
  }
}
