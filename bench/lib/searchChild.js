// Run in a fresh process by bench/search.js: read every run of one experiment with MlrunsReader,
// then filter and sort with searchRuns. Prints one JSON line with the timings.
//   node bench/lib/searchChild.js <mlrunsRoot> <experimentId> <filter> <orderByJson>
const started = process.hrtime.bigint();
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

const [root, experimentId, filter, orderByJson] = process.argv.slice(2);
const orderBy = JSON.parse(orderByJson);

const t0 = process.hrtime.bigint();
const { MlrunsReader } = await import('../../dist/store/MlrunsReader.js');
const { FsTreeReader } = await import('../../dist/store/FsTreeReader.js');
const { searchRuns } = await import('../../dist/format/search/index.js');
const importMs = ms(t0);

const t1 = process.hrtime.bigint();
const reader = new MlrunsReader(new FsTreeReader(root));
const experiments = (await reader.listExperiments('ACTIVE_ONLY')).filter((e) => e.experiment.experimentId === experimentId);
const runs = await reader.readRuns(experiments);
const readMs = ms(t1);

const t2 = process.hrtime.bigint();
const page = searchRuns(runs, { filter, orderBy, maxResults: 50000 });
const filterMs = ms(t2);

process.stdout.write(JSON.stringify({
  importMs,
  readMs,
  filterMs,
  totalMs: readMs + filterMs,
  inProcessMs: ms(started),
  runs: runs.length,
  matched: page.items.length,
  firstRunId: page.items[0]?.info.runId ?? null,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
