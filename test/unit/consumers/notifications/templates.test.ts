import type { OrderProcessedV1 } from '../../../../contracts/events';
import { formatMoney, renderNotification } from '../../../../consumers/notifications/templates';

const ORDER_ID = '3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';

function event(overrides: Partial<OrderProcessedV1> = {}): OrderProcessedV1 {
  return {
    eventId: '0b1c2d3e-4f5a-8b6c-9d7e-0f1a2b3c4d5e',
    type: 'order-processed',
    version: 1,
    occurredAt: '2026-03-04T05:06:07.000Z',
    orderId: ORDER_ID,
    customerId: 'c-1',
    status: 'completed',
    reason: null,
    currency: 'EUR',
    totalCents: 1250,
    items: [],
    processingMs: 120,
    workflowId: `order-${ORDER_ID}`,
    runId: 'run-1',
    ...overrides,
  };
}

describe('notification templates', () => {
  it.each([
    [1250, 'EUR', '€12.50'],
    [300, 'USD', '$3.00'],
    [100, 'GBP', '£1.00'],
    [5, 'EUR', '€0.05'],
    [123456, 'USD', '$1,234.56'],
  ])('format %i minor units of %s as %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });

  it('completed: confirms with the short order reference and the total in its currency', () => {
    const n = renderNotification(event({ totalCents: 300, currency: 'USD' }));
    expect(n.status).toBe('completed');
    expect(n.title).toBe('Order 3f2a9c1e confirmed');
    expect(n.body).toContain('3f2a9c1e');
    expect(n.body).toContain('$3.00');
    expect(n.body).not.toContain(ORDER_ID);
  });

  it.each([
    ['OutOfStock', 'B-42: 5 requested, 3 available', /out of stock/i],
    ['PaymentDeclined', 'card declined: insufficient funds', /payment was declined/i],
    ['InvalidOrder', 'unknown SKU Z-1', /not valid/i],
    ['SomethingNew', 'a reason type added later', /could not process/i],
  ])('rejected (%s): a friendly line and the reason message', (type, message, friendly) => {
    const n = renderNotification(event({ status: 'rejected', reason: { type, message } }));
    expect(n.status).toBe('rejected');
    expect(n.title).toContain('3f2a9c1e');
    expect(n.body).toMatch(friendly);
    expect(n.body).toContain(`Reason: ${message}`);
  });

  it('cancelled: says so, with the reason when there is one', () => {
    const withReason = renderNotification(
      event({ status: 'cancelled', reason: { type: 'Cancelled', message: 'customer asked to cancel' } }),
    );
    expect(withReason.title).toBe('Order 3f2a9c1e cancelled');
    expect(withReason.body).toContain('Reason: customer asked to cancel');

    const without = renderNotification(event({ status: 'cancelled', reason: null }));
    expect(without.body).toContain('was cancelled');
    expect(without.body).not.toContain('Reason:');
  });

  it('failed: reassures (we are on it, it will be retried) and keeps the technical reason out', () => {
    const n = renderNotification(
      event({ status: 'failed', reason: { type: 'ActivityTimeout', message: 'mongo socket closed' } }),
    );
    expect(n.status).toBe('failed');
    expect(n.title).toContain('3f2a9c1e');
    expect(n.body).toMatch(/on it/);
    expect(n.body).toMatch(/retried/);
    expect(n.body).not.toContain('mongo socket closed');
  });

  it('is pure: the same event renders the same', () => {
    expect(renderNotification(event())).toEqual(renderNotification(event()));
  });
});
