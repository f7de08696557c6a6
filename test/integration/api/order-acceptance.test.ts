import { AcceptedOrder } from '../../../contracts/http/orders/schemas';
import { CATALOGUE } from '../../../domain/catalogue/catalogue';
import type { OrderDoc } from '../../../domain/orders/order-model';
import { outboxModel, publishStateOf, type OutboxEntryDoc } from '../../../domain/orders/outbox';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';

/** What POST /orders stores and answers for a valid order, and how a retried POST maps to the same order. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

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
      steps: [],
      reason: null,
      idempotencyKey: null,
      runId: null,
      totalCents: body.totalCents,
    });
    expect(stored!.createdAt.toISOString()).toBe(body.createdAt);
    expect(stored!.requestHash).toMatch(/^[0-9a-f]{64}$/);
    // Its publish state is on its outbox entry, written before it: pending, for the relay.
    expect(stored).not.toHaveProperty('publishState');
    const entry = await outboxModel(api.db).findById(body.orderId).lean<OutboxEntryDoc>();
    expect(entry).toMatchObject({ createdAt: stored!.createdAt, parkedAt: null });
    expect(publishStateOf(stored!, entry)).toBe('pending');
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

  it('answers a replay of a started order as processing, and lists it again for nothing', async () => {
    const customer = newCustomer();
    const first = AcceptedOrder.parse(
      (await post(orderRequest(customer)).set('Idempotency-Key', 'started')).body,
    );
    // Its workflow started: the bridge deleted its outbox entry.
    const outbox = outboxModel(api.db);
    await outbox.deleteOne({ _id: first.orderId });
    const again = await post(orderRequest(customer)).set('Idempotency-Key', 'started');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(AcceptedOrder.parse(again.body)).toEqual({ ...first, status: 'processing' });
    // The entry the replay wrote before it found the order is not left for the relay to publish it again.
    expect(await outbox.findById(first.orderId).lean()).toBeNull();
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
