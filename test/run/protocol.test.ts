/** The `--parse-metrics` line protocol (spec/metrics-protocol.md): the parser, the batched writer, and end to end. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { FileStore } from '../../src/store/FileStore.js';
import { parseProtocolLine } from '../../src/run/metricsProtocol.js';
import { LineSplitter } from '../../src/run/outputCapture.js';
import { ProtocolWriter } from '../../src/run/protocolWriter.js';
import { checkMlruns } from '../helpers/checkMlruns.js';
import { spawnCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { runIds, runLog } from './helpers.js';

const NOW = 1_700_000_000_000;
const ok = (line: string) => {
  const parsed = parseProtocolLine(line, NOW);
  if (!parsed || !parsed.ok) throw new Error(`expected ${line} to parse: ${JSON.stringify(parsed)}`);
  return parsed.entry;
};
const error = (line: string) => {
  const parsed = parseProtocolLine(line, NOW);
  if (!parsed || parsed.ok) throw new Error(`expected ${line} to be malformed: ${JSON.stringify(parsed)}`);
  return parsed.error;
};

describe('protocol lines', () => {
  it('parses metrics with step and timestamp, params and tags, bare or quoted', () => {
    expect(ok('mltrack:metric loss=0.25 step=3')).toEqual({ kind: 'metric', metrics: [{ key: 'loss', value: 0.25, step: 3, timestamp: NOW }] });
    expect(ok('mltrack:metric loss=0.25 acc=1e-3\tstep=7 timestamp=123')).toEqual({
      kind: 'metric',
      metrics: [
        { key: 'loss', value: 0.25, step: 7, timestamp: 123 },
        { key: 'acc', value: 0.001, step: 7, timestamp: 123 },
      ],
    });
    const special = ok('mltrack:metric a=nan b=inf c=-inf d=7');
    expect(special.kind === 'metric' && special.metrics.map((m) => m.value)).toEqual([NaN, Infinity, -Infinity, 7]);
    expect(ok('mltrack:metric val/loss=1 step=0')).toMatchObject({ metrics: [{ key: 'val/loss', step: 0 }] });
    expect(ok('mltrack:metric "step"=5 step=2')).toEqual({ kind: 'metric', metrics: [{ key: 'step', value: 5, step: 2, timestamp: NOW }] });
    expect(ok('mltrack:metric big=1 step=9223372036854775807')).toMatchObject({ metrics: [{ step: 9223372036854775807n }] });
    // Steps outside int64 are refused, as MLflow's store would.
    expect(error('mltrack:metric big=1 step=123456789012345678901')).toMatch(/INVALID_VALUE/);
    expect(ok('mltrack:param lr=0.01 formula=a=b empty= quoted=""')).toEqual({
      kind: 'param',
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'formula', value: 'a=b' },
        { key: 'empty', value: '' },
        { key: 'quoted', value: '' },
      ],
    });
    expect(ok('mltrack:tag note="two words \\"quoted\\"" "my key"=v')).toEqual({
      kind: 'tag',
      tags: [
        { key: 'note', value: 'two words "quoted"' },
        { key: 'my key', value: 'v' },
      ],
    });
    expect(ok('mltrack:metric loss=1\r')).toMatchObject({ metrics: [{ key: 'loss', value: 1 }] });
    expect(ok('mltrack:param a=1 a=1')).toEqual({ kind: 'param', params: [{ key: 'a', value: '1' }] });
  });

  it('leaves lines that are not protocol lines alone', () => {
    for (const line of ['', 'loss=0.25', 'Epoch 3: loss=0.25', '  mltrack:metric loss=1', 'MLTRACK:metric loss=1', 'xmltrack:metric a=1', '::metric a=1']) {
      expect(parseProtocolLine(line)).toBeNull();
    }
  });

  it('reports malformed lines with a reason, never throwing', () => {
    expect(error('mltrack:metric')).toMatch(/no metric/);
    expect(error('mltrack:metric step=3')).toMatch(/no metric/);
    expect(error('mltrack:metric loss')).toMatch(/expected key=value/);
    expect(error('mltrack:metric loss=abc')).toMatch(/'abc' is not a number/);
    expect(error('mltrack:metric loss=')).toMatch(/is not a number/);
    expect(error('mltrack:metric loss=1 step=1.5')).toMatch(/step '1.5' is not an integer/);
    expect(error('mltrack:metric loss=1 timestamp=-4')).toMatch(/timestamp/);
    expect(error('mltrack:metric loss=1 loss=2')).toMatch(/given twice/);
    expect(error('mltrack:metric bad*name=1')).toMatch(/^INVALID_KEY/);
    expect(error('mltrack:metric ../up=1')).toMatch(/^PATH_TRAVERSAL/);
    expect(error('mltrack:metric =1')).toMatch(/empty key/);
    expect(error('mltrack:metrics loss=1')).toMatch(/unknown command 'mltrack:metrics'/);
    expect(error('mltrack: error CODE: text')).toMatch(/unknown command/);
    expect(error('mltrack:log loss=1')).toMatch(/unknown command/);
    expect(error('mltrack:tag note="unterminated')).toMatch(/unterminated string/);
    expect(error('mltrack:tag note="bad \\q escape"')).toMatch(/invalid string/);
    expect(error('mltrack:tag a="x"y')).toMatch(/expected a blank/);
    expect(error('mltrack:param a=1 a=2')).toMatch(/different values/);
    expect(error(`mltrack:param p=${'x'.repeat(6001)}`)).toMatch(/^VALUE_TOO_LONG/);
    expect(error('mltrack:tag')).toMatch(/no tag/);
  });

  it('cuts chunks into lines across chunk and UTF-8 boundaries, and skips over-long lines without buffering them', () => {
    const lines: string[] = [];
    const overlong: number[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), (n) => overlong.push(n));
    const bytes = Buffer.from('a=é\nsecond\r\n' + 'x'.repeat(70_000) + '\nlast');
    for (let i = 0; i < bytes.length; i += 3) splitter.push(bytes.subarray(i, i + 3));
    splitter.end();
    expect(lines).toEqual(['a=é', 'second', 'last']);
    expect(overlong).toEqual([3]);
  });
});

describe('the batched writer', () => {
  it('writes pending lines in batches within the limits, and drops only the lines the store refuses', async () => {
    const mlruns = join(tempDir(), 'mlruns');
    const store = new FileStore(mlruns);
    const run = await store.createRun({ experimentId: '0', userId: 'u' });
    const warnings: string[] = [];
    const writer = new ProtocolWriter(store, run.info.runId, { warn: (m) => warnings.push(m), intervalMs: 10_000, maxPending: 1_000_000 });
    for (let i = 0; i < 2500; i++) writer.add(i + 1, ok(`mltrack:metric m=${i} step=${i}`));
    for (let i = 0; i < 150; i++) writer.add(3000 + i, ok(`mltrack:param p${i}=${i}`));
    writer.add(4000, ok('mltrack:param p0=changed'));
    writer.add(4001, ok('mltrack:tag done=yes'));
    await writer.flush();
    expect(warnings).toEqual([expect.stringMatching(/^stdout line 4000: not logged: PARAM_CHANGED/)]);
    expect(writer.written).toBe(2500 + 150 + 1);
    expect(writer.dropped).toBe(1);
    const history = await store.getMetricHistory(run.info.runId, 'm');
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const got = await store.getRun(run.info.runId);
    expect(Object.keys(got.data.params)).toHaveLength(150);
    expect(got.data.params.p0).toBe('0');
    expect(got.data.tags.done).toBe('yes');
  });

  it('flushes on its own after the interval', async () => {
    const store = new FileStore(join(tempDir(), 'mlruns'));
    const run = await store.createRun({ experimentId: '0', userId: 'u' });
    const writer = new ProtocolWriter(store, run.info.runId, { warn: () => {}, intervalMs: 20 });
    writer.add(1, ok('mltrack:metric loss=1'));
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.getRun(run.info.runId)).data.metrics.loss?.value).toBe(1);
  });
});

describe('mltrack run --parse-metrics', () => {
  it('logs good lines, ignores malformed ones with a warning naming the line, and echoes and saves every line', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(tempDir());
    const script = [
      'echo "starting"',
      'echo "mltrack:param lr=0.01 optimizer=adam"',
      'for e in 1 2 3; do echo "mltrack:metric loss=0.$((10 - e)) acc=0.$((5 + e)) step=$e"; done',
      'echo "mltrack:metric loss=abc step=4"',
      'echo "mltrack:metricz loss=1"',
      'echo "mltrack:param lr=0.02"',
      "echo 'mltrack:tag note=\"hand tuned\"'",
      'echo "mltrack:metric bad*key=1"',
      'echo "  mltrack:metric indented=1"',
      'printf "mltrack:metric last=1 step=9"', // no final newline
    ].join('\n');
    writeFileSync(join(cwd, 'train.sh'), script + '\n');
    // Without --json: the child's stdout is echoed on stdout, the warnings are on stderr.
    const result = spawnCli(['run', '--parse-metrics', '--', 'sh', 'train.sh'], { cwd, env });
    expect(result.code).toBe(0);
    const [run_id] = runIds(join(cwd, 'mlruns'));
    const store = new FileStore(join(cwd, 'mlruns'));
    const run = await store.getRun(run_id!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toEqual({ lr: '0.01', optimizer: 'adam' });
    expect(run.data.tags.note).toBe('hand tuned');
    expect(Object.keys(run.data.metrics).sort()).toEqual(['acc', 'last', 'loss']);
    expect((await store.getMetricHistory(run_id!, 'loss')).map((m) => [m.step, m.value])).toEqual([[1, 0.9], [2, 0.8], [3, 0.7]]);
    expect((await store.getMetricHistory(run_id!, 'last')).map((m) => [m.step, m.value])).toEqual([[9, 1]]);

    // Parse warnings come as lines are read, write warnings when a batch is written: sort by line.
    const lineOf = (w: string) => Number(/stdout line (\d+)/.exec(w)![1]);
    const warnings = result.stderr.split('\n').filter((l) => l.startsWith('warning:')).sort((a, b) => lineOf(a) - lineOf(b));
    expect(warnings).toEqual([
      expect.stringMatching(/^warning: stdout line 6: ignored malformed protocol line: metric 'loss': 'abc' is not a number/),
      expect.stringMatching(/^warning: stdout line 7: ignored malformed protocol line: unknown command 'mltrack:metricz'/),
      expect.stringMatching(/^warning: stdout line 8: not logged: PARAM_CHANGED/),
      expect.stringMatching(/^warning: stdout line 10: ignored malformed protocol line: INVALID_KEY/),
    ]);
    // Every line, protocol or not, is echoed (on stderr with --json) and saved.
    const saved = runLog(join(cwd, 'mlruns'), run_id!, 'stdout');
    expect(saved.split('\n')).toHaveLength(12);
    expect(saved).toContain('mltrack:metric loss=abc step=4\n');
    expect(result.stdout).toBe(saved);
    expect(checkMlruns(join(cwd, 'mlruns')).output).toMatch(/^0 problems/m);
  });

  it('a chatty child: 20,000 metric lines all land, in order', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(tempDir());
    const result = spawnCli(['--json', 'run', '--parse-metrics', '-q', '--', 'sh', '-c', 'seq 1 20000 | awk \'{print "mltrack:metric m=" $1 " step=" $1}\''], { cwd, env });
    expect(result.code).toBe(0);
    const { run_id } = JSON.parse(result.stdout);
    const history = await new FileStore(join(cwd, 'mlruns')).getMetricHistory(run_id, 'm');
    expect(history).toHaveLength(20000);
    expect(history.every((m, i) => m.step === i + 1 && m.value === i + 1)).toBe(true);
  });

  it('without --parse-metrics, protocol lines are only output', async () => {
    const cwd = tempDir();
    const env = isolatedEnv(tempDir());
    const result = spawnCli(['--json', 'run', '--', 'sh', '-c', 'echo "mltrack:metric loss=1"; echo "mltrack:bogus"'], { cwd, env });
    const { run_id } = JSON.parse(result.stdout);
    expect((await new FileStore(join(cwd, 'mlruns')).getRun(run_id)).data.metrics).toEqual({});
    expect(result.stderr).not.toMatch(/warning/);
  });
});
