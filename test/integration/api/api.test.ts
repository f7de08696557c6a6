import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from '../../support/tokens';
import { z } from 'zod';
import {
  AcceptedOrder,
  ErrorBody,
  OrderPage,
  OrderView,
  ProductList,
  ReadinessReport,
} from '../../../contracts/http/orders/schemas';
import { Connection } from '@temporalio/client';
import { createApp } from '../../../api/app';
import { apiReadiness, probeKafkaAdmin } from '../../../api/readiness';
import { connectMongo } from '../../../core/mongo/connection';
import { CATALOGUE } from '../../../domain/catalogue/catalogue';
import type { OrderDoc } from '../../../domain/orders/order-model';
import { newCustomer, orderRequest, startApi, type ApiHarness } from './harness';
import { until } from '../../support/until';
import { createKafka } from '../../../core/kafka/client';
import { deadLetter } from '../../../core/kafka/dlq';
import { readTopic } from '../../../core/kafka/topic-reader';
import { TOPICS } from '../../../contracts/topics';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SpanRecord } from '../../../core/tracing/file-exporter';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) =>
  api
    .request()
    .post('/orders')
    .send(body as object);

/** Asserts an error response: its status, its code, and that the body has the documented shape. */
function expectError(res: request.Response, status: number, error: string): ErrorBody {
  expect({ status: res.status, error: (res.body as ErrorBody).error }).toEqual({ status, error });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return ErrorBody.parse(res.body);
}

describe('POST /orders validation', () => {
  const customer = newCustomer();
  const valid = orderRequest(customer);

  it.each<[string, unknown, { field: string; problem: RegExp; received?: unknown }]>([
    [
      'a missing field',
      { ...valid, email: undefined },
      { field: 'email', problem: /^required: expected an email address$/ },
    ],
    [
      'a wrong type',
      { ...valid, customerId: 42 },
      { field: 'customerId', problem: /expected a string/, received: 42 },
    ],
    ['a bad email', { ...valid, email: 'ada@' }, { field: 'email', problem: /email/, received: 'ada@' }],
    [
      'a bad currency',
      { ...valid, currency: 'JPY' },
      { field: 'currency', problem: /one of EUR, USD, GBP/, received: 'JPY' },
    ],
    [
      'quantity 0',
      { ...valid, items: [{ sku: 'KB-001', quantity: 0 }] },
      { field: 'items[0].quantity', problem: /^expected a positive whole number$/, received: 0 },
    ],
    [
      'a negative quantity',
      {
        ...valid,
        items: [
          { sku: 'KB-001', quantity: 1 },
          { sku: 'CB-005', quantity: -2 },
        ],
      },
      { field: 'items[1].quantity', problem: /^expected a positive whole number$/, received: -2 },
    ],
    [
      'a fractional quantity',
      { ...valid, items: [{ sku: 'KB-001', quantity: 1.5 }] },
      { field: 'items[0].quantity', problem: /whole number/, received: 1.5 },
    ],
    [
      'a quantity above 1000',
      { ...valid, items: [{ sku: 'KB-001', quantity: 1001 }] },
      { field: 'items[0].quantity', problem: /at most 1000/, received: 1001 },
    ],
    ['empty items', { ...valid, items: [] }, { field: 'items', problem: /1-100 items/, received: [] }],
    [
      'more than 100 items',
      { ...valid, items: Array.from({ length: 101 }, () => ({ sku: 'KB-001', quantity: 1 })) },
      { field: 'items', problem: /1-100 items/, received: '(an array of 101 items)' },
    ],
    [
      'an unknown field',
      { ...valid, coupon: 'FREE' },
      { field: 'coupon', problem: /unknown field/, received: 'FREE' },
    ],
    [
      'a client-sent price (prices are the server’s)',
      { ...valid, items: [{ sku: 'KB-001', quantity: 1, price: 1 }] },
      { field: 'items[0].price', problem: /unknown field/, received: 1 },
    ],
    ['a body that is not an object', [valid], { field: 'body', problem: /JSON object/, received: [valid] }],
  ])('rejects %s with 400 naming the field, the expectation and the value', async (_what, body, expected) => {
    const res = await post(body);
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toHaveLength(1);
    const [detail] = err.details!;
    expect(detail!.field).toBe(expected.field);
    expect(detail!.problem).toMatch(expected.problem);
    if ('received' in expected) expect(detail!.received).toEqual(expected.received);
    else expect(detail).not.toHaveProperty('received');
    expect(err.message).toContain(expected.field);
  });

  it('reports every invalid field at once', async () => {
    const res = await post({ customerId: '', email: 'x', currency: 'EUR', items: [{ sku: 'KB-001' }] });
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details!.map((d) => d.field)).toEqual(['customerId', 'email', 'items[0].quantity']);
  });

  it('names every unknown SKU with its position, and stores nothing', async () => {
    const res = await post({
      ...valid,
      items: [
        { sku: 'NOPE-1', quantity: 1 },
        { sku: 'KB-001', quantity: 1 },
        { sku: 'NOPE-2', quantity: 1 },
      ],
    });
    const err = expectError(res, 400, 'unknown_sku');
    expect(err.details).toEqual([
      { field: 'items[0].sku', problem: 'unknown SKU', received: 'NOPE-1' },
      { field: 'items[2].sku', problem: 'unknown SKU', received: 'NOPE-2' },
    ]);
    expect(err.message).toMatch(/NOPE-1, NOPE-2/);
    expect(await api.orders.countDocuments({ customerId: customer })).toBe(0);
  });

  it('rejects malformed JSON with 400 malformed_json', async () => {
    const res = await api
      .request()
      .post('/orders')
      .set('Content-Type', 'application/json')
      .send('{"customerId":');
    expectError(res, 400, 'malformed_json');
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await api
      .request()
      .post('/orders')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('customerId=c');
    const err = expectError(res, 415, 'unsupported_media_type');
    expect(err.message).toContain('application/x-www-form-urlencoded');
  });

  it('rejects a body above the configured limit with 413 naming the limit', async () => {
    const limit = api.config.api.bodyLimitBytes;
    const body = JSON.stringify({ ...valid, customerId: 'x'.repeat(limit + 1) });
    const res = await api.request().post('/orders').set('Content-Type', 'application/json').send(body);
    const err = expectError(res, 413, 'payload_too_large');
    expect(err.message).toContain(String(limit));
  });

  it.each([
    ['empty', ''],
    ['longer than 200 characters', 'k'.repeat(201)],
  ])('rejects an Idempotency-Key that is %s, naming the header', async (_what, key) => {
    const res = await post(valid).set('Idempotency-Key', key);
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toEqual([
      { field: 'Idempotency-Key', problem: 'expected 1-200 printable ASCII characters', received: key },
    ]);
  });
});

describe('POST /orders acceptance', () => {
  it('prices the order from the catalogue, stores it as pending for the outbox, and answers 202 with links', async () => {
    const customer = newCustomer();
    const res = await post(orderRequest(customer, { currency: 'USD' }));
    expect(res.status).toBe(202);
    const body = AcceptedOrder.parse(res.body);
    const keyboard = CATALOGUE.find((p) => p.sku === 'KB-001')!.prices.USD;
    const cable = CATALOGUE.find((p) => p.sku === 'CB-005')!.prices.USD;
    expect(body).toMatchObject({
      status: 'accepted',
      customerId: customer,
      currency: 'USD',
      totalCents: 2 * keyboard + 3 * cable,
      items: [
        { sku: 'KB-001', quantity: 2, unitPriceCents: keyboard, lineTotalCents: 2 * keyboard },
        { sku: 'CB-005', quantity: 3, unitPriceCents: cable, lineTotalCents: 3 * cable },
      ],
    });
    expect(res.headers.location).toBe(`/orders/${body.orderId}`);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(body.links).toEqual({
      self: `${api.config.api.publicUrl}/orders/${body.orderId}`,
      cancel: `${api.config.api.publicUrl}/orders/${body.orderId}/cancel`,
      workflow: `${api.config.temporal.uiUrl}/namespaces/${api.config.temporal.namespace}/workflows/order-${body.orderId}`,
    });

    const stored = await api.orders.findById(body.orderId).lean<OrderDoc>();
    expect(stored).toMatchObject({
      status: 'accepted',
      publishState: 'pending',
      publishAttempts: 0,
      steps: [],
      reason: null,
      idempotencyKey: null,
      runId: null,
      totalCents: body.totalCents,
    });
    expect(stored!.createdAt.toISOString()).toBe(body.createdAt);
    expect(stored!.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('merges lines of the same SKU', async () => {
    const res = await post(
      orderRequest(newCustomer(), {
        items: [
          { sku: 'MS-002', quantity: 1 },
          { sku: 'MS-002', quantity: 4 },
        ],
      }),
    );
    expect(res.status).toBe(202);
    expect(AcceptedOrder.parse(res.body).items).toEqual([
      expect.objectContaining({ sku: 'MS-002', quantity: 5, lineTotalCents: 5 * 2900 }),
    ]);
  });
});

describe('POST /orders idempotency', () => {
  it('answers a repeat with the same key exactly as the first time, from exactly one stored order', async () => {
    const customer = newCustomer();
    const first = await post(orderRequest(customer)).set('Idempotency-Key', 'checkout-1');
    const again = await post(orderRequest(customer)).set('Idempotency-Key', 'checkout-1');
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await api.orders.countDocuments({ customerId: customer })).toBe(1);
  });

  it('answers a replay with the status the order has now, not the one it was accepted with', async () => {
    const customer = newCustomer();
    const first = AcceptedOrder.parse(
      (await post(orderRequest(customer)).set('Idempotency-Key', 'later')).body,
    );
    expect(first.status).toBe('accepted');
    await api.orders.updateOne({ _id: first.orderId }, { $set: { status: 'completed' } });
    const again = await post(orderRequest(customer)).set('Idempotency-Key', 'later');
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(AcceptedOrder.parse(again.body)).toEqual({ ...first, status: 'completed' });
  });

  it('maps concurrent retries to one order', async () => {
    const customer = newCustomer();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => post(orderRequest(customer)).set('Idempotency-Key', 'double-click')),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(responses.map((r) => (r.body as AcceptedOrder).orderId)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(await api.orders.countDocuments({ customerId: customer })).toBe(1);
  });

  it('refuses the same key with a different body with 409, keeping the first order', async () => {
    const customer = newCustomer();
    const first = await post(orderRequest(customer)).set('Idempotency-Key', 'k');
    const other = await post(orderRequest(customer, { items: [{ sku: 'KB-001', quantity: 9 }] })).set(
      'Idempotency-Key',
      'k',
    );
    const err = expectError(other, 409, 'idempotency_key_reused');
    expect(err.message).toContain('Idempotency-Key');
    const stored = await api.orders.find({ customerId: customer }).lean<OrderDoc[]>();
    expect(stored.map((o) => o.totalCents)).toEqual([(first.body as AcceptedOrder).totalCents]);
  });

  it('keeps the same key of two customers apart', async () => {
    const a = await post(orderRequest(newCustomer())).set('Idempotency-Key', 'shared');
    const b = await post(orderRequest(newCustomer())).set('Idempotency-Key', 'shared');
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((a.body as AcceptedOrder).orderId).not.toBe((b.body as AcceptedOrder).orderId);
  });

  it('without a key, treats a repeat as a new order', async () => {
    const customer = newCustomer();
    const a = await post(orderRequest(customer));
    const b = await post(orderRequest(customer));
    expect((a.body as AcceptedOrder).orderId).not.toBe((b.body as AcceptedOrder).orderId);
    expect(await api.orders.countDocuments({ customerId: customer })).toBe(2);
  });
});

describe('GET /orders/:id', () => {
  it('returns an accepted order whose workflow has not started with its stored status and links', async () => {
    const customer = newCustomer();
    const created = AcceptedOrder.parse((await post(orderRequest(customer))).body);
    const res = await api.request().get(`/orders/${created.orderId}`);
    expect(res.status).toBe(200);
    const view = OrderView.parse(res.body);
    expect(view).toEqual({
      orderId: created.orderId,
      status: 'accepted',
      customerId: customer,
      email: 'ada@example.com',
      currency: 'EUR',
      items: created.items,
      totalCents: created.totalCents,
      steps: [],
      reason: null,
      createdAt: created.createdAt,
      updatedAt: created.createdAt,
      links: created.links,
    });
    expect(view.links.workflow).toContain(`/workflows/order-${created.orderId}`);
  });

  it('answers a final stored status from Mongo without asking Temporal', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    const reason = { type: 'OutOfStock', message: 'KB-001: 2 requested, 0 available' };
    await api.orders.updateOne(
      { _id: created.orderId },
      { $set: { status: 'rejected', reason, steps: ['validated'] } },
    );
    const res = await api.request().get(`/orders/${created.orderId}`);
    expect(res.status).toBe(200);
    expect(OrderView.parse(res.body)).toMatchObject({ status: 'rejected', reason, steps: ['validated'] });
  });

  it('404s an unknown id', async () => {
    const res = await api.request().get('/orders/2b7e1c52-6f6e-4c1a-9a43-3c1e6d0b9f10');
    expectError(res, 404, 'not_found');
  });

  it('400s an id that is not a UUID, naming the field id', async () => {
    const res = await api.request().get('/orders/12345');
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toEqual([{ field: 'id', problem: 'expected a UUID', received: '12345' }]);
  });

  it('echoes a very long id cut down, not whole', async () => {
    const res = await api.request().get(`/orders/${'x'.repeat(5_000)}`);
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toEqual([
      { field: 'id', problem: 'expected a UUID', received: `${'x'.repeat(256)}… (5000 characters)` },
    ]);
    expect(res.text.length).toBeLessThan(1_000);
  });
});

describe('GET /orders', () => {
  const customer = newCustomer('pager');
  const created: AcceptedOrder[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 25; i++) {
      created.push(AcceptedOrder.parse((await post(orderRequest(customer))).body));
    }
    await post(orderRequest(newCustomer('other')));
    await post(orderRequest(newCustomer('other')));
  });

  const list = (query: Record<string, string | number>) => api.request().get('/orders').query(query);

  it('pages newest first with an opaque cursor: 10, 10, 5, no duplicates, null cursor at the end', async () => {
    const pages: OrderPage[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ customerId: customer, limit: 10, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const page = OrderPage.parse(res.body);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);

    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5]);
    const ids = pages.flatMap((p) => p.items.map((o) => o.orderId));
    expect(new Set(ids).size).toBe(25);
    expect(new Set(ids)).toEqual(new Set(created.map((o) => o.orderId)));

    const keys = pages.flatMap((p) => p.items.map((o) => [o.createdAt, o.orderId] as const));
    const newestFirst = [...keys].sort(([ca, ia], [cb, ib]) => cb.localeCompare(ca) || ib.localeCompare(ia));
    expect(keys).toEqual(newestFirst);
    expect(pages[0]!.items.every((o) => o.customerId === customer && o.status === 'accepted')).toBe(true);
  });

  it('defaults to 20 per page', async () => {
    const page = OrderPage.parse((await list({ customerId: customer })).body);
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
  });

  it('filters by customer, excluding everyone else', async () => {
    const page = OrderPage.parse((await list({ limit: 100 })).body);
    const customers = new Set(page.items.map((o) => o.customerId));
    expect(customers.has(customer)).toBe(true);
    expect(customers.size).toBeGreaterThan(1);
    const mine = OrderPage.parse((await list({ customerId: customer, limit: 100 })).body);
    expect(mine.items).toHaveLength(25);
    expect(mine.items.every((o) => o.customerId === customer)).toBe(true);
  });

  it('filters by status', async () => {
    const done = created.slice(0, 3).map((o) => o.orderId);
    await api.orders.updateMany({ _id: { $in: done } }, { $set: { status: 'completed' } });
    try {
      const completed = OrderPage.parse((await list({ customerId: customer, status: 'completed' })).body);
      expect(completed.items.map((o) => o.orderId).sort()).toEqual([...done].sort());
      expect(completed.items.every((o) => o.status === 'completed')).toBe(true);
      const accepted = OrderPage.parse(
        (await list({ customerId: customer, status: 'accepted', limit: 100 })).body,
      );
      expect(accepted.items).toHaveLength(22);
    } finally {
      await api.orders.updateMany({ _id: { $in: done } }, { $set: { status: 'accepted' } });
    }
  });

  it.each<[string, Record<string, string | number>, string]>([
    ['a malformed cursor', { cursor: 'not-a-cursor' }, 'cursor'],
    ['a cursor of the wrong shape', { cursor: Buffer.from('{"page":2}').toString('base64url') }, 'cursor'],
    ['an unknown status', { status: 'lost' }, 'status'],
    ['limit 0', { limit: 0 }, 'limit'],
    ['limit 101', { limit: 101 }, 'limit'],
    ['a non-numeric limit', { limit: 'ten' }, 'limit'],
    ['an unknown parameter', { sort: 'asc' }, 'sort'],
  ])('400s %s, naming the parameter', async (_what, query, field) => {
    const err = expectError(await list(query), 400, 'validation_failed');
    expect(err.details!.map((d) => d.field)).toEqual([field]);
  });
  it('reports a parameter as it was sent: ?limit=abc received "abc"', async () => {
    const err = expectError(await list({ limit: 'abc' }), 400, 'validation_failed');
    expect(err.details).toEqual([
      { field: 'limit', problem: 'expected a whole number 1-100', received: 'abc' },
    ]);
    expect(err.message).toContain('(received "abc")');
  });
});

describe('POST /orders/:id/cancel', () => {
  it('409s not_started with Retry-After while no workflow exists yet', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    const res = await api
      .request()
      .post(`/orders/${created.orderId}/cancel`)
      .send({ reason: 'changed my mind' });
    const err = expectError(res, 409, 'not_started');
    expect(err.message).toBe('order is accepted but its workflow has not started yet; retry shortly');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('409s not_cancellable for an order that already reached a final status', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    await api.orders.updateOne({ _id: created.orderId }, { $set: { status: 'completed' } });
    const err = expectError(
      await api.request().post(`/orders/${created.orderId}/cancel`),
      409,
      'not_cancellable',
    );
    expect(err.message).toBe('order is completed');
  });

  it('404s an unknown order', async () => {
    const res = await api.request().post('/orders/2b7e1c52-6f6e-4c1a-9a43-3c1e6d0b9f10/cancel');
    expectError(res, 404, 'not_found');
  });

  it('400s an unknown field in the body', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    const res = await api.request().post(`/orders/${created.orderId}/cancel`).send({ why: 'x' });
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toEqual([{ field: 'why', problem: 'unknown field', received: 'x' }]);
  });
});

describe('GET /products', () => {
  it('lists the catalogue in the requested currency with the stock the stock activities keep', async () => {
    await api.db.collection('stock').insertOne({ _id: 'KB-001', available: 42 } as never);
    const res = await api.request().get('/products').query({ currency: 'GBP' });
    expect(res.status).toBe(200);
    const products = ProductList.parse(res.body);
    expect(products.map((p) => p.sku)).toEqual(CATALOGUE.map((p) => p.sku));
    expect(products.find((p) => p.sku === 'KB-001')).toEqual({
      sku: 'KB-001',
      name: 'Mechanical keyboard',
      priceCents: 7900,
      currency: 'GBP',
      stockAvailable: 42,
    });
    // No stock document yet: unknown, not zero.
    expect(products.find((p) => p.sku === 'MS-002')!.stockAvailable).toBeNull();
  });

  it('400s an invalid currency', async () => {
    const err = expectError(await api.request().get('/products?currency=JPY'), 400, 'validation_failed');
    expect(err.details).toEqual([
      { field: 'currency', problem: 'expected one of EUR, USD, GBP', received: 'JPY' },
    ]);
  });
});

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

describe('operator endpoints', () => {
  it('switches the payment gateway off and on, validating the body', async () => {
    expect((await api.request().get('/ops/payment-gateway')).body).toMatchObject({ available: true });
    const off = await api
      .request()
      .put('/ops/payment-gateway')
      .send({ available: false, reason: 'maintenance' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ available: false, reason: 'maintenance' });
    expect((await api.request().get('/ops/payment-gateway')).body).toMatchObject({ available: false });
    const bad = expectError(
      await api.request().put('/ops/payment-gateway').send({ available: 'no' }),
      400,
      'validation_failed',
    );
    expect(bad.details).toEqual([{ field: 'available', problem: 'expected true or false', received: 'no' }]);
    expect((await api.request().put('/ops/payment-gateway').send({ available: true })).body).toMatchObject({
      available: true,
      reason: null,
    });
  });

  it('refuses to retry an unknown order (404) and one that is not failed (409, with the reason)', async () => {
    expectError(await api.request().post(`/orders/${randomUUID()}/retry`), 404, 'not_found');
    const accepted = await post(orderRequest(newCustomer()));
    const err = expectError(
      await api.request().post(`/orders/${accepted.body.orderId}/retry`),
      409,
      'not_failed',
    );
    expect(err.message).toMatch(/^order is accepted/);
    // Nothing failed in this database: a bulk retry matches nothing; a bad filter is named.
    expect((await api.request().post('/orders/retry').send({})).body).toEqual({
      matched: 0,
      retried: 0,
      alreadyRetrying: 0,
      refused: [],
    });
    const bad = expectError(
      await api.request().post('/orders/retry').send({ since: 'yesterday' }),
      400,
      'validation_failed',
    );
    expect(bad.details![0]!.field).toBe('since');
  });

  it('reports backlog, rates and pollers of every task queue', async () => {
    const res = await api.request().get('/ops/task-queues');
    expect(res.status).toBe(200);
    expect(res.body.queues.map((q: { name: string }) => q.name)).toEqual([
      'orders',
      'payments',
      'order-events',
    ]);
    const orders = res.body.queues[0];
    expect(orders.workflow).toEqual(
      expect.objectContaining({ backlogCount: expect.any(Number), activePollers: expect.any(Number) }),
    );
    expect(res.body.queues[1].workflow).toBeNull();
    expect(res.body.queues[1].activity).toEqual(
      expect.objectContaining({ addRatePerSecond: expect.any(Number), pollers: expect.any(Array) }),
    );
  });
});

describe("the consumers' lag and dead letters", () => {
  it('reports the lag of every consumer group of the system', async () => {
    // On a new cluster the first group request waits for Kafka to create its offsets topic: meanwhile the route
    // answers 503 (Kafka did not answer within its budget), then the figures.
    const res = await until(
      'the consumer lag',
      async () => {
        const answer = await api.request().get('/ops/consumer-lag');
        return answer.status === 503 && answer.headers['retry-after'] ? undefined : answer;
      },
      { timeoutMs: 60_000, everyMs: 1_000 },
    );
    expect(res.status).toBe(200);
    const [bridge, notifications, analytics] = [
      api.config.bridge.groupId,
      api.config.notifications.groupId,
      api.config.analytics.groupId,
    ];
    expect(res.body.groups).toEqual([
      expect.objectContaining({ consumer: 'bridge', group: bridge, topic: TOPICS.orderCreated }),
      expect.objectContaining({
        consumer: 'notifications',
        group: notifications,
        topic: TOPICS.orderProcessed,
      }),
      expect.objectContaining({ consumer: 'analytics', group: analytics, topic: TOPICS.orderProcessed }),
    ]);
    for (const group of res.body.groups as Array<{ total: number; partitions: Record<string, number> }>) {
      expect(group.total).toBe(Object.values(group.partitions).reduce((n, p) => n + p, 0));
    }
  });

  it('lists the newest dead letters of a topic and publishes one again, audited', async () => {
    const kafka = createKafka(api.config.kafka);
    const producer = kafka.producer();
    await producer.connect();
    const key = `it-dlq-${randomUUID()}`;
    const broken = `{"type":"order-created","orderId":"${key}"`;
    try {
      await deadLetter(producer, {
        topic: TOPICS.orderCreated,
        partition: 0,
        message: { key: Buffer.from(key), value: Buffer.from(broken), offset: '0', headers: {} } as never,
        error: new Error('not JSON'),
        consumer: 'it-api-consumer',
      });
    } finally {
      await producer.disconnect();
    }

    const page = await api.request().get(`/ops/dead-letters?topic=${TOPICS.orderCreated}&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(5);
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    // Newest first across the topic's partitions: the one just written is among the first five.
    const failedAt = (page.body.items as Array<{ failedAt: string }>).map((d) => Date.parse(d.failedAt));
    expect(failedAt).toEqual([...failedAt].sort((a, b) => b - a));
    const newest = (page.body.items as Array<{ key: string; id: string }>).find((d) => d.key === key);
    expect(newest).toEqual({
      id: expect.stringMatching(/^\d+:\d+$/),
      key,
      consumer: 'it-api-consumer',
      failedAt: expect.any(String),
      error: 'Error: not JSON',
      origin: `${TOPICS.orderCreated}/0:0`,
    });

    const admin = kafka.admin();
    await admin.connect();
    const before = new Map(
      (await admin.fetchTopicOffsets(TOPICS.orderCreated)).map((p) => [p.partition, BigInt(p.offset)]),
    );
    await admin.disconnect();
    const replayed = await api
      .request()
      .post('/ops/dead-letters/replay')
      .send({ topic: TOPICS.orderCreated, id: newest!.id });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ replayed: [newest!.id] });
    const republished: string[] = [];
    await readTopic(kafka, TOPICS.orderCreated, { start: { offsets: before } }, async ({ message }) => {
      if (message.key?.toString() === key) republished.push(String(message.headers?.['dlq-replayed-from']));
    });
    expect(republished).toEqual([`${TOPICS.orderCreated}.dlq/${newest!.id}`]);
    const audit = await api.request().get('/ops/audit?actor=op-test&limit=1');
    expect(audit.body.items[0]).toMatchObject({
      action: 'dead-letters.replay',
      details: { topic: TOPICS.orderCreated, id: newest!.id, replayed: 1 },
    });

    const unknown = await api
      .request()
      .post('/ops/dead-letters/replay')
      .send({ topic: TOPICS.orderCreated, id: '0:999999999' });
    expect(unknown.status).toBe(404);
    const badTopic = await api.request().get('/ops/dead-letters?topic=orders');
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.details[0]).toMatchObject({ field: 'topic' });
  });
});

describe("an order's trace", () => {
  it('answers the spans the file exporter wrote, in tree order, to operators', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-traces-'));
    const orderId = randomUUID();
    const traceId = randomUUID().replace(/-/g, '');
    const span = (name: string, spanId: string, parent: string | undefined, at: number): SpanRecord => ({
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name,
      kind: 'INTERNAL',
      service: name.split(' ')[0]!,
      startTime: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, at)).toISOString(),
      durationMs: 10,
      status: 'UNSET',
      attributes: parent ? {} : { 'order.id': orderId },
    });
    // Two processes' files, the child written before its parent, and one span whose parent was never exported.
    fs.writeFileSync(
      path.join(dir, 'bridge-1.jsonl'),
      [span('bridge consume', 'b', 'a', 5), span('bridge lost', 'c', 'gone', 1)]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'api-2.jsonl'),
      `${JSON.stringify(span('api POST', 'a', undefined, 0))}\n{"torn`,
    );
    try {
      const app = createApp({
        ...api.deps,
        config: { ...api.config, tracing: { ...api.config.tracing, exporter: 'file', dir } },
      });
      const op = bearer(await api.tokens.operator());
      const res = await request(app).get(`/ops/orders/${orderId}/trace`).set(op);
      expect(res.status).toBe(200);
      expect(res.body.traces).toHaveLength(1);
      expect(res.body.traces[0].traceId).toBe(traceId);
      expect(
        res.body.traces[0].spans.map((s: { name: string; depth: number; orphan: boolean }) => [
          s.name,
          s.depth,
          s.orphan,
        ]),
      ).toEqual([
        ['api POST', 0, false],
        ['bridge consume', 1, false],
        ['bridge lost', 0, true],
      ]);

      const unknown = await request(app).get(`/ops/orders/${randomUUID()}/trace`).set(op);
      expect(unknown.status).toBe(404);
      const customer = await request(app)
        .get(`/ops/orders/${orderId}/trace`)
        .set(bearer(await api.tokens.customer(newCustomer('tracer'))));
      expect(customer.status).toBe(403);
      const otlp = createApp({
        ...api.deps,
        config: { ...api.config, tracing: { ...api.config.tracing, exporter: 'otlp', dir } },
      });
      const elsewhere = await request(otlp).get(`/ops/orders/${orderId}/trace`).set(op);
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.body.message).toMatch(/otlp exporter/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('request bodies', () => {
  it('a JSON null is not an empty body: 400 naming the body, for the bulk retry and the cancel alike', async () => {
    for (const path of ['/orders/retry', `/orders/${randomUUID()}/cancel`]) {
      const res = await api.request().post(path).set('Content-Type', 'application/json').send('null');
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.details[0]).toMatchObject({ field: 'body' });
    }
  });
});
