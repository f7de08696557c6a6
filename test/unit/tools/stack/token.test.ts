import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { loadStackConfig } from '../../../../tools/stack/config';
import { ensureSigningKey } from '../../../../tools/stack/issuer/keys';
import { stackPaths } from '../../../../tools/stack/paths';
import { token } from '../../../../tools/stack/token';
import { capturedOutput } from '../../../support/captured-output';

describe('npm run stack:token (a bearer token from the local issuer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-token-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const configFor = (env: NodeJS.ProcessEnv = {}) => loadStackConfig({ STACK_DIR: dir, ...env });

  /** Runs the command in-process, returning its exit status and what it printed. */
  async function run(env: NodeJS.ProcessEnv, ...argv: string[]) {
    const { result: code, out, err } = await capturedOutput(() => token(configFor(env), argv));
    return { code, out, err };
  }

  it.each([
    [['--customer', 'c-42'], { sub: 'c-42', roles: ['customer'] }],
    [['--operator', 'ana', '--ttl', '60'], { sub: 'ana', roles: ['operator'] }],
    [['--operator'], { sub: os.userInfo().username, roles: ['operator'] }],
  ])('%j prints a token the services trust: whose, its issuer and audience', async (argv, claims) => {
    const config = configFor();
    await ensureSigningKey(stackPaths(config).issuer);
    const { code, out } = await run({}, ...argv);
    expect(code).toBe(0);
    const payload = decodeJwt(out.trim());
    expect(payload).toMatchObject({ ...claims, iss: config.auth.issuer, aud: config.auth.audience });
    expect(payload.exp! - payload.iat!).toBe(argv.includes('--ttl') ? 60 : 15 * 60);
  });

  it.each([
    [[], /token: say whose: --customer <id> or --operator \[name\]/],
    [
      ['--customer', 'c-1', '--operator'],
      /option '--operator \[name\]' cannot be used with option '--customer <id>'/,
    ],
    [
      ['--customer', 'c-1', '--ttl', '0'],
      /'--ttl <seconds>' argument '0' is invalid. expected a whole number >= 1/,
    ],
  ])('%j is bad usage: exit 2, saying what is wrong', async (argv, message) => {
    const { code, out, err } = await run({}, ...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it('refuses when the services trust another provider, naming it', async () => {
    const { code, err } = await run({ AUTH_JWKS_URL: 'https://idp.example/jwks' }, '--operator');
    expect(code).toBe(2);
    expect(err).toMatch(/token: the services trust https:\/\/idp.example\/jwks \(AUTH_JWKS_URL\)/);
  });

  it('fails, saying how to create the key, when the stack never ran', async () => {
    const { code, err } = await run({}, '--customer', 'c-1');
    expect(code).toBe(1);
    expect(err).toMatch(/token: no local signing key at .*run npm start/);
  });

  it('--help explains the options, and exits 0', async () => {
    const { code, out } = await run({}, '--help');
    expect(code).toBe(0);
    for (const option of ['--customer <id>', '--operator [name]', '--ttl <seconds>'])
      expect(out).toContain(option);
  });
});
