/**
 * parseMetricHistory against MLflow's own reading code run by python3: codecs.open(...).readlines(),
 * then `_get_metric_from_line` (3.x: 2, 3 or 5 fields), then max by (step, timestamp, value).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { latestMetric, parseMetricHistory } from '../../src/format/metricFile.js';
import { pyFloatRepr } from '../../src/format/pyFloat.js';
import { PY_PRELUDE, runPython, seed } from './python.js';

const MLFLOW_READ = `${PY_PRELUDE}
import codecs, os, tempfile
def from_line(line):
    parts = line.strip().split(" ")
    if len(parts) not in (2, 3, 5):
        raise RuntimeError("fields")
    ts = int(parts[0]); val = float(parts[1]); step = int(parts[2]) if len(parts) >= 3 else 0
    return (step, ts, val)
result = []
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, 'm')
    for text in data:
        with open(path, 'wb') as f:
            f.write(text.encode('utf-8'))
        with codecs.open(path, mode='r', encoding='utf-8') as f:
            lines = f.readlines()
        try:
            metrics = [from_line(l) for l in lines]
            if not metrics:
                raise RuntimeError("No data found")
            best = max(metrics, key=lambda m: m)
            result.append({'history': [[str(ts), repr(val), str(step)] for (step, ts, val) in metrics], 'latest': metrics.index(best)})
        except (ValueError, RuntimeError) as e:
            result.append(None)
out(result)
`;

type PyRead = { history: [string, string, string][]; latest: number } | null;

describe('parseMetricHistory agrees with MLflow reading the same bytes', () => {
  it('on generated metric files (separators, spaces, signs, specials, big steps)', () => {
    const s = seed();
    const field = fc.oneof(
      fc.constantFrom('0', '1', '-1', '1.5', 'nan', 'inf', '-inf', 'NaN', 'Infinity', '1e-05', '1_0', '9007199254740993', '-0', '١', '2'),
      fc.integer({ min: -3, max: 3 }).map(String),
    );
    const sep = fc.constantFrom(' ', ' ', ' ', '  ', '\t');
    const line = fc.tuple(fc.array(field, { minLength: 1, maxLength: 6 }), sep).map(([fields, sp]) => fields.join(sp));
    const lineEnd = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r', '\v', '\x85', '\u2028', '\x1c', '\x1f', '');
    const file = fc.array(fc.tuple(fc.constantFrom('', '', ' ', '\t', '\u3000'), line, lineEnd), { maxLength: 4 })
      .map((lines) => lines.map(([pad, l, end]) => pad + l + end).join(''));
    // Bias toward files that parse: every line a well-formed 3-field line.
    const good = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0.5', '1.0', 'nan', '-0.0', 'inf', '2.0'), fc.integer({ min: -2, max: 2 })), { minLength: 1, maxLength: 5 })
      .map((rows) => rows.map(([t, v, st]) => `${t} ${v} ${st}\n`).join(''));
    const texts = [...fc.sample(file, { numRuns: 3000, seed: s }), ...fc.sample(good, { numRuns: 1000, seed: s + 1 })];
    // Timestamps are JS numbers (ms since the epoch fit): one beyond 2^53 is read to the nearest double.
    const python = runPython<PyRead[]>(MLFLOW_READ, texts).map((r) =>
      r && { ...r, history: r.history.map(([ts, v, st]): [string, string, string] => [String(Number(ts)), v, st]) },
    );
    const mismatches: string[] = [];
    texts.forEach((text, i) => {
      let ours: PyRead;
      try {
        const history = parseMetricHistory('m', text, 'm');
        ours = {
          history: history.map((h) => [String(h.timestamp), pyFloatRepr(h.value), String(h.step)]),
          latest: history.indexOf(latestMetric(history)),
        };
      } catch {
        ours = null;
      }
      if (JSON.stringify(ours) !== JSON.stringify(python[i])) {
        mismatches.push(`${JSON.stringify(text)}: ours ${JSON.stringify(ours)}, mlflow ${JSON.stringify(python[i])}`);
      }
    });
    expect(mismatches.slice(0, 20), `seed ${s}`).toEqual([]);
  });
});
