import express from 'express';
import request from 'supertest';
import { authenticate, type Principal } from '../../../../core/http/auth';
import { errorHandler, unknownRoute } from '../../../../core/http/middleware';
import { httpMetrics, httpRequestDuration, httpRequests } from '../../../../core/metrics/http';
import { createLogger } from '../../../../core/logger';

const silent = createLogger('test', 'silent');

function app() {
  const a = express();
  a.use(httpMetrics({ paths: { '/orders': {}, '/orders/{id}': {}, '/orders/retry': {} } }));
  a.get('/healthz', (_req, res) => void res.json({ ok: true }));
  const verify = async (token: string): Promise<Principal> => {
    if (token !== 'good') throw Object.assign(new Error('no'), { status: 401 });
    return { role: 'operator', subject: 'op' };
  };
  const router = express.Router();
  router.post('/decode', (_req, res) => void res.json({}));
  a.use('/codec', router);
  a.use(authenticate(verify));
  a.get('/orders/:id', (req, res) => void res.status(req.params.id === 'gone' ? 404 : 200).json({}));
  a.post('/orders/retry', (_req, res) => void res.status(202).json({}));
  a.use(unknownRoute);
  a.use(errorHandler(silent));
  return a;
}

async function count(labels: Record<string, string>): Promise<number> {
  const { values } = await httpRequests.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((n, v) => n + v.value, 0);
}

async function observations(labels: Record<string, string>): Promise<number> {
  const { values } = await httpRequestDuration.get();
  return values
    .filter((v) => v.metricName === 'http_request_duration_seconds_count')
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((n, v) => n + v.value, 0);
}

beforeEach(() => {
  httpRequests.reset();
  httpRequestDuration.reset();
});

describe('httpMetrics', () => {
  it('labels a request with the route pattern it matched, never the raw path', async () => {
    const a = app();
    for (const id of ['a1', 'b2', 'c3']) {
      await request(a).get(`/orders/${id}`).set('Authorization', 'Bearer good').expect(200);
    }
    await request(a).get('/orders/gone').set('Authorization', 'Bearer good').expect(404);

    expect(await count({ method: 'GET', route: '/orders/{id}', status: '200' })).toBe(3);
    expect(await count({ method: 'GET', route: '/orders/{id}', status: '404' })).toBe(1);
    const routes = (await httpRequests.get()).values.map((v) => v.labels.route);
    expect(routes.some((r) => String(r).includes('a1'))).toBe(false);
  });

  it('times each request into the histogram, with the same labels', async () => {
    await request(app()).get('/orders/x').set('Authorization', 'Bearer good').expect(200);
    expect(await observations({ method: 'GET', route: '/orders/{id}', status: '200' })).toBe(1);
    const { values } = await httpRequestDuration.get();
    const sum = values.find(
      (v) => v.metricName === 'http_request_duration_seconds_sum' && v.labels.route === '/orders/{id}',
    );
    expect(sum?.value).toBeGreaterThan(0);
    expect(sum?.value).toBeLessThan(5);
  });

  it('names the documented route of a request refused before its route ran', async () => {
    await request(app()).get('/orders/abc').expect(401);
    await request(app()).post('/orders/retry').expect(401);
    expect(await count({ route: '/orders/{id}', status: '401' })).toBe(1);
    expect(await count({ route: '/orders/retry', status: '401' })).toBe(1);
  });

  it('puts every unknown path under one label value', async () => {
    const a = app();
    await request(a).get('/wp-login.php').set('Authorization', 'Bearer good').expect(404);
    await request(a).get('/etc/passwd').set('Authorization', 'Bearer good').expect(404);
    expect(await count({ route: 'unmatched', status: '404' })).toBe(2);
  });

  it("includes a router's mount path, and routes without parameters as written", async () => {
    const a = app();
    await request(a).post('/codec/decode').expect(200);
    await request(a).get('/healthz?probe=1').expect(200);
    expect(await count({ method: 'POST', route: '/codec/decode', status: '200' })).toBe(1);
    expect(await count({ method: 'GET', route: '/healthz', status: '200' })).toBe(1);
  });
});
