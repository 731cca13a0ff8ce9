import { describe, expect, it } from 'vitest';
import { isSecretName, redactArgv, stripUrlUserinfo } from '../../src/format/redact.js';
import { denyList } from '../../src/git/snapshotPolicy.js';
import { commandSourceName } from '../../src/run/sourceName.js';

describe('stripUrlUserinfo', () => {
  it('drops user and token from scheme URLs and keeps scp-style ssh remotes', () => {
    expect(stripUrlUserinfo('https://user:tok@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(stripUrlUserinfo('https://ghp_abc@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(stripUrlUserinfo('ssh://git@host:22/a/b')).toBe('ssh://host:22/a/b');
    expect(stripUrlUserinfo('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
    expect(stripUrlUserinfo('https://github.com/a/b@v1')).toBe('https://github.com/a/b@v1');
    expect(stripUrlUserinfo('/srv/git/repo.git')).toBe('/srv/git/repo.git');
  });
});

describe('redactArgv', () => {
  it('hides values of secret-named options, assignments and URL userinfo', () => {
    expect(redactArgv(['python', 'train.py', '--api-key=K1', '--token', 'K2', '--lr', '0.1', 'HF_TOKEN=K3', 'password=K4', '--tokenizer', 'bert', '--data', 'https://u:K5@host/x', '--dbPassword=K6', '--client_secret', 'K7'])).toEqual([
      'python', 'train.py', '--api-key=***', '--token', '***', '--lr', '0.1', 'HF_TOKEN=***', 'password=***', '--tokenizer', 'bert', '--data', 'https://***@host/x', '--dbPassword=***', '--client_secret', '***',
    ]);
  });
  it('a secret option followed by another option hides nothing of it', () => {
    expect(redactArgv(['x', '--token', '--verbose'])).toEqual(['x', '--token', '--verbose']);
  });
  it('names', () => {
    for (const n of ['api_key', 'apiKey', 'AWS_SECRET_ACCESS_KEY', '--private-key', 'GITHUB_TOKEN', 'passwd']) expect(isSecretName(n), n).toBe(true);
    for (const n of ['--lr', '--tokenizer', '--keep', 'monkey', '--passes', 'EPOCHS']) expect(isSecretName(n), n).toBe(false);
  });
});

describe('commandSourceName', () => {
  it('is the script an interpreter runs, or the program', () => {
    expect(commandSourceName(['python', 'train.py', '--lr', '0.1'])).toBe('train.py');
    expect(commandSourceName(['python3.11', '-u', 'src/train.py'])).toBe('src/train.py');
    expect(commandSourceName(['python', '-m', 'pkg.train', '--api-key=x'])).toBe('pkg.train');
    expect(commandSourceName(['/usr/bin/node', '--require', 'dotenv/config', 'train.mjs'])).toBe('train.mjs');
    expect(commandSourceName(['uv', 'run', 'python', 'fit.py'])).toBe('fit.py');
    expect(commandSourceName(['bash', '-c', 'echo $SECRET'])).toBe('bash');
    expect(commandSourceName(['./train.sh', '--token', 'abc'])).toBe('./train.sh');
  });
});

describe('denyList', () => {
  it('refuses secret-holding names anywhere in the path, and extra patterns', () => {
    const deny = denyList(['data/*.csv']);
    expect(deny.match('.env')).toBe('.env*');
    expect(deny.match('config/.env.local')).toBe('.env*');
    expect(deny.match('certs/server.PEM')).toBe('*.pem');
    expect(deny.match('.ssh/config')).toBe('.ssh');
    expect(deny.match('home/id_rsa.pub')).toBe('id_rsa*');
    expect(deny.match('data/train.csv')).toBe('data/*.csv');
    expect(deny.match('src/data/train.csv')).toBeNull();
    expect(deny.match('src/environment.py')).toBeNull();
    expect(deny.match('keys.py')).toBeNull();
  });
});
