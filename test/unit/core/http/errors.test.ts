import { ApiError, fieldPath, parseOrThrow } from '../../../../core/http/errors';
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

  it('name query parameters bare, with the raw value coerced where it was parsed', () => {
    const err = validationError(ListOrdersQuery, { limit: '500', status: 'lost' });
    expect(err.details).toEqual([
      {
        field: 'status',
        problem: 'expected one of accepted, processing, completed, rejected, cancelled, failed',
        received: 'lost',
      },
      { field: 'limit', problem: 'expected a whole number 1-100', received: 500 },
    ]);
  });

  it('pass a valid value through, parsed', () => {
    expect(parseOrThrow(ListOrdersQuery, {})).toEqual({ limit: 20 });
    expect(parseOrThrow(CreateOrderRequest, valid)).toEqual(valid);
  });
});
