// REST throughput and latency of `mltrack server` next to the same operation on the store in-process:
// log-metric one call per point, log-batch, and search at 10,000 runs. Server and client share this
// process (one HTTP round trip over 127.0.0.1 per call, keep-alive), so the gap is the REST layer.
// Two clients: node:http (close to what MLflow's Python client costs) and Node's fetch, whose web
// streams cost more per call than the server does.
import http from 'node:http';
import { join } from 'node:path';
import { ensureTree } from './lib/mlrunsTree.js';
import { printTable } from './lib/table.js';
import { fmtInt, fmtMs, fmtRatio, median, since } from './lib/timing.js';
import { makeTempDir } from './lib/tmp.js';
import { FILTER, ORDER_BY } from './search.js';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { startServer } = await import(dist('server/startServer.js'));
const { loadConfig } = await import(dist('api/config.js'));
const { FileStore } = await import(dist('store/FileStore.js'));

const progress = (msg) => console.log(`  .. ${msg}`);

async function serve(mlruns, cwd) {
  const config = loadConfig({ cwd, env: {}, flags: { mlruns } });
  return startServer({ config, cwd, host: '127.0.0.1', port: 0 });
}

function fetchClient(url) {
  return async (path, body) => {
    const res = await fetch(`${url}/api/2.0/mlflow${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** POST over one keep-alive node:http socket. */
function httpClient(server) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (path, body) => new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    const req = http.request({ host: '127.0.0.1', port: server.port, path: `/api/2.0/mlflow${path}`, method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
  post.close = () => agent.destroy();
  return post;
}

async function logging(points, batchSize, repeat) {
  const samples = { restMetric: [], fetchMetric: [], storeMetric: [], restBatch: [], fetchBatch: [], storeBatch: [] };
  for (let r = 0; r < repeat; r++) {
    progress(`logging: repetition ${r + 1}/${repeat}`);
    const dir = makeTempDir('server-logging');
    const mlruns = join(dir, 'mlruns');
    const server = await serve(mlruns, dir);
    const post = httpClient(server);
    const viaFetch = fetchClient(server.url);
    const store = new FileStore(mlruns);
    try {
      const restRun = (await post('/runs/create', { experiment_id: '0' })).run.info.run_id;
      const fetchRun = (await post('/runs/create', { experiment_id: '0' })).run.info.run_id;
      const storeRun = (await store.createRun({ experimentId: '0', userId: 'bench' })).info.runId;
      await post('/runs/log-metric', { run_id: restRun, key: 'warm', value: 0, timestamp: 1, step: 0 });
      await viaFetch('/runs/log-metric', { run_id: fetchRun, key: 'warm', value: 0, timestamp: 1, step: 0 });

      let start = process.hrtime.bigint();
      for (let i = 0; i < points; i++) await post('/runs/log-metric', { run_id: restRun, key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i });
      samples.restMetric.push(since(start));
      start = process.hrtime.bigint();
      for (let i = 0; i < points; i++) await viaFetch('/runs/log-metric', { run_id: fetchRun, key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i });
      samples.fetchMetric.push(since(start));
      start = process.hrtime.bigint();
      for (let i = 0; i < points; i++) await store.logMetric(storeRun, { key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i });
      samples.storeMetric.push(since(start));

      const batches = [];
      for (let i = 0; i < points; i += batchSize) {
        batches.push(Array.from({ length: Math.min(batchSize, points - i) }, (_, j) => ({ key: 'acc', value: (i + j) / points, timestamp: 1000 + i + j, step: i + j })));
      }
      start = process.hrtime.bigint();
      for (const metrics of batches) await post('/runs/log-batch', { run_id: restRun, metrics });
      samples.restBatch.push(since(start));
      start = process.hrtime.bigint();
      for (const metrics of batches) await viaFetch('/runs/log-batch', { run_id: fetchRun, metrics });
      samples.fetchBatch.push(since(start));
      start = process.hrtime.bigint();
      for (const metrics of batches) await store.logBatch(storeRun, { metrics });
      samples.storeBatch.push(since(start));
    } finally {
      post.close();
      await server.close();
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function search(runs, repeat) {
  const tree = ensureTree(runs, { log: progress });
  const server = await serve(tree.mlruns, makeTempDir('server-search'));
  const post = httpClient(server);
  const store = new FileStore(tree.mlruns);
  const args = { experiment_ids: [tree.experimentId], filter: FILTER, order_by: ORDER_BY, max_results: 1000 };
  try {
    // One untimed call each: page cache and JIT warm, as a long-running server is.
    const first = await post('/runs/search', args);
    const inProcess = await store.searchRuns({ experimentIds: [tree.experimentId], filter: FILTER, orderBy: ORDER_BY, maxResults: 1000 });
    if (first.runs.length !== inProcess.items.length) throw new Error(`REST found ${first.runs.length} runs, the store ${inProcess.items.length}`);
    const rest = [];
    const local = [];
    for (let r = 0; r < repeat; r++) {
      progress(`search ${fmtInt(runs)} runs: repetition ${r + 1}/${repeat}`);
      let start = process.hrtime.bigint();
      await post('/runs/search', args);
      rest.push(since(start));
      start = process.hrtime.bigint();
      await store.searchRuns({ experimentIds: [tree.experimentId], filter: FILTER, orderBy: ORDER_BY, maxResults: 1000 });
      local.push(since(start));
    }
    return { runs, matched: first.runs.length, rest: median(rest), local: median(local) };
  } finally {
    post.close();
    await server.close();
  }
}

export async function runServer({ points = 2000, batchSize = 100, searchRuns = 10000, repeat = 3 } = {}) {
  console.log(`\n## REST server: ${fmtInt(points)} points one call each, then in batches of ${batchSize}; search at ${fmtInt(searchRuns)} runs`);
  console.log('Server and client in one process over 127.0.0.1 (one keep-alive socket); in-process = FileStore calls on a run of its own.');
  const m = await logging(points, batchSize, repeat);
  const perSec = (ms) => `${fmtInt(Math.round(points / (ms / 1000)))} points/s`;
  printTable(`Logging ${fmtInt(points)} points (median of ${repeat})`, ['', 'REST, node:http', 'REST, fetch', 'in-process', 'ratio node:http / in-process'], [
    ['log-metric, one call per point', `${fmtMs(m.restMetric)} (${perSec(m.restMetric)})`, `${fmtMs(m.fetchMetric)} (${perSec(m.fetchMetric)})`, `${fmtMs(m.storeMetric)} (${perSec(m.storeMetric)})`, fmtRatio(m.restMetric / m.storeMetric)],
    [`log-batch, ${batchSize} points per call`, `${fmtMs(m.restBatch)} (${perSec(m.restBatch)})`, `${fmtMs(m.fetchBatch)} (${perSec(m.fetchBatch)})`, `${fmtMs(m.storeBatch)} (${perSec(m.storeBatch)})`, fmtRatio(m.restBatch / m.storeBatch)],
  ]);
  const s = await search(searchRuns, repeat);
  printTable(`Search, ${fmtInt(s.runs)} runs, warm (median of ${repeat}); filter ${FILTER}, first page of 1000 (${fmtInt(s.matched)} runs)`, ['', 'REST', 'in-process', 'ratio'], [
    ['runs/search', fmtMs(s.rest), fmtMs(s.local), fmtRatio(s.rest / s.local)],
  ]);
  // Server, clients and store share this process: one peak for all of them.
  console.log(`peak RSS of the bench process (server, clients and in-process store): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
