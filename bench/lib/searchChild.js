// Run in a fresh process by bench/search.js: one run search through FileStore.searchRuns, the
// path the CLI, the API and the server take. Prints one JSON line with the timings.
//   node bench/lib/searchChild.js <mlrunsRoot> <experimentId> <filter> <orderByJson> <index|none>
// With `index`, the index lives where MLTRACK_INDEX_DIR says (the parent sets it).
const started = process.hrtime.bigint();
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

const [root, experimentId, filter, orderByJson, mode] = process.argv.slice(2);
const orderBy = JSON.parse(orderByJson);

const t0 = process.hrtime.bigint();
const { FileStore } = await import('../../dist/store/FileStore.js');
const importMs = ms(t0);

const t1 = process.hrtime.bigint();
const store = new FileStore(root, { create: false, index: mode === 'none' ? false : undefined });
const page = await store.searchRuns({ experimentIds: [experimentId], filter, orderBy, maxResults: 50000 });
const totalMs = ms(t1);

process.stdout.write(JSON.stringify({
  importMs,
  totalMs,
  inProcessMs: ms(started),
  runs: store.searchIndex ? store.searchIndex.stats.runs : null,
  captured: store.searchIndex ? store.searchIndex.stats.captured : null,
  matched: page.items.length,
  firstRunId: page.items[0]?.info.runId ?? null,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
