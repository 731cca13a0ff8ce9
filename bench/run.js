// Entry point: `node bench/run.js [logging] [search] [corpus] [--runs 1000,10000] [--points 20000] [--paint-runs 100000] [--repeat N] [--fresh] [--track]`.
// Runs every benchmark in sequence, or only those named. Needs a build (`npm run bench` builds first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printMachine } from './lib/machine.js';
import { printedTables } from './lib/table.js';
import { cleanupTempDirs } from './lib/tmp.js';
import { trackBenchmark } from './lib/track.js';

const BENCHES = ['logging', 'search', 'commit', 'cli-start', 'corpus', 'run-overhead', 'registry', 'site', 'import', 'server'];

function parseArgs(argv) {
  const opts = { names: [], runsList: [1000, 10000], knownRunsList: [1000, 10000, 100000], points: 20000, repeat: undefined, fresh: false, track: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (v) => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg}: '${v}' is not a positive integer`);
      return n;
    };
    const is = (name) => arg === name || arg.startsWith(`${name}=`);
    if (is('--runs')) opts.runsList = value().split(',').map(int);
    else if (is('--known-runs')) opts.knownRunsList = value().split(',').map(int);
    else if (is('--points')) opts.points = int(value());
    else if (is('--repeat')) opts.repeat = int(value());
    else if (is('--import-runs')) opts.importRuns = int(value());
    else if (is('--paint-runs')) opts.paintRuns = int(value());
    else if (arg === '--fresh') opts.fresh = true;
    else if (arg === '--indexed-only') opts.indexedOnly = true;
    else if (arg === '--track') opts.track = true;
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else if (BENCHES.includes(arg)) opts.names.push(arg);
    else throw new Error(`unknown argument '${arg}' (benchmarks: ${BENCHES.join(', ')})`);
  }
  if (opts.names.length === 0) opts.names = [...BENCHES];
  return opts;
}

const USAGE = `usage: node bench/run.js [${BENCHES.join('] [')}] [options]
  --runs N[,N...]   search: tree sizes (default 1000,10000)
  --known-runs N,.. commit: branch sizes for the known-run commit (default 1000,10000,100000)
  --points N        logging: metric points (default 20000); server: at most 2000 REST points
  --repeat N        repetitions, median reported (default: logging 3; search 3 up to 2,000 runs, else 1; corpus 5; run-overhead 20; registry 3; commit 3; cli-start 15)
  --fresh           search: regenerate the cached trees
  --indexed-only    search: only the indexed cases, keeping an index already built (the 100,000-run tree)
  --track           log each benchmark's figures as an mltrack run into this repository's mlruns/ (.mltrack.yml)
  --import-runs N   import: runs in the generated MLflow database (default 10000)
  --paint-runs N    site: runs in the runs index whose first paint is measured (default 100000)`;

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!existsSync(fileURLToPath(new URL('../dist/store/FileStore.js', import.meta.url)))) {
  console.error('dist/ is missing: run `npm run build` first (or `npm run bench`).');
  process.exit(2);
}

const machine = printMachine();
const started = process.hrtime.bigint();
try {
  for (const name of opts.names) {
    const firstTable = printedTables.length;
    if (name === 'logging') {
      const { runLogging } = await import('./logging.js');
      await runLogging({ points: opts.points, repeat: opts.repeat ?? 3 });
    } else if (name === 'commit') {
      const { runCommit } = await import('./commit.js');
      await runCommit({ runsList: opts.runsList, knownRunsList: opts.knownRunsList, repeat: opts.repeat ?? 3 });
    } else if (name === 'cli-start') {
      const { runCliStart } = await import('./cliStart.js');
      await runCliStart({ repeat: opts.repeat ?? 15 });
    } else if (name === 'search') {
      const { runSearch } = await import('./search.js');
      await runSearch({ runsList: opts.runsList, repeat: opts.repeat, fresh: opts.fresh, indexedOnly: opts.indexedOnly });
    } else if (name === 'registry') {
      const { runRegistry } = await import('./registry.js');
      await runRegistry({ repeat: opts.repeat ?? 3 });
    } else if (name === 'site') {
      const { runSite } = await import('./site.js');
      await runSite({ runsList: opts.runsList, paintRuns: opts.paintRuns, repeat: opts.repeat });
    } else if (name === 'corpus') {
      const { runCorpus } = await import('./corpus.js');
      await runCorpus({ repeat: opts.repeat ?? 5 });
    } else if (name === 'import') {
      const { runImport } = await import('./import.js');
      await runImport({ runs: opts.importRuns ?? 10000 });
    } else if (name === 'server') {
      const { runServer } = await import('./server.js');
      await runServer({ points: Math.min(opts.points, 2000), searchRuns: Math.max(...opts.runsList), repeat: opts.repeat ?? 3 });
    } else if (name === 'run-overhead') {
      const { runRunOverhead } = await import('./runOverhead.js');
      await runRunOverhead({ repeat: opts.repeat ?? 20 });
    }
    if (opts.track) {
      const tracked = await trackBenchmark(name, machine, { runs: opts.runsList, points: opts.points, repeat: opts.repeat ?? null }, firstTable);
      console.log(`\ntracked: run ${tracked.runId} with ${tracked.metrics} metrics (node bin/mltrack.js runs show ${tracked.runId})`);
    }
  }
} finally {
  cleanupTempDirs();
}
console.log(`\nbench time: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
