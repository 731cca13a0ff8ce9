/**
 * Bad input through the store: every refusal is an MltrackError with a stable code and a one-line
 * message, and leaves the tree byte-identical (files and folders) to what it was before the call.
 */
import { setReadWarningSink, type ReadWarning } from '../../src/store/readWarnings.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore, type MetricInput } from '../../src/store/FileStore.js';
import { tempDir } from '../helpers/env.js';
import { captureError, checkAfter, expectCheckMlrunsOk, expectRefused, snapshot } from '../conformance/fixtures.js';

async function freshRun(options: { check?: boolean } = {}): Promise<{ root: string; store: FileStore; runId: string; runDir: string }> {
  const root = join(tempDir(), 'mlruns');
  if (options.check ?? true) checkAfter(root);
  const store = new FileStore(root, { clock: () => 1_700_000_000_000 });
  const run = await store.createRun({ experimentId: '0', userId: 'alice', runName: 'bad-input' });
  return { root, store, runId: run.info.runId, runDir: join(root, '0', run.info.runId) };
}

const metric = (key: string, value = 1): MetricInput => ({ key, value, timestamp: 1_700_000_000_000, step: 0 });

describe('invalid keys', () => {
  for (const key of ['bad*name', 'a?b', 'tab\tkey', 'new\nline', 'semi;colon', 'back\\slash']) {
    it(`${JSON.stringify(key)} is INVALID_KEY for params, metrics and tags`, async () => {
      const { root, store, runId } = await freshRun();
      await expectRefused(root, 'INVALID_KEY', () => store.logParam(runId, key, 'v'));
      await expectRefused(root, 'INVALID_KEY', () => store.logMetric(runId, metric(key)));
      await expectRefused(root, 'INVALID_KEY', () => store.setTag(runId, key, 'v'));
      await expectRefused(root, 'INVALID_KEY', () => store.setExperimentTag('0', key, 'v'));
      expectCheckMlrunsOk(root);
    });
  }

  for (const key of ['../x', '../../escape', 'a/../../b', '/abs', 'a//b', './a', 'a/', '.', '..', '']) {
    it(`${JSON.stringify(key)} is PATH_TRAVERSAL for params, metrics and tags`, async () => {
      const { root, store, runId } = await freshRun();
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.logParam(runId, key, 'v'));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.logMetric(runId, metric(key)));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.setTag(runId, key, 'v'));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.deleteTag(runId, key));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.setExperimentTag('0', key, 'v'));
    });
  }

  it('a..b and unicode letters are valid keys', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'a..b', '1');
    await store.logParam(runId, 'größe', '2');
    await store.logMetric(runId, metric('日本 score:1'));
    const run = await store.getRun(runId);
    expect(run.data.params).toEqual({ 'a..b': '1', 'größe': '2' });
    expect(Object.keys(run.data.metrics)).toEqual(['日本 score:1']);
    expectCheckMlrunsOk(root);
  });
});

describe('over-long values', () => {
  it('a param of 6000 characters is fine; 6001 is VALUE_TOO_LONG', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'ok', 'x'.repeat(6000));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logParam(runId, 'long', 'x'.repeat(6001)));
  });

  it('lengths count code points: 6000 astral characters are a valid param', async () => {
    const { store, runId } = await freshRun();
    await store.logParam(runId, 'emoji', '😀'.repeat(6000));
    expect((await store.getRun(runId)).data.params.emoji).toBe('😀'.repeat(6000));
  });

  it('a tag of 8000 characters is fine; 8001 is VALUE_TOO_LONG (set_tag and log_batch)', async () => {
    const { root, store, runId } = await freshRun();
    await store.setTag(runId, 'ok', 't'.repeat(8000));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.setTag(runId, 'long', 't'.repeat(8001)));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logBatch(runId, { tags: [{ key: 'long', value: 't'.repeat(8001) }] }));
  });

  it('a key of 250 characters is fine; 251 is VALUE_TOO_LONG for metrics, params and tags', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'k'.repeat(250), 'v');
    const key = 'k'.repeat(251);
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logParam(runId, key, 'v'));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.logMetric(runId, metric(key)));
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.setTag(runId, key, 'v'));
  });

  it('an experiment name over 500 characters is VALUE_TOO_LONG; an empty one INVALID_NAME', async () => {
    const { root, store } = await freshRun();
    await expectRefused(root, 'VALUE_TOO_LONG', () => store.createExperiment('n'.repeat(501)));
    await expectRefused(root, 'INVALID_NAME', () => store.createExperiment(''));
  });
});

describe('bad metric values', () => {
  const bad: [string, MetricInput][] = [
    ['a string value', { key: 'm', value: '1' as unknown as number, timestamp: 1, step: 0 }],
    ['a null value', { key: 'm', value: null as unknown as number, timestamp: 1, step: 0 }],
    ['a boolean value', { key: 'm', value: true as unknown as number, timestamp: 1, step: 0 }],
    ['a negative timestamp', { key: 'm', value: 1, timestamp: -1, step: 0 }],
    ['a fractional timestamp', { key: 'm', value: 1, timestamp: 1.5, step: 0 }],
    ['a fractional step', { key: 'm', value: 1, timestamp: 1, step: 0.5 }],
  ];
  for (const [what, m] of bad) {
    it(`${what} is INVALID_VALUE`, async () => {
      const { root, store, runId } = await freshRun();
      await expectRefused(root, 'INVALID_VALUE', () => store.logMetric(runId, m));
    });
  }
  it('NaN, ±inf and negative steps are accepted', async () => {
    const { root, store, runId } = await freshRun();
    await store.logBatch(runId, { metrics: [metric('m', NaN), metric('m', Infinity), { ...metric('m', -Infinity), step: -3 }] });
    expect((await store.getMetricHistory(runId, 'm')).map((m) => [m.value, m.step])).toEqual([[NaN, 0], [Infinity, 0], [-Infinity, -3]]);
    expectCheckMlrunsOk(root);
  });
});

describe('changed params', () => {
  it('a different value is PARAM_CHANGED and the old file stays', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'lr', '0.01');
    const err = await expectRefused(root, 'PARAM_CHANGED', () => store.logParam(runId, 'lr', '0.02'));
    expect(err.mlflowCode).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toContain("key='lr'");
    expect((await store.getRun(runId)).data.params.lr).toBe('0.01');
  });

  it('a duplicate key with different values inside one batch is PARAM_CHANGED', async () => {
    const { root, store, runId } = await freshRun();
    await expectRefused(root, 'PARAM_CHANGED', () =>
      store.logBatch(runId, { params: [{ key: 'p', value: '1' }, { key: 'p', value: '2' }] }),
    );
  });

  it('a batch whose 3rd of 5 params conflicts writes none of them (nor its metrics and tags)', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'p3', 'old');
    const params = [1, 2, 3, 4, 5].map((i) => ({ key: `p${i}`, value: 'new' }));
    await expectRefused(root, 'PARAM_CHANGED', () =>
      store.logBatch(runId, { params, metrics: [metric('m')], tags: [{ key: 't', value: 'v' }] }),
    );
    expect((await store.getRun(runId)).data.params).toEqual({ p3: 'old' });
  });
});

describe('batch limits', () => {
  const cases: [string, () => Parameters<FileStore['logBatch']>[1]][] = [
    ['1001 metrics', () => ({ metrics: Array.from({ length: 1001 }, (_, i) => metric(`m${i}`)) })],
    ['101 params', () => ({ params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) })],
    ['101 tags', () => ({ tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) })],
    ['1000 metrics and 1 param (1001 entries)', () => ({
      metrics: Array.from({ length: 1000 }, (_, i) => metric(`m${i}`)),
      params: [{ key: 'p', value: 'v' }],
    })],
  ];
  for (const [what, batch] of cases) {
    it(`${what} is BATCH_TOO_LARGE and writes nothing`, async () => {
      const { root, store, runId } = await freshRun();
      await expectRefused(root, 'BATCH_TOO_LARGE', () => store.logBatch(runId, batch()));
    });
  }
  it('exactly 1000 metrics, or 100 params + 100 tags + 800 metrics, are accepted', async () => {
    const { root, store, runId } = await freshRun();
    await store.logBatch(runId, { metrics: Array.from({ length: 1000 }, (_, i) => ({ ...metric('m'), step: i })) });
    await store.logBatch(runId, {
      params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
      tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'v' })),
      metrics: Array.from({ length: 800 }, (_, i) => metric(`k${i}`)),
    });
    expect(await store.getMetricHistory(runId, 'm')).toHaveLength(1000);
    expectCheckMlrunsOk(root);
  });
  it('a bad entry late in a large batch writes nothing', async () => {
    const { root, store, runId } = await freshRun();
    const metrics = Array.from({ length: 999 }, (_, i) => metric(`m${i}`));
    metrics.push(metric('bad*key'));
    await expectRefused(root, 'INVALID_KEY', () => store.logBatch(runId, { metrics }));
  });
});

describe('key a versus key a/b', () => {
  it('param a then a/b is INVALID_KEY, and a/b then a too', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'a', '1');
    await expectRefused(root, 'INVALID_KEY', () => store.logParam(runId, 'a/b', '2'));
    await store.logParam(runId, 'x/y', '1');
    await expectRefused(root, 'INVALID_KEY', () => store.logParam(runId, 'x', '2'));
    expect((await store.getRun(runId)).data.params).toEqual({ a: '1', 'x/y': '1' });
  });

  it('metric a then a/b (and a/b/c then a/b) is INVALID_KEY', async () => {
    const { root, store, runId } = await freshRun();
    await store.logMetric(runId, metric('a'));
    await expectRefused(root, 'INVALID_KEY', () => store.logMetric(runId, metric('a/b')));
    await store.logMetric(runId, metric('x/y/z'));
    await expectRefused(root, 'INVALID_KEY', () => store.logMetric(runId, metric('x/y')));
    expectCheckMlrunsOk(root);
  });

  it('tag a then a/b is INVALID_KEY', async () => {
    const { root, store, runId } = await freshRun();
    await store.setTag(runId, 'a', '1');
    await expectRefused(root, 'INVALID_KEY', () => store.setTag(runId, 'a/b', '2'));
    await store.setTag(runId, 'x/y', '1');
    await expectRefused(root, 'INVALID_KEY', () => store.setTag(runId, 'x', '2'));
  });

  it('a batch whose 2nd param clashes with an existing key writes nothing', async () => {
    const { root, store, runId } = await freshRun();
    await store.logParam(runId, 'a', '1');
    await expectRefused(root, 'INVALID_KEY', () =>
      store.logBatch(runId, { params: [{ key: 'z', value: '1' }, { key: 'a/b', value: '2' }], metrics: [metric('m')] }),
    );
  });

  it('a batch whose tag clashes writes none of its params and metrics', async () => {
    const { root, store, runId } = await freshRun();
    await store.setTag(runId, 't', '1');
    await expectRefused(root, 'INVALID_KEY', () =>
      store.logBatch(runId, { params: [{ key: 'p', value: '1' }], metrics: [metric('m')], tags: [{ key: 't/u', value: '2' }] }),
    );
  });

  it('a batch holding both a and a/b writes nothing', async () => {
    const { root, store, runId } = await freshRun();
    await expectRefused(root, 'INVALID_KEY', () => store.logBatch(runId, { params: [{ key: 'a', value: '1' }, { key: 'a/b', value: '2' }] }));
    await expectRefused(root, 'INVALID_KEY', () => store.logBatch(runId, { metrics: [metric('m/n'), metric('m')] }));
    await expectRefused(root, 'INVALID_KEY', () => store.logBatch(runId, { tags: [{ key: 'q', value: '1' }, { key: 'q/r/s', value: '2' }] }));
  });
});

describe('artifact paths', () => {
  for (const path of ['../x', '../../etc/passwd', 'a/../../x', '/abs/x', 'C:/x']) {
    it(`${JSON.stringify(path)} is PATH_TRAVERSAL for log, read and list`, async () => {
      const { root, store, runId } = await freshRun();
      const local = join(tempDir(), 'f.txt');
      writeFileSync(local, 'data');
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.logArtifact(runId, local, path));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.logText(runId, path, 'text'));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.readArtifact(runId, path));
      await expectRefused(root, 'PATH_TRAVERSAL', () => store.listArtifacts(runId, path));
    });
  }
});

describe('unknown and bad ids', () => {
  it('an unknown run is NOT_FOUND; a malformed run id INVALID_ID', async () => {
    const { root, store } = await freshRun();
    await expectRefused(root, 'NOT_FOUND', () => store.logParam('ffffffffffffffffffffffffffffffff', 'p', 'v'));
    await expectRefused(root, 'INVALID_ID', () => store.logParam('../0', 'p', 'v'));
    await expectRefused(root, 'INVALID_ID', () => store.getRun(''));
  });
  it('an unknown experiment is NOT_FOUND; a malformed experiment id INVALID_ID', async () => {
    const { root, store } = await freshRun();
    await expectRefused(root, 'NOT_FOUND', () => store.createRun({ experimentId: '999', userId: 'u' }));
    await expectRefused(root, 'INVALID_ID', () => store.createRun({ experimentId: '../0', userId: 'u' }));
    await expectRefused(root, 'INVALID_ID', () => store.getExperiment('.trash'));
  });
});

describe('malformed files on read', () => {
  it('an empty run meta.yaml is MALFORMED_META for get_run; search skips it with a warning', async () => {
    const { root, store, runId, runDir } = await freshRun({ check: false });
    writeFileSync(join(runDir, 'meta.yaml'), '');
    await expectRefused(root, 'MALFORMED_META', () => store.getRun(runId));
    const warnings: ReadWarning[] = [];
    const previous = setReadWarningSink((w) => warnings.push(w));
    try {
      expect((await store.searchRuns({ experimentIds: ['0'] })).items).toEqual([]);
    } finally {
      setReadWarningSink(previous);
    }
    expect(warnings.map((w) => [w.path, w.rule.split(':')[0]])).toEqual([[runDir, 'MALFORMED_META']]);
    await expectRefused(root, 'MALFORMED_META', () => store.logParam(runId, 'p', 'v'));
  });
  it('an empty experiment meta.yaml is MALFORMED_META for get_experiment; search_experiments skips it', async () => {
    const { root, store } = await freshRun({ check: false });
    writeFileSync(join(root, '0', 'meta.yaml'), '');
    const previous = setReadWarningSink(() => {});
    try {
      expect((await store.searchExperiments()).items.map((e) => e.experimentId)).not.toContain('0');
    } finally {
      setReadWarningSink(previous);
    }
    await expectRefused(root, 'MALFORMED_META', () => store.getExperiment('0'));
  });
  it('meta.yaml that is not YAML, or not a mapping, is MALFORMED_META', async () => {
    const { root, store, runId, runDir } = await freshRun({ check: false });
    writeFileSync(join(runDir, 'meta.yaml'), 'run_id: [unclosed\n');
    await expectRefused(root, 'MALFORMED_META', () => store.getRun(runId));
    writeFileSync(join(runDir, 'meta.yaml'), '- a list\n');
    await expectRefused(root, 'MALFORMED_META', () => store.getRun(runId));
  });
  it('a malformed metric file is MALFORMED_METRIC', async () => {
    const { root, store, runId, runDir } = await freshRun({ check: false });
    for (const content of ['1 2 3\n\n', '1 2\t3\n', '1  2 3\n', 'x 2 3\n', '1 abc 3\n', '1 2 3.5\n']) {
      writeFileSync(join(runDir, 'metrics', 'bad'), content);
      await expectRefused(root, 'MALFORMED_METRIC', () => store.getRun(runId));
      await expectRefused(root, 'MALFORMED_METRIC', () => store.getMetricHistory(runId, 'bad'));
    }
  });
  it('invalid UTF-8 in a param file is INVALID_UTF8, naming the file', async () => {
    const { root, store, runId, runDir } = await freshRun({ check: false });
    writeFileSync(join(runDir, 'params', 'p'), Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    const err = await expectRefused(root, 'INVALID_UTF8', () => store.getRun(runId));
    expect(err.message).toContain(join(runDir, 'params', 'p'));
  });
});

describe('search refusals', () => {
  const bad: [string, string][] = [
    ["params.a = '1' OR params.b = '2'", 'INVALID_FILTER'],
    ["NOT params.a = '1'", 'INVALID_FILTER'],
    ["(params.a = '1')", 'INVALID_FILTER'],
    ['params.a = unquoted', 'INVALID_FILTER'],
    ["unknown.a = '1'", 'INVALID_FILTER'],
    ["experiment_id = '0'", 'INVALID_FILTER'],
  ];
  for (const [filter, code] of bad) {
    it(`filter ${JSON.stringify(filter)} is ${code}`, async () => {
      const { root, store } = await freshRun();
      await expectRefused(root, code as 'INVALID_FILTER', () => store.searchRuns({ experimentIds: ['0'], filter }));
    });
  }
  it('order_by "metrics.loss SIDEWAYS" is INVALID_ORDER_BY; a forged page token INVALID_PAGE_TOKEN; max_results 0 INVALID_ARGUMENT', async () => {
    const { root, store } = await freshRun();
    await expectRefused(root, 'INVALID_ORDER_BY', () => store.searchRuns({ experimentIds: ['0'], orderBy: ['metrics.loss SIDEWAYS'] }));
    await expectRefused(root, 'INVALID_PAGE_TOKEN', () => store.searchRuns({ experimentIds: ['0'], pageToken: 'not-a-token' }));
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.searchRuns({ experimentIds: ['0'], maxResults: 0 }));
    await expectRefused(root, 'INVALID_ARGUMENT', () => store.searchRuns({ experimentIds: ['0'], maxResults: 50_001 }));
  });
});

describe('captureError', () => {
  it('fails when nothing is thrown (the helpers above can fail)', async () => {
    await expect(captureError(() => undefined)).rejects.toThrow(/nothing was thrown/);
    const { root } = await freshRun({ check: false });
    const before = snapshot(root);
    writeFileSync(join(root, 'stray'), 'x');
    expect(snapshot(root)).not.toEqual(before);
  });
});
