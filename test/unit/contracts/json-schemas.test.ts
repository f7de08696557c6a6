import fs from 'node:fs';
import path from 'node:path';
import { renderEventSchema, schemaFileName } from '../../../contracts/json-schemas';
import { SCHEMAS_DIR } from '../../../tools/stack/write-schemas';
import { EVENTS, eventIdFor, OrderCreatedV1, parseEvent, type EventType } from '../../../contracts/events';

describe('event contracts', () => {
  it.each(Object.keys(EVENTS) as EventType[])('schemas/ holds the up-to-date JSON Schema of %s', (type) => {
    const file = path.join(SCHEMAS_DIR, schemaFileName(type));
    expect(fs.existsSync(file)).toBe(true);
    // If this fails, the zod source changed: run `npm run schemas` and commit the result.
    expect(fs.readFileSync(file, 'utf8')).toBe(renderEventSchema(type));
  });

  it('derives the same event id for the same logical event, and another for another', () => {
    const a = eventIdFor('order-processed', 'o-1', 'run-1/completed');
    expect(eventIdFor('order-processed', 'o-1', 'run-1/completed')).toBe(a);
    expect(eventIdFor('order-processed', 'o-1', 'run-2/completed')).not.toBe(a);
    expect(eventIdFor('order-created', 'o-1')).not.toBe(eventIdFor('order-created', 'o-2'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names every bad field of an invalid event', () => {
    const valid = OrderCreatedV1.parse({
      eventId: eventIdFor('order-created', '6f1c2a4e-1b2c-4d3e-8f40-5a6b7c8d9e0f'),
      type: 'order-created',
      version: 1,
      occurredAt: '2026-11-23T10:00:00.000Z',
      orderId: '6f1c2a4e-1b2c-4d3e-8f40-5a6b7c8d9e0f',
      customerId: 'c-1',
      email: 'a@example.com',
      currency: 'EUR',
      items: [{ sku: 'KB-001', name: 'Keyboard', quantity: 1, unitPriceCents: 8900, lineTotalCents: 8900 }],
      totalCents: 8900,
    });
    expect(parseEvent('order-created', JSON.stringify(valid))).toEqual(valid);
    const bad = { ...valid, totalCents: 12.5, currency: 'XXX', items: [] };
    expect(() => parseEvent('order-created', JSON.stringify(bad))).toThrow(
      /currency: expected one of EUR, USD, GBP; items: .*; totalCents: expected a whole number of cents/,
    );
    expect(() => parseEvent('order-created', '{oops')).toThrow(/not JSON/);
  });
});
