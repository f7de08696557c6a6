import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { actingCustomer, remoteTokenVerifier, type Principal } from '../../../../core/http/auth';
import { ApiError } from '../../../../core/http/errors';
import { ensureSigningKey, mintToken } from '../../../../tools/stack/issuer/keys';

/** The local issuer's key and a JWKS endpoint on loopback: the services' verifier, exactly as deployed. */
describe('remoteTokenVerifier against a JWKS endpoint', () => {
  const settings = { issuer: 'http://issuer.test', audience: 'order-pipeline' };
  let dir: string;
  let server: http.Server;
  let jwksUrl: string;
  let fetches = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'issuer-'));
    const jwks = JSON.stringify(await ensureSigningKey(dir));
    server = http.createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const refusal = async (promise: Promise<unknown>): Promise<ApiError> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  };

  it("verifies the local issuer's tokens: a customer's subject is the customer, an operator is an operator", async () => {
    const verify = remoteTokenVerifier({ jwksUrl, ...settings });
    const customer = await mintToken(dir, { customer: 'c-42', ttlSeconds: 60, ...settings });
    const operator = await mintToken(dir, { operator: 'ana', ttlSeconds: 60, ...settings });
    expect(await verify(customer)).toEqual({ role: 'customer', subject: 'c-42', customerId: 'c-42' });
    expect(await verify(operator)).toEqual({ role: 'operator', subject: 'ana' });
    // The keys are fetched once and cached, not per request.
    await verify(customer);
    expect(fetches).toBe(1);
  });

  it('the key file is private to its owner', () => {
    expect(fs.statSync(path.join(dir, 'signing-key.json')).mode & 0o077).toBe(0);
  });

  it('refuses a token signed with a shared secret (alg HS256), whatever it claims', async () => {
    const verify = remoteTokenVerifier({ jwksUrl, ...settings });
    const forged = await new SignJWT({ roles: ['operator'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-secret-anyone-could-guess-000000'));
    const err = await refusal(verify(forged));
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toMatch(/invalid_token/);
  });

  it('answers 503 with Retry-After when the keys cannot be fetched: the caller may retry, not re-authenticate', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const verify = remoteTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, ...settings });
    const token = await mintToken(dir, { customer: 'c-1', ttlSeconds: 60, ...settings });
    const err = await refusal(verify(token));
    expect(err.status).toBe(503);
    expect(err.headers['Retry-After']).toBeDefined();
  });

  it('mintToken names where the key should be when the stack never ran', async () => {
    await expect(
      mintToken(path.join(dir, 'nowhere'), { customer: 'c', ttlSeconds: 1, ...settings }),
    ).rejects.toThrow(/no local signing key at .*npm start/);
  });
});

describe('actingCustomer', () => {
  const ada: Principal = { role: 'customer', subject: 'ada', customerId: 'ada' };
  const op: Principal = { role: 'operator', subject: 'ops' };
  const status = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as ApiError).status;
    }
    return 'ok';
  };

  it('a customer acts for themselves; naming another customer is refused', () => {
    expect(actingCustomer(ada, undefined, 'customerId')).toBe('ada');
    expect(actingCustomer(ada, 'ada', 'customerId')).toBe('ada');
    expect(status(() => actingCustomer(ada, 'bob', 'customerId'))).toBe(403);
  });

  it('an operator names the customer, or acts for all where that is allowed', () => {
    expect(actingCustomer(op, 'bob', 'customerId')).toBe('bob');
    expect(status(() => actingCustomer(op, undefined, 'customerId'))).toBe(400);
    expect(actingCustomer(op, undefined, 'customerId', { optional: true })).toBeUndefined();
  });
});
