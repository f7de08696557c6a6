import type { RollupDoc } from '../../../../consumers/analytics/models';
import { summarize, timeseriesOf, topSkusOf } from '../../../../consumers/analytics/reports';

const H10 = new Date('2026-03-01T10:00:00.000Z');
const H11 = new Date('2026-03-01T11:00:00.000Z');

function rollup(hour: Date, fields: Partial<RollupDoc>): RollupDoc {
  return { _id: 'x', stream: 's', topic: 't', partition: 0, hour, lastOffset: 0, ...fields };
}

/** Two partitions of order-created and one of order-processed, over two hours. */
const docs: RollupDoc[] = [
  rollup(H10, {
    minutes: {
      '00': { created: { EUR: { n: 3, cents: 300 }, USD: { n: 1, cents: 50 } } },
      '59': { created: { EUR: { n: 1, cents: 100 } } },
    },
  }),
  rollup(H11, { minutes: { '01': { created: { GBP: { n: 2, cents: 70 } } } } }),
  rollup(H10, {
    minutes: {
      '00': {
        completed: { EUR: { n: 2, cents: 200 }, USD: { n: 1, cents: 50 } },
        rejected: { EUR: { n: 1, cents: 100 } },
      },
      '30': { failed: { GBP: { n: 1, cents: 35 } }, cancelled: { EUR: { n: 1, cents: 100 } } },
    },
    skus: {
      'KB-01': { qty: 3, orders: 2, cents: { EUR: 150 } },
      'MS%2E02': { qty: 5, orders: 2, cents: { EUR: 50, USD: 50 } },
    },
    reasons: { rejected: { OutOfStock: 1 }, failed: { 'Db%2ETimeout': 1 }, cancelled: { Cancelled: 1 } },
    latency: { '14': 3, '18': 1 },
    latencyCount: 4,
    latencySumMs: 1_100 + 1_200 + 1_300 + 6_000,
  }),
  rollup(H11, {
    minutes: { '01': { completed: { GBP: { n: 1, cents: 35 } } } },
    skus: { 'KB-01': { qty: 1, orders: 1, cents: { GBP: 35 } } },
    reasons: {},
    latency: { '14': 1 },
    latencyCount: 1,
    latencySumMs: 1_400,
  }),
];

describe('summary from rollups', () => {
  it('adds up counts, completed revenue per currency, reasons and latency', () => {
    const summary = summarize(docs, { from: null, to: null });
    expect(summary).toEqual({
      range: { from: null, to: null },
      orders: { created: 7, completed: 4, rejected: 1, cancelled: 1, failed: 1, inProgress: 0 },
      revenueCents: { EUR: 200, USD: 50, GBP: 35 },
      successRate: 4 / 7,
      latencyMs: {
        count: 5,
        mean: 11_000 / 5,
        // 4 in (1000, 1500], 1 in (5000, 7500]: p50 rank 2.5 → 1000 + 500·2.5/4 = 1312.5; p95 rank 4.75 →
        // 5000 + 2500·0.75 = 6875; p99 rank 4.95 → 5000 + 2500·0.95 = 7375.
        p50: expect.closeTo(1312.5, 9) as number,
        p95: expect.closeTo(6875, 9) as number,
        p99: expect.closeTo(7375, 9) as number,
      },
      reasons: [
        { status: 'cancelled', type: 'Cancelled', count: 1 },
        { status: 'failed', type: 'Db.Timeout', count: 1 },
        { status: 'rejected', type: 'OutOfStock', count: 1 },
      ],
    });
  });

  it('is all zeros and nulls without rollups; in progress never goes below zero', () => {
    expect(summarize([], { from: null, to: null })).toEqual({
      range: { from: null, to: null },
      orders: { created: 0, completed: 0, rejected: 0, cancelled: 0, failed: 0, inProgress: 0 },
      revenueCents: {},
      successRate: null,
      latencyMs: { count: 0, mean: null, p50: null, p95: null, p99: null },
      reasons: [],
    });
    // A range can hold an order's outcome without its creation (created in an earlier hour).
    const finishedOnly = [rollup(H10, { minutes: { '05': { failed: { EUR: { n: 1, cents: 1 } } } } })];
    expect(summarize(finishedOnly, { from: null, to: null }).orders.inProgress).toBe(0);
  });

  it('leaves out what a superseding outcome took back: no zero tallies, reasons, SKUs or currencies', () => {
    // Partition 0 counted a failed and then a completed order; partition 1 later replaced both by new outcomes.
    const counted = rollup(H10, {
      minutes: {
        '05': { failed: { EUR: { n: 1, cents: 100 } }, completed: { GBP: { n: 1, cents: 35 } } },
      },
      skus: { 'KB-01': { qty: 1, orders: 1, cents: { GBP: 35 } } },
      reasons: { failed: { Timeout: 1 } },
    });
    const takenBack = rollup(H10, {
      minutes: {
        '05': { failed: { EUR: { n: -1, cents: -100 } }, completed: { GBP: { n: -1, cents: -35 } } },
        '20': { completed: { EUR: { n: 1, cents: 100 } }, rejected: { GBP: { n: 1, cents: 35 } } },
      },
      skus: { 'KB-01': { qty: -1, orders: -1, cents: { GBP: -35 } } },
      reasons: { failed: { Timeout: -1 }, rejected: { OutOfStock: 1 } },
    });
    const summary = summarize([counted, takenBack], { from: null, to: null });
    expect(summary.orders).toMatchObject({ completed: 1, failed: 0, rejected: 1 });
    expect(summary.revenueCents).toEqual({ EUR: 100 });
    expect(summary.reasons).toEqual([{ status: 'rejected', type: 'OutOfStock', count: 1 }]);
    expect(topSkusOf([counted, takenBack], 10)).toEqual([]);
    const minute = { from: new Date('2026-03-01T10:05:00Z'), to: new Date('2026-03-01T10:06:00Z') };
    expect(timeseriesOf([counted, takenBack], { metric: 'orders', bucket: 'minute', ...minute })).toEqual([
      { start: '2026-03-01T10:05:00.000Z', value: 0, byCurrency: {} },
    ]);
    // A tally taken back within its own document is skipped too.
    const cancelled = rollup(H10, { minutes: { '05': { completed: { EUR: { n: 0, cents: 0 } } } } });
    expect(summarize([cancelled], { from: null, to: null }).revenueCents).toEqual({});
  });
});

describe('timeseries from rollups', () => {
  const range = { from: new Date('2026-03-01T10:00:00Z'), to: new Date('2026-03-01T11:02:00Z') };

  it('hourly: every bucket of the range, from cut down and to rounded up', () => {
    expect(timeseriesOf(docs, { metric: 'created', bucket: 'hour', ...range })).toEqual([
      { start: '2026-03-01T10:00:00.000Z', value: 5, byCurrency: { EUR: 4, USD: 1 } },
      { start: '2026-03-01T11:00:00.000Z', value: 2, byCurrency: { GBP: 2 } },
    ]);
    expect(timeseriesOf(docs, { metric: 'orders', bucket: 'hour', ...range })).toEqual([
      { start: '2026-03-01T10:00:00.000Z', value: 6, byCurrency: { EUR: 4, USD: 1, GBP: 1 } },
      { start: '2026-03-01T11:00:00.000Z', value: 1, byCurrency: { GBP: 1 } },
    ]);
  });

  it('per minute: zeros for empty minutes, and only the minutes of the range', () => {
    const points = timeseriesOf(docs, {
      metric: 'completed',
      bucket: 'minute',
      from: new Date('2026-03-01T10:59:30Z'),
      to: new Date('2026-03-01T11:01:01Z'),
    });
    expect(points).toEqual([
      { start: '2026-03-01T10:59:00.000Z', value: 0, byCurrency: {} },
      { start: '2026-03-01T11:00:00.000Z', value: 0, byCurrency: {} },
      { start: '2026-03-01T11:01:00.000Z', value: 1, byCurrency: { GBP: 1 } },
    ]);
  });

  it('revenue: cents of completed orders; a total only for one currency', () => {
    expect(timeseriesOf(docs, { metric: 'revenue', bucket: 'hour', ...range })).toEqual([
      { start: '2026-03-01T10:00:00.000Z', value: null, byCurrency: { EUR: 200, USD: 50 } },
      { start: '2026-03-01T11:00:00.000Z', value: null, byCurrency: { GBP: 35 } },
    ]);
    expect(timeseriesOf(docs, { metric: 'revenue', bucket: 'hour', currency: 'EUR', ...range })).toEqual([
      { start: '2026-03-01T10:00:00.000Z', value: 200, byCurrency: { EUR: 200 } },
      { start: '2026-03-01T11:00:00.000Z', value: 0, byCurrency: {} },
    ]);
  });
});

describe('top SKUs from rollups', () => {
  it('sums across hours and partitions, decodes names, most quantity first, cut at the limit', () => {
    expect(topSkusOf(docs, 10)).toEqual([
      { sku: 'MS.02', quantity: 5, revenueCents: { EUR: 50, USD: 50 }, orders: 2 },
      { sku: 'KB-01', quantity: 4, revenueCents: { EUR: 150, GBP: 35 }, orders: 3 },
    ]);
    expect(topSkusOf(docs, 1).map((s) => s.sku)).toEqual(['MS.02']);
  });
});
