import { EventValidationError, parseEvent, parseEventMessage } from '../../../contracts/events';
import { orderCreatedEvent } from '../../support/order-events';

describe('reading events off Kafka', () => {
  const event = orderCreatedEvent();
  const value = Buffer.from(JSON.stringify(event));

  it('parses a valid event keyed by its orderId', () => {
    expect(parseEventMessage('order-created', { key: Buffer.from(event.orderId), value })).toEqual(event);
  });

  it.each([
    ['no key', null, /key: expected the orderId .* \(received no key\)/],
    ['another order’s key', Buffer.from('6c3f0c1e-0000-4000-8000-000000000000'), /received "6c3f0c1e-/],
  ])('refuses an event with %s: it would sit on another order’s partition', (_what, key, problem) => {
    expect(() => parseEventMessage('order-created', { key, value })).toThrow(EventValidationError);
    expect(() => parseEventMessage('order-created', { key, value })).toThrow(problem);
  });

  it('refuses bytes that are not UTF-8 rather than read them as replacement characters', () => {
    // A valid event whose customerId holds a lone continuation byte.
    const json = JSON.stringify({ ...event, customerId: 'c-XX' });
    const bytes = Buffer.from(json);
    const at = bytes.indexOf('XX');
    bytes[at] = 0x80;
    bytes[at + 1] = 0x80;
    expect(() => parseEvent('order-created', bytes)).toThrow('invalid event: not UTF-8 text');
  });

  it.each([
    ['not JSON', '{"type":"order-created",', /not JSON/],
    ['a version this consumer does not know', JSON.stringify({ ...event, version: 2 }), /version: /],
    ['missing fields', JSON.stringify({ type: 'order-created', orderId: event.orderId }), /eventId: /],
  ])('names what is wrong with %s', (_what, raw, problem) => {
    expect(() => parseEvent('order-created', Buffer.from(raw))).toThrow(problem);
  });
});
