import request from 'supertest';
import { bearer } from '../../support/tokens';
import { z } from 'zod';
import { AcceptedOrder, ReadinessReport } from '../../../contracts/http/orders/schemas';
import { Connection } from '@temporalio/client';
import { createApp } from '../../../api/app';
import { apiReadiness, probeKafkaAdmin } from '../../../api/readiness';
import { connectMongo } from '../../../core/mongo/connection';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';

/** Liveness, readiness (what gates traffic and what is only reported), the API's documentation and unknown routes. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

describe('health, docs and unknown routes', () => {
  it('GET /healthz is 200 { ok: true }', async () => {
    const res = await api.request().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('GET /readyz is 200 with every check ok against the real stack', async () => {
    const res = await api.request().get('/readyz');
    expect(res.status).toBe(200);
    const report = ReadinessReport.parse(res.body);
    expect(report.ok).toBe(true);
    expect(Object.keys(report.checks).sort()).toEqual(['kafka', 'mongo', 'outbox', 'temporal']);
    expect(Object.values(report.checks).every((c) => c.ok)).toBe(true);
  });

  it('GET /readyz reports orders the outbox relay parked, without taking the API out of traffic', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    await api.deps.orders.park(created.orderId, 'Kafka refused its order-created 3 times: too large');
    try {
      const res = await api.request().get('/readyz');
      expect(res.status).toBe(200);
      const report = ReadinessReport.parse(res.body);
      expect(report.ok).toBe(true);
      expect(report.checks.outbox).toEqual({
        ok: false,
        required: false,
        detail: expect.stringMatching(/^1 parked \(see npm run orders -- reconcile --stale\), \d+ waiting/),
      });
    } finally {
      await api.deps.orders.requeue(created.orderId, new Date(created.createdAt));
    }
    expect((await api.request().get('/readyz')).body.checks.outbox.ok).toBe(true);
  });

  it('GET /readyz stays 200 while Kafka and Temporal are down: they are reported, not gating', async () => {
    const kafkaAdmin = probeKafkaAdmin({ ...api.config.kafka, brokers: ['127.0.0.1:1'] });
    // No retry interceptor: the check fails at once, and no retry outlives the test's connection.
    const temporal = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    const app = createApp({
      ...api.deps,
      readiness: apiReadiness({ mongo: api.db, orders: api.deps.orders, kafkaAdmin, temporal }),
    });
    try {
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(200);
      const report = ReadinessReport.parse(res.body);
      expect(report.ok).toBe(true);
      expect(report.checks.mongo).toEqual({ ok: true, required: true });
      expect(report.checks.kafka).toMatchObject({ ok: false, required: false });
      expect(report.checks.temporal).toMatchObject({ ok: false, required: false });
      // And it does accept orders meanwhile: the outbox holds them.
      const customer = newCustomer();
      const token = await api.tokens.customer(customer);
      expect(
        (await request(app).post('/orders').set(bearer(token)).send(orderRequest(customer))).status,
      ).toBe(202);
    } finally {
      await kafkaAdmin.disconnect();
      await temporal.close();
    }
  });

  it('GET /readyz is 503 when its own database does not answer', async () => {
    const gone = await connectMongo(api.config.mongo);
    await gone.close();
    const kafkaAdmin = probeKafkaAdmin(api.config.kafka);
    const app = createApp({
      ...api.deps,
      readiness: apiReadiness({
        mongo: gone,
        orders: api.deps.orders,
        kafkaAdmin,
        temporal: api.temporal.connection,
      }),
    });
    try {
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      const report = ReadinessReport.parse(res.body);
      expect(report.ok).toBe(false);
      expect(report.checks.mongo).toMatchObject({ ok: false, required: true });
    } finally {
      await kafkaAdmin.disconnect();
    }
  });

  it('GET /openapi.json is an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await api.request().get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = z
      .object({
        openapi: z.string(),
        paths: z.record(z.string(), z.record(z.string(), z.unknown())),
        components: z.object({ schemas: z.record(z.string(), z.record(z.string(), z.unknown())) }),
      })
      .parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/analytics/orders/{orderId}',
      '/analytics/summary',
      '/analytics/timeseries',
      '/analytics/top-skus',
      '/healthz',
      '/notifications',
      '/notifications/stream',
      '/notifications/stream-tickets',
      '/ops/audit',
      '/ops/consumer-lag',
      '/ops/dead-letters',
      '/ops/dead-letters/replay',
      '/ops/orders/{id}/trace',
      '/ops/payment-gateway',
      '/ops/task-queues',
      '/orders',
      '/orders/retry',
      '/orders/{id}',
      '/orders/{id}/cancel',
      '/orders/{id}/retry',
      '/products',
      '/readyz',
      '/webhooks',
      '/webhooks/{id}',
      '/webhooks/{id}/deliveries',
      '/webhooks/{id}/rotate-secret',
    ]);
    // The consumer services' endpoints name the server they are reached at.
    expect(doc.paths['/notifications/stream']!.servers).toEqual([
      { url: api.config.notifications.publicUrl, description: 'notification service' },
    ]);
    expect(doc.paths['/analytics/summary']!.servers).toEqual([
      { url: api.config.analytics.publicUrl, description: 'analytics service' },
    ]);
    expect(Object.keys(doc.paths['/orders']!).sort()).toEqual(['get', 'post']);

    const createRequest = doc.components.schemas.CreateOrderRequest!;
    // The customer is the token's: customerId is for operators only, so not required.
    expect([...(createRequest.required as string[])].sort()).toEqual(['currency', 'email', 'items']);
    expect(createRequest.additionalProperties).toBe(false);
    expect(JSON.stringify(doc.paths['/orders']!.post)).toContain('#/components/schemas/CreateOrderRequest');
    // Every $ref points at a schema the document defines.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => !(r in doc.components.schemas))).toEqual([]);
  });

  it('GET /docs serves the Swagger UI', async () => {
    const res = await api.request().get('/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('answers unknown routes with a JSON 404, and a method a known path does not take with 405 and Allow', async () => {
    const err = expectError(await api.request().get('/no-such-thing'), 404, 'not_found');
    expect(err.message).toBe('no route GET /no-such-thing');
    const res = await api.request().delete('/orders');
    expectError(res, 405, 'method_not_allowed');
    expect(String(res.headers.allow).split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });
});
