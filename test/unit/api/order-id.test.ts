import { z } from 'zod';
import { orderIdFor, requestHash } from '../../../api/order-id';
import type { CreateOrderRequest } from '../../../contracts/http/orders/schemas';

const isUuid = (id: string) => z.uuid().safeParse(id).success;

describe('orderIdFor', () => {
  it('derives the same id for the same customer and Idempotency-Key, so a retried POST maps to the same order', () => {
    expect(orderIdFor('c-1', 'key-1')).toBe(orderIdFor('c-1', 'key-1'));
  });

  it('derives different ids for a different key or a different customer with the same key', () => {
    const ids = new Set([orderIdFor('c-1', 'key-1'), orderIdFor('c-1', 'key-2'), orderIdFor('c-2', 'key-1')]);
    expect(ids.size).toBe(3);
  });

  it('cannot be confused by moving characters between customer and key', () => {
    expect(orderIdFor('c-1a', 'b')).not.toBe(orderIdFor('c-1', 'ab'));
  });

  it('derives a valid RFC 9562 version 8 UUID', () => {
    const id = orderIdFor('c-1', 'key-1');
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('8'); // version nibble
    expect(['8', '9', 'a', 'b']).toContain(id[19]); // variant
  });

  it('makes a random v4 UUID when there is no key', () => {
    const a = orderIdFor('c-1', undefined);
    const b = orderIdFor('c-1', undefined);
    expect(a).not.toBe(b);
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('4');
  });
});

describe('requestHash', () => {
  const request: CreateOrderRequest = {
    customerId: 'c-1',
    email: 'ada@example.com',
    currency: 'EUR',
    items: [
      { sku: 'KB-001', quantity: 1 },
      { sku: 'CB-005', quantity: 2 },
    ],
  };

  it('is the same for the same request whatever the key order of its JSON', () => {
    const reordered = JSON.parse(
      '{"items":[{"quantity":1,"sku":"KB-001"},{"quantity":2,"sku":"CB-005"}],"currency":"EUR","email":"ada@example.com","customerId":"c-1"}',
    ) as CreateOrderRequest;
    expect(requestHash(reordered)).toBe(requestHash(request));
    expect(requestHash(request)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when any field differs', () => {
    const hashes = [
      request,
      { ...request, email: 'bob@example.com' },
      { ...request, currency: 'USD' as const },
      { ...request, items: [{ sku: 'KB-001', quantity: 2 }] },
    ].map(requestHash);
    expect(new Set(hashes).size).toBe(4);
  });
});
