import { randomUUID } from 'node:crypto';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';

/** What POST /orders refuses, and how it names the field, the expectation and the value it received. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

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

describe('request bodies', () => {
  it('a JSON null is not an empty body: 400 naming the body, for the bulk retry and the cancel alike', async () => {
    for (const path of ['/orders/retry', `/orders/${randomUUID()}/cancel`]) {
      const res = await api.request().post(path).set('Content-Type', 'application/json').send('null');
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.details[0]).toMatchObject({ field: 'body' });
    }
  });
});
