/**
 * The project the UI tests run against: `mltrack demo` (9 real runs), plus a run whose name, tag,
 * param, description and artifacts carry HTML and script, plus a second registered model with two
 * versions moved through stages with reasons, all committed (so the registry's git tags exist). Everything is
 * done through the compiled CLI, as a user would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { isolatedEnv } from '../helpers/env.js';

export const XSS = '<img src=x onerror=window.__xss=1>';
export const XSS_SCRIPT = '<script>window.__xss=1</script>';
/** Our own model (the demo registers one of its own, which the tests leave alone). */
export const MODEL = 'iris-challenger';

export interface DemoRun {
  run_id: string;
  name: string;
  val_accuracy: number;
  val_loss: number;
}

export interface Fixture {
  home: string;
  env: NodeJS.ProcessEnv;
  proj: string;
  experimentId: string;
  runs: DemoRun[];
  xssRunId: string;
  cleanup(): void;
}

export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnCli(args, { cwd, env });
  if (result.code !== 0) throw new Error(`mltrack ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** A temporary home with the demo project in `proj`; `extras` adds the XSS run and the registry. */
export function makeFixture(options: { extras?: boolean } = {}): Fixture {
  const home = mkdtempSync(join(tmpdir(), 'mltrack-ui-test-'));
  const env = isolatedEnv(home);
  const demo = JSON.parse(cli(['demo', '--dir', 'proj', '--json'], home, env)) as { experiment_id: string; runs: DemoRun[] };
  const proj = join(home, 'proj');
  let xssRunId = '';
  if (options.extras !== false) {
    const run = (args: string[]) => cli(args, proj, env);
    xssRunId = JSON.parse(run(['start-run', '-n', XSS, '--tag', `note=${XSS}`, '-P', `payload=${XSS_SCRIPT}`, '--description', `${XSS_SCRIPT} described`, '--json'])).info.run_id;
    const withRun = { ...env, MLTRACK_RUN_ID: xssRunId };
    for (let step = 0; step < 5; step++) cli(['log-metric', 'xss_score', String(1 / (step + 1)), '--step', String(step)], proj, withRun);
    const files = join(home, 'files');
    mkdirSync(join(files, 'model'), { recursive: true });
    writeFileSync(join(files, 'evil.html'), `<html><body>${XSS}${XSS_SCRIPT}</body></html>\n`);
    writeFileSync(join(files, 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1" width="40" height="40"><rect width="40" height="40" fill="teal"/><script>window.__xss=1</script></svg>\n');
    writeFileSync(join(files, 'table.csv'), `name,value\n"${XSS}",1\nplain,2\n`);
    writeFileSync(join(files, 'model', 'weights.txt'), '0.1 0.2 0.3\n');
    for (const f of ['evil.html', 'evil.svg', 'table.csv']) cli(['log-artifact', join(files, f)], proj, withRun);
    cli(['log-model', join(files, 'model'), '--flavor', 'demo'], proj, withRun);
    cli(['end-run'], proj, withRun);

    // The registry: two versions of the two best demo runs, moved through stages with reasons.
    const ranked = [...demo.runs].sort((a, b) => b.val_accuracy - a.val_accuracy || a.val_loss - b.val_loss);
    // A commit after each step, so each change has its own tag (as the demo does).
    run(['commit']);
    run(['models', 'register', `runs:/${ranked[1]!.run_id}/model`, MODEL, '--description', 'runner-up of the grid']);
    run(['models', 'update', MODEL, '--description', 'softmax regression on iris']);
    run(['commit']);
    run(['models', 'transition', MODEL, '1', 'Staging', '--reason', 'first candidate']);
    run(['commit']);
    run(['models', 'register', `runs:/${ranked[0]!.run_id}/model`, MODEL]);
    run(['commit']);
    run(['models', 'transition', MODEL, '2', 'Production', '--reason', 'best validation accuracy']);
    run(['models', 'alias', MODEL, 'champion', '2']);
    run(['models', 'set-tag', MODEL, 'team', XSS]);
    run(['commit']);
  }
  return {
    home,
    env,
    proj,
    experimentId: demo.experiment_id,
    runs: demo.runs,
    xssRunId,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
