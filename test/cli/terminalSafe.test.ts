import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isolatedEnv, tempDir } from '../helpers/env.js';
import { codeRepo } from '../helpers/remotes.js';

/** A value that would clear the screen, return the carriage and forge a line of its own. */
const EVIL = 'ok\u001b[2J\u001b[H\rforged\nFORGED LINE\u0007';
/** What the terminal may see of it: every control character as an escape. */
const SHOWN = 'ok\\u001b[2J\\u001b[H\\rforged\\nFORGED LINE\\u0007';
/** Any control character except the newline that ends a line. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** Exactly the colour codes Output.paint writes. */
const PAINT = /\u001b\[(?:1|2|22|31|32|33|34|36|39|90)m/g;

async function project() {
  const env = isolatedEnv(tempDir());
  const dir = codeRepo(env);
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra } });
  expect((await cli(['experiments', 'create', 'exp', '--description', EVIL, '--tag', `t=${EVIL}`])).code).toBe(0);
  expect((await cli(['commit'])).code).toBe(0);
  const runId = (await cli(['start-run', '-e', 'exp', '-n', EVIL, '--tag', `note=${EVIL}`])).stdout.trim();
  expect((await cli(['log-param', 'p', EVIL], { MLTRACK_RUN_ID: runId })).code).toBe(0);
  expect((await cli(['end-run'], { MLTRACK_RUN_ID: runId })).code).toBe(0);
  expect((await cli(['models', 'create', 'churn', '--description', EVIL, '--tag', `owner=${EVIL}`])).code).toBe(0);
  expect((await cli(['models', 'register', runId, 'churn', '--description', EVIL])).code).toBe(0);
  expect((await cli(['models', 'transition', 'churn', '1', 'Staging', '--reason', EVIL])).code).toBe(0);
  expect((await cli(['commit'])).code).toBe(0);
  return { runId, cli };
}

/** Nothing in the output can move the cursor, clear the screen or start a line of its own. */
function safe(what: string, text: string, colour: boolean) {
  const withoutPaint = colour ? text.replace(PAINT, '') : text;
  expect(withoutPaint, what).not.toMatch(CONTROL);
  for (const line of withoutPaint.split('\n')) expect(line, what).not.toMatch(/^(forged|FORGED LINE)/);
}

describe('control characters in values are escaped in all terminal output', () => {
  it('runs, experiments, models, log and review show them escaped; --json keeps them exact', async () => {
    const { runId, cli } = await project();
    const commands = [
      ['runs', 'list', '-e', 'exp', '--columns', 'params.p,tags.note'],
      ['runs', 'search', "params.p LIKE 'ok%'", '-e', 'exp'],
      ['runs', 'show', runId],
      ['runs', 'show', runId, '--all-tags'],
      ['experiments', 'list'],
      ['experiments', 'show', 'exp'],
      ['models', 'list'],
      ['models', 'show', 'churn'],
      ['models', 'versions', 'churn'],
      ['log'],
      ['review', 'mltrack~1..mltrack'],
    ];
    for (const args of commands) {
      for (const colour of [false, true]) {
        const result = await cli(args, colour ? { NO_COLOR: '', FORCE_COLOR: '1' } : {});
        const what = `${args.join(' ')}${colour ? ' (colour)' : ''}`;
        expect(result.code, `${what}: ${result.stderr}`).toBe(0);
        safe(what, result.stdout, colour);
        safe(what, result.stderr, colour);
        if (colour && args[0] !== 'review') expect(result.stdout).toMatch(PAINT);
      }
    }
    // The value is still there to read, escaped.
    expect((await cli(['runs', 'show', runId, '--all-tags'])).stdout).toContain(SHOWN);
    expect((await cli(['experiments', 'show', 'exp'])).stdout).toContain(SHOWN);
    expect((await cli(['models', 'show', 'churn'])).stdout).toContain(SHOWN);

    const json = JSON.parse((await cli(['runs', 'show', runId, '--json'])).stdout);
    expect(json.run.info.run_name).toBe(EVIL);
    expect(json.run.data.params).toContainEqual({ key: 'p', value: EVIL });
  });
});
