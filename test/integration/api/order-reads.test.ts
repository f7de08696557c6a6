import { AcceptedOrder, OrderPage, OrderView } from '../../../contracts/http/orders/schemas';
import { outboxModel, type OutboxEntryDoc } from '../../../domain/orders/outbox';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';

/** Reading orders back: one by id, and pages of them filtered by customer and status. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

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

  it('reads an accepted order whose workflow has started (its outbox entry gone) as processing', async () => {
    // What the bridge's start leaves: the order stored accepted, its entry deleted (start-order.ts).
    const started = created.slice(3, 5).map((o) => o.orderId);
    const entries = await outboxModel(api.db)
      .find({ _id: { $in: started } })
      .lean<OutboxEntryDoc[]>();
    expect(entries).toHaveLength(2);
    await outboxModel(api.db).deleteMany({ _id: { $in: started } });
    try {
      // No workflow answers in this harness: the stored status, as seen, is the answer.
      const one = OrderView.parse((await api.request().get(`/orders/${started[0]}`)).body);
      expect(one.status).toBe('processing');
      const processing = OrderPage.parse(
        (await list({ customerId: customer, status: 'processing', limit: 100 })).body,
      );
      expect(processing.items.map((o) => o.orderId).sort()).toEqual([...started].sort());
      const accepted = OrderPage.parse(
        (await list({ customerId: customer, status: 'accepted', limit: 100 })).body,
      );
      expect(accepted.items).toHaveLength(23);
      expect(accepted.items.map((o) => o.orderId)).not.toContain(started[0]);
      const all = OrderPage.parse((await list({ customerId: customer, limit: 100 })).body);
      expect(all.items.filter((o) => o.status === 'processing')).toHaveLength(2);
    } finally {
      await outboxModel(api.db).insertMany(entries);
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
