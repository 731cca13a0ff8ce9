// Run in a fresh process by bench/site.js: build the site of an mlruns tree with buildSite (on top
// of the site already in <outDir>, if any: an incremental build) and print one JSON line with the
// time, the runs rebuilt, what was written and the process's peak memory.
//   node bench/lib/siteBuildChild.js <mlrunsRoot> <outDir>
const [mlruns, out] = process.argv.slice(2);
const { buildSite } = await import('../../dist/site/buildSite.js');
const started = process.hrtime.bigint();
const result = await buildSite({ out, mlruns, cwd: out + '/..' });
const buildMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(JSON.stringify({
  buildMs,
  runs: result.runs,
  rebuilt: result.rebuilt,
  files: result.files,
  bytes: result.bytes,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
