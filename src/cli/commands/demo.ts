/**
 * `mltrack demo`: a fresh demo project with real runs. A softmax regression is trained on the
 * bundled Iris data over a hyperparameter grid, each grid point a run with per-epoch metrics, its
 * params, the dataset as an input with its digest, and the model as an artifact.
 */
import type { Command } from 'commander';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findExecutable } from '../../run/which.js';
import { fileURLToPath } from 'node:url';
import { describeParams, DEMO_GRID, DEMO_GRID_SPEC } from '../../demo/grid.js';
import { fail } from '../../format/errors.js';
import type { CliContext } from '../context.js';
import { cell } from '../output.js';
import { sparkline } from '../sparkline.js';

type Action = (ctx: CliContext, ...args: any[]) => Promise<void>;

const MARKER = '.mltrack-demo';
export const DEMO_EXPERIMENT = 'iris-softmax';
export const DEMO_MODEL = 'iris-classifier';

/** The demo directory is ours to recreate only if we made it (it holds our marker) or it is empty. */
function prepareDirectory(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw fail('ALREADY_EXISTS', `${dir} exists and is not a demo project made by mltrack; choose another --dir`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, MARKER), 'Made by `mltrack demo`; running it again recreates this directory.\n');
  writeFileSync(join(dir, '.mltrack.yml'), '# mltrack settings: see spec/config.md\nmlruns: mlruns\nexperiment: iris-softmax\nbranch: mltrack\n');
  copyFileSync(fileURLToPath(new URL('../../demo/data/iris.csv', import.meta.url)), join(dir, 'data', 'iris.csv'));
}

export interface DemoResult {
  dir: string;
  mlruns: string;
  experimentId: string;
  runs: { runId: string; name: string; valAccuracy: number; valLoss: number }[];
  /** The tracking-branch commit holding the runs. */
  commit: string | null;
  /** The registered model promoted to Production. */
  model: { name: string; version: number; runId: string };
}

const BIN = fileURLToPath(new URL('../../../bin/mltrack.js', import.meta.url));
const TRAIN_SCRIPT = new URL('../../demo/trainScript.js', import.meta.url).href;

/** The MLproject and training program the demo's runs start. */
function writeProjectFiles(dir: string): void {
  writeFileSync(join(dir, 'train.mjs'), `// The demo's training program: mltrack's softmax regression on data/iris.csv.\nimport ${JSON.stringify(TRAIN_SCRIPT.replace('/src/demo/trainScript.ts', '/dist/demo/trainScript.js'))};\n`);
  writeFileSync(
    join(dir, 'MLproject'),
    [
      'name: iris-softmax',
      'entry_points:',
      '  main:',
      '    parameters:',
      '      learning_rate: {type: float, default: 0.1}',
      '      l2: {type: float, default: 0.0}',
      '    command: "node train.mjs --learning-rate {learning_rate} --l2 {l2}"',
      '',
    ].join('\n'),
  );
}

/** A real `mltrack` process in the demo project, as a user would start it; returns its --json result. */
function runCli(dir: string, args: string[]): Record<string, unknown> {
  const env = { ...process.env };
  for (const key of ['MLFLOW_RUN_ID', 'MLTRACK_RUN_ID', 'MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLTRACK_MLRUNS', 'MLTRACK_EXPERIMENT']) delete env[key];
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
  if (result.status !== 0) throw fail('INVALID_STATE', `demo: mltrack ${args.slice(0, 2).join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** The demo is a git repository of its own, so its runs have lineage and a tracking branch. */
function initRepository(dir: string): void {
  const identity = ['-c', 'user.name=mltrack demo', '-c', 'user.email=demo@mltrack.invalid'];
  const hasIdentity = (() => {
    try {
      execFileSync('git', ['var', 'GIT_COMMITTER_IDENT'], { cwd: dir, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const gitIn = (...args: string[]) => execFileSync('git', [...(hasIdentity ? [] : identity), ...args], { cwd: dir, stdio: 'ignore' });
  gitIn('init', '-q');
  writeFileSync(join(dir, '.gitignore'), '/mlruns/\n');
  gitIn('add', '-A');
  gitIn('commit', '-q', '-m', 'Demo project: Iris data and mltrack settings');
}

/** Build the demo project in `dir` and log the grid; used by the CLI and by tests. */
export async function buildDemo(dir: string, onRun?: (done: number, total: number) => void): Promise<DemoResult> {
  // The store, the registry and git load here, so registering `demo` (and every --help) loads none of them.
  const [{ FileStore }, { RegistryStore }, { findRepo }, { commitTracking }, { REASON_TAG }, { currentUser }] = await Promise.all([
    import('../../store/FileStore.js'),
    import('../../store/RegistryStore.js'),
    import('../../git/repo.js'),
    import('../../git/trackingCommit.js'),
    import('../../git/registryTags.js'),
    import('../../api/systemTags.js'),
  ]);
  prepareDirectory(dir);
  writeProjectFiles(dir);
  initRepository(dir);
  const mlruns = join(dir, 'mlruns');
  const store = new FileStore(mlruns);
  const experimentId = await store.createExperiment(DEMO_EXPERIMENT, { tags: { 'mlflow.note.content': "Softmax regression on Fisher's Iris data, over a grid of learning rates and L2 penalties." } });
  const runs: DemoResult['runs'] = [];
  for (const [index, params] of DEMO_GRID.entries()) {
    const name = describeParams(params, DEMO_GRID_SPEC).replace(/ /g, '_');
    const values = ['-P', `learning_rate=${params.learningRate}`, '-P', `l2=${params.l2}`];
    // Two thirds of the grid run as an MLflow Project, the rest as a plain command: both are
    // how people run training, and both end in the same kind of run.
    const args = index < 6
      ? ['projects', 'run', '.', '-n', name, ...values]
      : ['run', '-n', name, ...values, '--', process.execPath, 'train.mjs', '--learning-rate', String(params.learningRate), '--l2', String(params.l2)];
    const runId = runCli(dir, ['--json', ...args]).run_id as string;
    const metrics = (await store.getRun(runId)).data.metrics;
    runs.push({ runId, name, valAccuracy: metrics.val_accuracy!.value, valLoss: metrics.val_loss!.value });
    onRun?.(index + 1, DEMO_GRID.length);
  }
  const repo = findRepo(dir);
  await commitTracking({ repo, mlruns, branch: 'mltrack', message: 'mltrack demo: train the grid' });

  // The best run's model goes through the registry: registered, then Staging, then Production,
  // each step its own commit, so the stage history (tags) tells the story.
  const best = [...runs].sort((a, b) => b.valAccuracy - a.valAccuracy || a.valLoss - b.valLoss)[0]!;
  const registry = new RegistryStore(mlruns);
  await registry.createRegisteredModel(DEMO_MODEL, { description: 'Softmax regression classifying Iris species from four measurements.', tags: { task: 'classification' } });
  const version = await registry.createModelVersion(DEMO_MODEL, { source: `runs:/${best.runId}/model`, description: `Best of the grid: ${best.name}`, userId: currentUser() });
  await commitTracking({ repo, mlruns, branch: 'mltrack' });
  await registry.setModelVersionTag(DEMO_MODEL, version.version, REASON_TAG, `highest validation accuracy of the grid (${best.valAccuracy.toFixed(3)})`);
  await registry.transitionModelVersionStage(DEMO_MODEL, version.version, 'Staging');
  await commitTracking({ repo, mlruns, branch: 'mltrack' });
  await registry.setModelVersionTag(DEMO_MODEL, version.version, REASON_TAG, 'validated on the held-out split');
  await registry.transitionModelVersionStage(DEMO_MODEL, version.version, 'Production', true);
  await registry.setAlias(DEMO_MODEL, 'champion', version.version);
  const committed = await commitTracking({ repo, mlruns, branch: 'mltrack' });
  return { dir, mlruns, experimentId, runs, commit: committed?.commit ?? null, model: { name: DEMO_MODEL, version: version.version, runId: best.runId } };
}

export function registerDemo(program: Command, run: (action: Action) => (...args: any[]) => Promise<void>): void {
  program
    .command('demo')
    .description('create a demo project and log real training runs into it (recreated on every call)')
    .option('--dir <dir>', '[string] where to create the demo project (default: ./mltrack-demo)', 'mltrack-demo')
    .option('--serve', 'then serve the UI on http://127.0.0.1:5000 (as mltrack ui), until Ctrl-C')
    .option('-p, --port <port>', '[number] port for --serve (default: 5000)')
    .action(run(async (ctx, opts: { dir: string; serve?: boolean; port?: string }) => {
      const dir = resolve(ctx.cwd, opts.dir);
      const progress = ctx.out.progress('training', DEMO_GRID.length);
      const result = await buildDemo(dir, (done) => progress.tick(done));
      progress.done();
      if (ctx.out.json) {
        ctx.out.data({ dir: result.dir, mlruns: result.mlruns, experiment_id: result.experimentId, commit: result.commit, model: { name: result.model.name, version: result.model.version, run_id: result.model.runId }, runs: result.runs.map((r) => ({ run_id: r.runId, name: r.name, val_accuracy: r.valAccuracy, val_loss: r.valLoss })) });
        return;
      }
      const ranked = [...result.runs].sort((a, b) => b.valAccuracy - a.valAccuracy || a.valLoss - b.valLoss);
      const { FileStore } = await import('../../store/FileStore.js');
      const store = new FileStore(result.mlruns);
      ctx.out.line(`Trained ${result.runs.length} runs of a softmax regression on Iris into ${result.mlruns}`);
      ctx.out.line(`and committed them to the tracking branch 'mltrack' (${result.commit?.slice(0, 10)}).`);
      ctx.out.line(`The best run is registered as ${result.model.name} v${result.model.version}, promoted through Staging to Production.`);
      ctx.out.line();
      const rows: string[][] = [];
      for (const r of ranked) {
        const history = await store.getMetricHistory(r.runId, 'val_loss');
        rows.push([r.runId, cell(r.name), r.valAccuracy.toFixed(3), r.valLoss.toFixed(4), ctx.out.paint('cyan', sparkline(history.map((h) => h.value), 30))]);
      }
      ctx.out.table(['RUN ID', 'NAME', 'VAL ACC', 'VAL LOSS', 'VAL LOSS BY EPOCH'], rows);
      const cli = commandName(ctx.env, dir);
      const hints = [
        `runs list --order-by "metrics.val_accuracy DESC" --columns metrics.val_accuracy,params.learning_rate,params.l2`,
        `runs search "metrics.val_accuracy > 0.9 and params.l2 = '0'"`,
        `runs show ${ranked[0]!.runId}`,
        `models show ${result.model.name}`,
        `models history ${result.model.name}`,
        'log',
        'ui',
      ];
      ctx.out.block(`\nExplore it:\n  cd ${opts.dir}\n${hints.map((h) => `  ${cli} ${h}`).join('\n')}`);
      if (cli !== 'mltrack') ctx.out.line(`(npm link puts mltrack on your PATH, so plain \`mltrack ${hints[5]}\` works)`);
      if (opts.serve) {
        // The same code path as `mltrack ui`, in the demo project.
        const { main } = await import('../main.js');
        const code = await main(['ui', ...(opts.port ? ['--port', opts.port] : [])], { cwd: dir, streams: ctx.streams });
        if (code !== 0) throw fail('IO_ERROR', `mltrack ui exited with ${code}`);
      }
    }));
}

/** How to call mltrack from `dir`: `mltrack` when it is on PATH, else `node <path>/bin/mltrack.js`. */
export function commandName(env: NodeJS.ProcessEnv, dir: string): string {
  if (findExecutable('mltrack', env)) return 'mltrack';
  const bin = fileURLToPath(new URL('../../../bin/mltrack.js', import.meta.url));
  const rel = relative(dir, bin);
  return `node ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`;
}
