import { ApiError, ECHO_MAX_CHARS, fieldPath, parseOrThrow } from '../../../../core/http/errors';
import { CreateOrderRequest, ListOrdersQuery } from '../../../../contracts/http/orders/schemas';

function validationError(schema: Parameters<typeof parseOrThrow>[0], value: unknown): ApiError {
  try {
    parseOrThrow(schema, value);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the value to be rejected');
}

const valid = {
  customerId: 'c-1',
  email: 'ada@example.com',
  currency: 'EUR',
  items: [{ sku: 'KB-001', quantity: 1 }],
};

describe('fieldPath', () => {
  it('writes paths the way client code addresses them', () => {
    expect(fieldPath(['items', 1, 'quantity'])).toBe('items[1].quantity');
    expect(fieldPath(['email'])).toBe('email');
    expect(fieldPath([0, 'a', 2, 3])).toBe('[0].a[2][3]');
    expect(fieldPath([])).toBe('body');
  });
});

describe('validation errors', () => {
  it('name the field, what was expected and the value received', () => {
    const err = validationError(CreateOrderRequest, {
      ...valid,
      items: [
        { sku: 'KB-001', quantity: 1 },
        { sku: 'CB-005', quantity: -2 },
      ],
    });
    expect(err.status).toBe(400);
    expect(err.body()).toEqual({
      error: 'validation_failed',
      message: 'invalid request: items[1].quantity: expected a positive whole number (received -2)',
      details: [{ field: 'items[1].quantity', problem: 'expected a positive whole number', received: -2 }],
    });
  });

  it('report a missing field as required, without a received value', () => {
    const { email: _email, ...withoutEmail } = valid;
    const [detail] = validationError(CreateOrderRequest, withoutEmail).details!;
    expect(detail).toEqual({ field: 'email', problem: 'required: expected an email address' });
    expect(detail).not.toHaveProperty('received');
  });

  it('name every unknown field, nested ones included, with its value', () => {
    const err = validationError(CreateOrderRequest, {
      ...valid,
      coupon: 'FREE',
      items: [{ sku: 'KB-001', quantity: 1, price: 1 }],
    });
    expect(err.details).toEqual(
      expect.arrayContaining([
        { field: 'coupon', problem: 'unknown field', received: 'FREE' },
        { field: 'items[0].price', problem: 'unknown field', received: 1 },
      ]),
    );
    expect(err.details).toHaveLength(2);
  });

  it('report a value that fails several checks with the same expectation once', () => {
    const err = validationError(CreateOrderRequest, { ...valid, items: [{ sku: 'KB-001', quantity: -1.5 }] });
    expect(err.details).toEqual([
      { field: 'items[0].quantity', problem: 'expected a positive whole number', received: -1.5 },
    ]);
  });

  it('report every problem at once, in one summary line', () => {
    const err = validationError(CreateOrderRequest, {
      customerId: '',
      email: 'not-an-email',
      currency: 'JPY',
      items: [],
    });
    expect(err.details!.map((d) => d.field)).toEqual(['customerId', 'email', 'currency', 'items']);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain('currency: expected one of EUR, USD, GBP (received "JPY")');
  });

  it('name query parameters bare, with the value as it was sent, before coercion', () => {
    const err = validationError(ListOrdersQuery, { limit: '500', status: 'lost' });
    expect(err.details).toEqual([
      {
        field: 'status',
        problem: 'expected one of accepted, processing, completed, rejected, cancelled, failed',
        received: 'lost',
      },
      { field: 'limit', problem: 'expected a whole number 1-100', received: '500' },
    ]);
  });

  it('report a parameter that is not a number as sent (?limit=abc), not as the null its NaN would become', () => {
    const err = validationError(ListOrdersQuery, { limit: 'abc' });
    expect(err.details).toEqual([
      { field: 'limit', problem: 'expected a whole number 1-100', received: 'abc' },
    ]);
    expect(err.message).toBe('invalid request: limit: expected a whole number 1-100 (received "abc")');
  });

  it('echo a long value cut down, and a large array or object by its size only', () => {
    const longSku = 'S'.repeat(5_000);
    const tooMany = Array.from({ length: 1_000 }, () => ({ sku: 'KB-001', quantity: 1 }));
    const err = validationError(CreateOrderRequest, {
      ...valid,
      customerId: 'c'.repeat(5_000),
      items: tooMany,
      extra: { a: 'x'.repeat(300) },
    });
    expect(err.details).toEqual([
      {
        field: 'customerId',
        problem: 'expected a string of 1-100 characters',
        received: `${'c'.repeat(ECHO_MAX_CHARS)}… (5000 characters)`,
      },
      { field: 'items', problem: 'expected an array of 1-100 items', received: '(an array of 1000 items)' },
      { field: 'extra', problem: 'unknown field', received: '(an object with 1 field)' },
    ]);
    expect(JSON.stringify(err.body()).length).toBeLessThan(2_000);
    // A short value is echoed as it is.
    const sku = validationError(CreateOrderRequest, {
      ...valid,
      items: [{ sku: longSku.slice(0, 65), quantity: 1 }],
    });
    expect(sku.details![0]!.received).toBe(longSku.slice(0, 65));
  });

  it('pass a valid value through, parsed', () => {
    expect(parseOrThrow(ListOrdersQuery, {})).toEqual({ limit: 20 });
    expect(parseOrThrow(CreateOrderRequest, valid)).toEqual(valid);
  });
});
