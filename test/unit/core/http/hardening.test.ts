import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { authenticate, type Principal } from '../../../../core/http/auth';
import { inFlightLimit, rateLimitPerCaller, secureDefaults } from '../../../../core/http/hardening';
import { isDatabaseUnavailable } from '../../../../core/mongo/connection';
import { errorHandler } from '../../../../core/http/middleware';
import { REDACTED_PATHS, createLogger } from '../../../../core/logger';

const silent = createLogger('test', 'silent');

/** An app whose "tokens" name the caller directly, so the limiter's keying can be seen. */
function app(opts: { corsOrigins?: string[]; perMinute?: number } = {}) {
  const a = express();
  secureDefaults(a, { corsOrigins: opts.corsOrigins ?? [] });
  a.get('/healthz', (_req, res) => void res.json({ ok: true }));
  const verify = async (token: string): Promise<Principal> => ({
    role: 'customer',
    subject: token,
    customerId: token,
  });
  a.use(authenticate(verify), rateLimitPerCaller(opts.perMinute ?? 0));
  a.get('/things', (_req, res) => void res.json([]));
  a.use(errorHandler(silent));
  return a;
}

describe('secure defaults', () => {
  it("sets helmet's headers", async () => {
    const res = await request(app()).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('gives no CORS headers unless the origin is on the allowlist', async () => {
    const closed = await request(app()).get('/healthz').set('Origin', 'https://evil.example');
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();

    const open = app({ corsOrigins: ['https://shop.example'] });
    const allowed = await request(open)
      .options('/things')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await request(open).get('/healthz').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rateLimitPerCaller', () => {
  it('refuses a caller over budget with 429 and Retry-After, and leaves other callers alone', async () => {
    const a = app({ perMinute: 3 });
    for (let i = 0; i < 3; i++) {
      expect((await request(a).get('/things').set('Authorization', 'Bearer ada')).status).toBe(200);
    }
    const over = await request(a).get('/things').set('Authorization', 'Bearer ada');
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another customer from the same address has a budget of their own.
    expect((await request(a).get('/things').set('Authorization', 'Bearer bob')).status).toBe(200);
  });
});

describe('log redaction', () => {
  it('never writes tokens, secrets or emails in clear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info(
      {
        email: 'ada@example.com',
        order: { email: 'ada@example.com', id: 'o-1' },
        req: { headers: { authorization: 'Bearer eyJabc' } },
        webhook: { secret: 'whsec_abc' },
        token: 'eyJdef',
      },
      'something happened',
    );
    const line = lines.join('');
    expect(line).toContain('o-1');
    expect(line).not.toMatch(/ada@example\.com|eyJabc|eyJdef|whsec_abc/);
    expect(line).toContain('[redacted]');
  });
});

describe('inFlightLimit', () => {
  it('refuses what is over capacity at once with 503 and Retry-After, and takes requests again as others finish', async () => {
    const a = express();
    const release: (() => void)[] = [];
    a.use(inFlightLimit(2));
    a.get('/slow', (_req, res) => {
      release.push(() => res.json({ ok: true }));
    });
    a.use(errorHandler(silent));
    const server = a.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slow`;
    try {
      const held = [fetch(url), fetch(url)];
      while (release.length < 2) await new Promise((r) => setTimeout(r, 5));
      const refused = await fetch(url);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ error: 'overloaded' });

      release.shift()!();
      expect((await held[0]!).status).toBe(200);
      const next = fetch(url);
      while (release.length < 2) await new Promise((r) => setTimeout(r, 5));
      release.splice(0).forEach((done) => done());
      expect((await next).status).toBe(200);
      expect((await held[1]!).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it('counts a saturated pool (no connection within the wait-queue timeout) as unavailable, to be waited out', () => {
    const err = Object.assign(new Error('Timed out while checking out a connection from connection pool'), {
      name: 'MongoWaitQueueTimeoutError',
    });
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('E11000'), { name: 'MongoServerError' }))).toBe(
      false,
    );
  });
});
