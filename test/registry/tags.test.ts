import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { formatRegistryTag, parseRegistryTag, type RegistryEvent } from '../../src/format/registryTags.js';
import { spawnCli } from '../helpers/cli.js';
import { git, isolatedEnv, tempDir } from '../helpers/env.js';

/** git's own verdict on a list of ref names (one process). */
function gitAccepts(names: string[]): boolean[] {
  const script = 'while IFS= read -r n; do git check-ref-format "refs/tags/$n" && echo ok || echo no; done';
  const out = execFileSync('sh', ['-c', script], { input: names.join('\n') + '\n', encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l === 'ok');
}

const ODD_NAMES = ['churn model', 'Modèle ✓', '模型', 'a#b', 'x@v1', 'a@{b}', '100%', 'with.dots..and.lock', '-leading', 'tab\there', 'ends.', 'emoji 🚀', 'slash\\back', '~^:?*[', 'A'];

describe('registry tag grammar', () => {
  it('round-trips any model name, and git accepts every tag name', () => {
    const events: RegistryEvent[] = [];
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 10_000 }), fc.constantFrom('none', 'staging', 'production', 'archived', 'deleted') as fc.Arbitrary<'none'>, fc.integer({ min: 0, max: 2 ** 45 }), (model, version, stage, timestamp) => {
        for (const event of [{ kind: 'registered' as const, model, version }, { kind: 'stage' as const, model, version, stage, timestamp }]) {
          expect(parseRegistryTag(formatRegistryTag(event))).toEqual(event);
          events.push(event);
        }
      }),
      { numRuns: 200 },
    );
    for (const model of ODD_NAMES) {
      const event = { kind: 'stage' as const, model, version: 3, stage: 'production' as const, timestamp: 1795348164480 };
      expect(parseRegistryTag(formatRegistryTag(event))).toEqual(event);
      events.push(event, { kind: 'registered', model, version: 12 });
    }
    expect(gitAccepts(events.map(formatRegistryTag)).every(Boolean)).toBe(true);
    expect(formatRegistryTag({ kind: 'registered', model: 'churn-model', version: 2 })).toBe('mltrack/churn-model@v2');
    expect(formatRegistryTag({ kind: 'stage', model: 'churn model', version: 2, stage: 'production', timestamp: 5 })).toBe('mltrack/churn%20model#production#v2#5');
    expect(parseRegistryTag('v1.0')).toBeNull();
    expect(parseRegistryTag('mltrack/x#live#v1#2')).toBeNull();
  });
});

describe('registry events as git tags', () => {
  it('commits create immutable annotated tags; history says who, when, why; names git cannot hold are refused first', () => {
    const dir = tempDir();
    const env = isolatedEnv(tempDir());
    git(dir, env, 'init', '-q');
    git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
    const runId = spawnCli(['start-run', '-n', 'train'], { cwd: dir, env }).stdout.trim();
    expect(spawnCli(['models', 'register', runId, 'churn model'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['commit'], { cwd: dir, env }).code).toBe(0);
    expect(spawnCli(['models', 'transition', 'churn model', '1', 'Staging', '--reason', 'beats baseline'], { cwd: dir, env }).code).toBe(0);
    const commit = JSON.parse(spawnCli(['commit', '--json'], { cwd: dir, env }).stdout).commit;

    const tags = git(dir, env, 'tag', '--list', 'mltrack/*').split('\n').sort((a, b) => (a.includes('@') ? -1 : b.includes('@') ? 1 : 0));
    expect(tags).toHaveLength(2);
    expect(tags[0]).toBe('mltrack/churn%20model@v1');
    expect(tags[1]).toMatch(/^mltrack\/churn%20model#staging#v1#\d+$/);
    expect(git(dir, env, 'cat-file', '-t', tags[1]!)).toBe('tag');
    expect(git(dir, env, 'rev-parse', `${tags[1]}^{commit}`)).toBe(commit);
    const annotation = git(dir, env, 'tag', '-l', '--format=%(contents)', tags[1]!);
    expect(annotation).toContain(`run_id: ${runId}`);
    expect(annotation).toContain('reason: "beats baseline"');

    const history = JSON.parse(spawnCli(['models', 'history', 'churn model', '--json'], { cwd: dir, env }).stdout).events;
    expect(history.map((e: { event: string; stage: string | null }) => [e.event, e.stage])).toEqual([['registered', null], ['stage', 'Staging']]);
    expect(history[1]).toMatchObject({ version: 1, tagger: 'Test User <test@example.com>', reason: 'beats baseline', commit });

    // A name that cannot be a tag is refused before anything is written.
    const long = 'm'.repeat(300);
    const refused = spawnCli(['models', 'create', long], { cwd: dir, env });
    expect(refused.stderr).toMatch(/^mltrack: error INVALID_NAME: .*too long for a git tag/);
    expect(JSON.parse(spawnCli(['models', 'list', '--json'], { cwd: dir, env }).stdout).registered_models.map((m: { name: string }) => m.name)).toEqual(['churn model']);
  });

  it('tags sync adds the tags of registry changes merged without them', () => {
    const dir = tempDir();
    const env = isolatedEnv(tempDir());
    git(dir, env, 'init', '-q');
    git(dir, env, 'commit', '-q', '--allow-empty', '-m', 'code');
    spawnCli(['models', 'create', 'm'], { cwd: dir, env });
    spawnCli(['models', 'register', '/tmp/model-dir', 'm'], { cwd: dir, env });
    spawnCli(['commit'], { cwd: dir, env });
    // Simulate a change that landed without tags (say, a pull request merged on the server).
    spawnCli(['models', 'transition', 'm', '1', 'Production'], { cwd: dir, env });
    spawnCli(['commit'], { cwd: dir, env });
    const production = git(dir, env, 'tag', '--list', 'mltrack/m#production*');
    git(dir, env, 'tag', '-d', production);
    const synced = JSON.parse(spawnCli(['tags', 'sync', '--json'], { cwd: dir, env }).stdout).created;
    expect(synced).toEqual([production]);
    expect(git(dir, env, 'rev-parse', `${production}^{commit}`)).toBe(git(dir, env, 'rev-parse', 'mltrack'));
    expect(JSON.parse(spawnCli(['tags', 'sync', '--json'], { cwd: dir, env }).stdout).created).toEqual([]);
  });
});
