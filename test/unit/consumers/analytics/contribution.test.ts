import {
  rollupContribution,
  rollupId,
  rollupIncrements,
  UNKNOWN_REASON,
} from '../../../../consumers/analytics/contribution';
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

describe('what an outcome that supersedes another changes', () => {
  const created = createdEvent({
    currency: 'EUR',
    createdAt: '2026-03-01T09:58:00.000Z',
    items: lines(['KB-01', 2, 8900], ['MS.02', 1, 1500]),
  });
  const failed = processedEvent(created, {
    status: 'failed',
    reasonType: 'Gateway.Timeout',
    processedAt: '2026-03-01T09:59:30.000Z',
  });
  const completed = processedEvent(created, { runId: 'run-2', processedAt: '2026-03-01T10:01:00.000Z' });
  const replacedFailed = {
    at: new Date(failed.occurredAt),
    status: failed.status,
    reason: failed.reason,
    currency: failed.currency,
    totalCents: failed.totalCents,
    items: failed.items,
    runId: failed.runId,
  };
  const H09 = '2026-03-01T09:00:00.000Z';
  const H10 = '2026-03-01T10:00:00.000Z';

  it('counts itself in its own minute and takes the replaced outcome back in the minute it was counted', () => {
    const contribution = rollupContribution(completed, {
      second: false,
      latencyMs: 180_000,
      role: 'supersedes',
      replaced: { ...replacedFailed, latencyMs: 90_000, latencyHour: new Date(H09) },
    });
    expect(Object.fromEntries(contribution)).toEqual({
      [H10]: {
        'minutes.01.completed.EUR.n': 1,
        'minutes.01.completed.EUR.cents': 19300,
        'skus.KB-01.qty': 2,
        'skus.KB-01.orders': 1,
        'skus.KB-01.cents.EUR': 17800,
        'skus.MS%2E02.qty': 1,
        'skus.MS%2E02.orders': 1,
        'skus.MS%2E02.cents.EUR': 1500,
        'latency.26': 1,
        latencyCount: 1,
        latencySumMs: 180_000,
      },
      [H09]: {
        'minutes.59.failed.EUR.n': -1,
        'minutes.59.failed.EUR.cents': -19300,
        'reasons.failed.Gateway%2ETimeout': -1,
        'latency.25': -1,
        latencyCount: -1,
        latencySumMs: -90_000,
      },
    });
  });

  it('takes back revenue and SKU totals of a replaced completed outcome, summing paths that meet', () => {
    const later = processedEvent(created, { runId: 'run-3', processedAt: '2026-03-01T10:01:30.000Z' });
    const replaced = {
      at: new Date(completed.occurredAt),
      status: completed.status,
      reason: null,
      currency: 'EUR',
      totalCents: completed.totalCents,
      items: completed.items,
      runId: completed.runId,
      latencyMs: 180_000,
      latencyHour: new Date(H10),
    };
    const contribution = rollupContribution(later, {
      second: false,
      latencyMs: 210_000,
      role: 'supersedes',
      replaced,
    });
    // Same minute, status and SKUs: all cancels out but the latency sample, which moves to another bucket.
    expect(Object.fromEntries(contribution)).toEqual({
      [H10]: {
        'minutes.01.completed.EUR.n': 0,
        'minutes.01.completed.EUR.cents': 0,
        'skus.KB-01.qty': 0,
        'skus.KB-01.orders': 0,
        'skus.KB-01.cents.EUR': 0,
        'skus.MS%2E02.qty': 0,
        'skus.MS%2E02.orders': 0,
        'skus.MS%2E02.cents.EUR': 0,
        'latency.26': -1,
        'latency.27': 1,
        latencyCount: 0,
        latencySumMs: 30_000,
      },
    });
  });

  it('without the created part yet, no latency sample is added or taken back', () => {
    const contribution = rollupContribution(completed, {
      second: false,
      latencyMs: null,
      role: 'supersedes',
      replaced: replacedFailed,
    });
    expect(contribution.get(H09)).toEqual({
      'minutes.59.failed.EUR.n': -1,
      'minutes.59.failed.EUR.cents': -19300,
      'reasons.failed.Gateway%2ETimeout': -1,
    });
    expect(contribution.get(H10)).not.toHaveProperty('latencyCount');
  });

  it('a superseded outcome changes nothing; a first one only adds itself', () => {
    expect(rollupContribution(failed, { second: false, latencyMs: null, role: 'superseded' }).size).toBe(0);
    expect(
      Object.fromEntries(rollupContribution(failed, { second: true, latencyMs: 90_000, role: 'first' })),
    ).toEqual({ [H09]: rollupIncrements(failed, 90_000) });
  });
});
