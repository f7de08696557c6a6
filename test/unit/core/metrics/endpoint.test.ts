import express from 'express';
import request from 'supertest';
import { Counter, Registry } from 'prom-client';
import { errorHandler } from '../../../../core/http/middleware';
import { metricsAccess, metricsHandler } from '../../../../core/metrics/endpoint';
import { createLogger } from '../../../../core/logger';
import { testIssuer, type TestIssuer } from '../../../support/tokens';

const SCRAPE_TOKEN = 'scrape-token-for-the-unit-test-0123456789';

let issuer: TestIssuer;
let registry: Registry;

beforeAll(async () => {
  issuer = await testIssuer();
  registry = new Registry();
  const orders = new Counter({ name: 'things_total', help: 'things', registers: [registry] });
  orders.inc(3);
});

function app(extra: (() => Promise<string>)[] = []) {
  const a = express();
  a.get('/metrics', ...metricsAccess(issuer.verifier, SCRAPE_TOKEN), metricsHandler(registry, extra));
  a.use(errorHandler(createLogger('test', 'silent')));
  return a;
}

describe('/metrics access', () => {
  it('refuses a request without a credential with 401 and a Bearer challenge', async () => {
    const res = await request(app()).get('/metrics');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.text).not.toContain('things_total');
  });

  it("refuses a customer's token with 403", async () => {
    const res = await request(app())
      .get('/metrics')
      .set('Authorization', `Bearer ${await issuer.customer('c-1')}`);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('things_total');
  });

  it("serves an operator's token the text exposition", async () => {
    const res = await request(app())
      .get('/metrics')
      .set('Authorization', `Bearer ${await issuer.operator()}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('things_total 3');
  });

  it('serves the scrape token', async () => {
    const res = await request(app()).get('/metrics').set('Authorization', `Bearer ${SCRAPE_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('things_total 3');
  });

  it('refuses a wrong scrape token, and one a character off, with 401', async () => {
    for (const wrong of ['not-the-scrape-token-at-all-0123456789', `${SCRAPE_TOKEN.slice(0, -1)}8`]) {
      const res = await request(app()).get('/metrics').set('Authorization', `Bearer ${wrong}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/invalid_token/);
    }
  });

  it("refuses an operator's token of another issuer with 401", async () => {
    const other = await testIssuer();
    const res = await request(app())
      .get('/metrics')
      .set('Authorization', `Bearer ${await other.operator()}`);
    expect(res.status).toBe(401);
  });

  it('accepts no scrape token at all when none is configured', async () => {
    const a = express();
    a.get('/metrics', ...metricsAccess(issuer.verifier, undefined), metricsHandler(registry));
    a.use(errorHandler(createLogger('test', 'silent')));
    expect((await request(a).get('/metrics').set('Authorization', `Bearer ${SCRAPE_TOKEN}`)).status).toBe(
      401,
    );
  });

  it('appends extra sources after the registry', async () => {
    const res = await request(app([async () => 'temporal_workers 1\n', async () => '']))
      .get('/metrics')
      .set('Authorization', `Bearer ${SCRAPE_TOKEN}`);
    expect(res.text).toMatch(/things_total 3\n[\s\S]*temporal_workers 1\n$/);
  });
});
