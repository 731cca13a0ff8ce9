// What a CLI call costs before it does anything: `mltrack --version`, `--help` and a search on a
// 10-run tree, each a whole process timed from outside, next to `node -e 0` (node's own start-up),
// interleaved so load on the machine hits every command alike; median shown. With
// CLI_START_BASELINE=<another checkout, built>, the same commands of that checkout's bin/mltrack.js
// run in the same rounds (before/after in one run, under the same load).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTree, EXPERIMENT_ID } from './lib/mlrunsTree.js';
import { makeTempDir } from './lib/tmp.js';
import { printTable } from './lib/table.js';
import { fmtMs, fmtRatio, median, since } from './lib/timing.js';

const BIN = fileURLToPath(new URL('../bin/mltrack.js', import.meta.url));

function timed(argv, env, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = since(start);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function runCliStart({ repeat = 15 } = {}) {
  console.log('\n## CLI start: whole processes, start to exit');
  const tree = ensureTree(10, { log: (m) => console.log(`  .. ${m}`) });
  // Outside this repository, whose .mltrack.yml would name its own experiment.
  const cwd = makeTempDir('cli-start');
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of ['MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID', 'MLTRACK_EXPERIMENT']) delete env[key];
  const commands = (bin, suffix) => [
    { label: `\`mltrack --version\`${suffix}`, argv: [process.execPath, bin, '--version'] },
    { label: `\`mltrack --help\`${suffix}`, argv: [process.execPath, bin, '--help'] },
    { label: `\`mltrack runs search "metrics.m0 < 0.5"\` (10 runs)${suffix}`, argv: [process.execPath, bin, '--mlruns', tree.mlruns, 'runs', 'search', '-e', EXPERIMENT_ID, 'metrics.m0 < 0.5', '--json'] },
  ];
  const baseline = process.env.CLI_START_BASELINE;
  const cases = [
    { label: '`node -e 0`', argv: [process.execPath, '-e', '0'] },
    ...commands(BIN, ''),
    ...(baseline ? commands(resolve(baseline, 'bin/mltrack.js'), `, baseline ${baseline}`) : []),
  ];
  for (const c of cases) timed(c.argv, env, cwd); // warm-up
  const times = cases.map(() => []);
  for (let i = 0; i < repeat; i++) cases.forEach((c, j) => times[j].push(timed(c.argv, env, cwd)));
  const node = median(times[0]);
  printTable(
    `CLI start (median of ${repeat}, interleaved)`,
    ['command', 'wall', 'minus `node -e 0`', 'ratio to `node -e 0`'],
    cases.map((c, j) => [c.label, fmtMs(median(times[j])), j === 0 ? '-' : fmtMs(median(times[j]) - node), fmtRatio(median(times[j]) / node)]),
  );
}
