import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { CUSTOMER_ID, ORDER_STATUS } from '../../../../contracts/search-attributes';
import { processOrderStartOptions, orderSummary } from '../../../../domain/orders/workflow-start';
import { orderCreatedEvent } from '../../../support/order-events';

describe('processOrderStartOptions', () => {
  const event = orderCreatedEvent();
  const options = processOrderStartOptions(event, 'it-queue');

  it('starts the workflow of the order on the given task queue, with the event as ProcessOrderInput', () => {
    expect(options.workflowId).toBe(`order-${event.orderId}`);
    expect(options.taskQueue).toBe('it-queue');
    expect(options.args).toEqual([
      {
        orderId: event.orderId,
        customerId: 'c-42',
        email: 'ada@example.com',
        currency: 'EUR',
        items: event.items,
        totalCents: 12900,
        acceptedAt: '2025-03-01T10:15:30.000Z',
      },
    ]);
  });

  it('never starts a second run for an order, and reports a duplicate instead of reusing it silently', () => {
    expect(options.workflowIdReusePolicy).toBe(WorkflowIdReusePolicy.REJECT_DUPLICATE);
    expect(options.workflowIdConflictPolicy).toBe(WorkflowIdConflictPolicy.FAIL);
  });

  it('tags the run for the Web UI: customer and "processing" status, a memo and a one-line summary', () => {
    // Processing from the run's first moment: the workflow no longer upserts it as it starts.
    expect(options.typedSearchAttributes).toEqual([
      { key: CUSTOMER_ID, value: 'c-42' },
      { key: ORDER_STATUS, value: 'processing' },
    ]);
    expect(options.memo).toEqual({
      orderId: event.orderId,
      customerId: 'c-42',
      totalCents: 12900,
      currency: 'EUR',
      items: 3,
    });
    expect(options.staticSummary).toBe('Order 3 items, 129.00 EUR for customer c-42');
  });
});

describe('orderSummary', () => {
  it.each([
    [5, 'Order 1 item, 0.05 USD for customer c-7'],
    [100, 'Order 1 item, 1.00 USD for customer c-7'],
    [123456789, 'Order 1 item, 1234567.89 USD for customer c-7'],
  ])('formats %i cents exactly', (totalCents, expected) => {
    const event = orderCreatedEvent({
      customerId: 'c-7',
      currency: 'USD',
      totalCents,
      items: [{ sku: 'X', name: 'X', quantity: 1, unitPriceCents: totalCents, lineTotalCents: totalCents }],
    });
    expect(orderSummary(event)).toBe(expected);
  });
});
