// `npm run bench -- --track`: each benchmark becomes an mltrack run in this repository's own
// mlruns/ (configured by the top-level .mltrack.yml), its table cells metrics, the machine params,
// so benchmark runs are compared in mltrack's own CLI and UI.
import { printedTables } from './table.js';

const UNITS = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000, min: 60000 };

/** A table cell as a number and a unit ('ms' for every duration), or null when it holds none. */
export function parseFigure(cell) {
  const m = /^\s*([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s*(ns|µs|us|ms|s|min|k|M|x|×|%)?(?![\w])/i.exec(cell);
  if (!m) return null;
  let value = Number(m[1].replace(/,/g, ''));
  let unit = m[2] ?? '';
  if (!Number.isFinite(value)) return null;
  if (unit in UNITS) [value, unit] = [value * UNITS[unit], 'ms'];
  else if (unit === 'k') [value, unit] = [value * 1e3, ''];
  else if (unit === 'M') [value, unit] = [value * 1e6, ''];
  else if (unit === '×') unit = 'x';
  return { value, unit };
}

/** A short MLflow key part: no backticks or parenthesised asides, words joined by `_`. */
export function keyPart(text) {
  return text
    .replace(/`/g, '')
    .replace(/\([^)]*\)/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\w\-.:]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * The metrics of the tables printed since index `from`: `<row>/<column>[_unit]`, with the table's
 * first words in front when the benchmark printed several tables.
 */
export function tableMetrics(from) {
  const metrics = {};
  const tables = printedTables.slice(from);
  tables.forEach((table, t) => {
    const prefix = tables.length > 1 ? keyPart((table.title || `table ${t + 1}`).split(/\s+/).slice(0, 3).join(' ')) : '';
    for (const row of table.rows) {
      row.slice(1).forEach((cell, i) => {
        const figure = parseFigure(cell);
        if (!figure) return;
        const column = keyPart(table.header[i + 1] || `col ${i + 1}`) + (figure.unit ? `_${figure.unit}` : '');
        const key = [prefix, keyPart(row[0] || 'row'), column].filter(Boolean).join('/').slice(0, 250);
        metrics[key] = figure.value;
      });
    }
  });
  return metrics;
}

/** Logs one benchmark as a run of the `benchmarks` experiment (or .mltrack.yml's experiment). */
export async function trackBenchmark(name, machine, options, fromTable) {
  const mltrack = await import('../../dist/index.js');
  const config = mltrack.loadConfig();
  await mltrack.setExperiment(config.experiment ?? 'benchmarks');
  const metrics = tableMetrics(fromTable);
  return mltrack.withRun({ runName: name, tags: { 'mltrack.bench': name } }, async (run) => {
    await run.logParams({
      bench: name,
      cpus: machine.cpus,
      cpu_model: machine.cpuModel,
      node: machine.node,
      platform: machine.platform,
      mem_gib: machine.memGiB,
      tmp_fs: machine.tmpFs,
      options: JSON.stringify(options),
    });
    await run.logMetrics(metrics);
    return { runId: run.runId, metrics: Object.keys(metrics).length };
  });
}
