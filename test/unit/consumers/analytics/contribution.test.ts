import { rollupId, rollupIncrements, UNKNOWN_REASON } from '../../../../consumers/analytics/contribution';
import { createdEvent, lines, processedEvent } from '../../../support/order-events';

describe('what an event adds to its rollup', () => {
  const created = createdEvent({
    currency: 'USD',
    createdAt: '2026-03-01T10:07:59.999Z',
    items: lines(['KB-01', 1, 8900], ['MS.02', 2, 1500], ['KB-01', 2, 8000]),
  });

  it('order-created: one order and its total under status created, in its minute', () => {
    expect(rollupIncrements(created, null)).toEqual({
      'minutes.07.created.USD.n': 1,
      'minutes.07.created.USD.cents': 8900 + 3000 + 16000,
    });
  });

  it('completed: revenue and per-SKU totals, one path per SKU, SKU names encoded', () => {
    const processed = processedEvent(created, { processedAt: '2026-03-01T11:00:00.000Z' });
    expect(rollupIncrements(processed, null)).toEqual({
      'minutes.00.completed.USD.n': 1,
      'minutes.00.completed.USD.cents': 27900,
      'skus.KB-01.qty': 3,
      'skus.KB-01.orders': 1,
      'skus.KB-01.cents.USD': 24900,
      'skus.MS%2E02.qty': 2,
      'skus.MS%2E02.orders': 1,
      'skus.MS%2E02.cents.USD': 3000,
    });
  });

  it('rejected, failed, cancelled: a reason count and no SKU totals', () => {
    const rejected = processedEvent(created, { status: 'rejected', reasonType: 'Payment.Declined' });
    expect(rollupIncrements(rejected, null)).toEqual({
      'minutes.08.rejected.USD.n': 1,
      'minutes.08.rejected.USD.cents': 27900,
      'reasons.rejected.Payment%2EDeclined': 1,
    });
    const failed = processedEvent(created, { status: 'failed', reasonType: null });
    expect(rollupIncrements(failed, null)).toMatchObject({ [`reasons.failed.${UNKNOWN_REASON}`]: 1 });
  });

  it('the event completing the pair also carries the latency observation', () => {
    expect(rollupIncrements(created, 1_234)).toEqual({
      'minutes.07.created.USD.n': 1,
      'minutes.07.created.USD.cents': 27900,
      'latency.14': 1,
      latencyCount: 1,
      latencySumMs: 1_234,
    });
  });

  it('names the rollup by stream, partition and hour', () => {
    expect(rollupId('c1/order-created', 3, new Date('2026-03-01T10:00:00Z'))).toBe(
      'c1/order-created|3|2026-03-01T10:00:00.000Z',
    );
  });
});
