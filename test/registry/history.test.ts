import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

function setup() {
  const dir = tempDir();
  const env = isolatedEnv(tempDir());
  git(dir, env, 'init', '-q');
  git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
  const runId = spawnCli(['start-run', '-n', 'train'], { cwd: dir, env }).stdout.trim();
  const cli = (...args: string[]) => spawnCli(args, { cwd: dir, env });
  return { dir, env, runId, cli };
}

interface HistoryEvent { tag: string; event: string; stage: string | null; time: number; reason: string | null; commit: string }

describe('registry history', () => {
  it('keeps every event made between two commits, each with its own tag, reason and time, in time order', () => {
    const { runId, cli } = setup();
    expect(cli('models', 'register', runId, 'churn').code).toBe(0);
    expect(cli('models', 'transition', 'churn', '1', 'Staging', '--reason', 'beats the baseline').code).toBe(0);
    expect(cli('models', 'transition', 'churn', '1', 'Production').code).toBe(0);
    const commit = JSON.parse(cli('commit', '--json').stdout).commit as string;

    const history = JSON.parse(cli('models', 'history', 'churn', '--json').stdout) as { events: HistoryEvent[]; untrusted: unknown[] };
    expect(history.untrusted).toEqual([]);
    expect(history.events.map((e) => [e.event, e.stage, e.reason])).toEqual([
      ['registered', null, null],
      ['stage', 'Staging', 'beats the baseline'],
      ['stage', 'Production', null],
    ]);
    expect(new Set(history.events.map((e) => e.tag)).size).toBe(3);
    expect(history.events.every((e) => e.commit === commit)).toBe(true);
    const times = history.events.map((e) => e.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The stage tags carry their own times: Staging's is not Production's.
    expect(history.events[1]!.tag).not.toBe(history.events[2]!.tag.replace('production', 'staging'));

    const text = cli('models', 'history', 'churn').stdout.trim().split('\n');
    expect(text).toHaveLength(3);
    expect(text[1]).toContain('Staging');
    expect(text[1]).toContain('"beats the baseline"');
    expect(text[2]).toContain('Production');
    expect(text[2]).not.toContain('beats the baseline');

    // verify agrees: the tags match the files.
    expect(cli('verify').code).toBe(0);
  });

  it('a second clone that syncs tags from the commit gets the same tag names (the commit lists its events)', () => {
    const { dir, env, runId, cli } = setup();
    cli('models', 'register', runId, 'churn');
    cli('models', 'transition', 'churn', '1', 'Staging');
    cli('models', 'transition', 'churn', '1', 'Production');
    cli('commit');
    const tags = git(dir, env, 'tag', '--list', 'mltrack/*').split('\n').sort();
    expect(tags).toHaveLength(3);
    const message = git(dir, env, 'log', '-1', '--format=%B', 'mltrack');
    for (const tag of tags) expect(message).toContain(`Mltrack-Registry-Event: ${tag}`);
    for (const tag of tags) git(dir, env, 'tag', '-d', tag);
    expect(cli('tags', 'sync').code).toBe(0);
    expect(git(dir, env, 'tag', '--list', 'mltrack/*').split('\n').sort()).toEqual(tags);
  });

  it('a forged or future-dated tag is untrusted: left out of history with a warning, verify warns but passes', () => {
    const { dir, env, runId, cli } = setup();
    cli('models', 'register', runId, 'churn');
    cli('models', 'transition', 'churn', '1', 'Staging');
    const commit = JSON.parse(cli('commit', '--json').stdout).commit as string;
    // Someone with tag rights but no branch rights forges a promotion, and a future one.
    git(dir, env, 'tag', '-a', '-m', 'forged', 'mltrack/churn#production#v1#1000', commit);
    git(dir, env, 'tag', '-a', '-m', 'forged', `mltrack/churn#archived#v1#${Date.now() + 365 * 24 * 3600 * 1000}`, commit);

    const result = cli('models', 'history', 'churn', '--json');
    expect(result.code).toBe(0);
    const history = JSON.parse(result.stdout) as { events: HistoryEvent[]; untrusted: { tag: string; why: string }[] };
    expect(history.events.map((e) => e.stage)).toEqual([null, 'Staging']);
    expect(history.untrusted.map((u) => u.tag).sort()).toEqual([expect.stringMatching(/^mltrack\/churn#archived#v1#/), 'mltrack/churn#production#v1#1000']);
    expect(result.stderr).toMatch(/untrusted registry tag 'mltrack\/churn#production#v1#1000'/);
    const verify = cli('verify');
    expect(verify.code).toBe(0);
    expect(verify.stdout + verify.stderr).toMatch(/warning: tag 'mltrack\/churn#production#v1#1000' is untrusted/);
    const json = JSON.parse(cli('verify', '--json').stdout) as { code: string }[];
    expect(json.filter((p) => p.code === 'UNTRUSTED_TAG')).toHaveLength(2);
  });
});
