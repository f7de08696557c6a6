import { randomUUID } from 'node:crypto';
import type { AnyEvent } from '../../../../contracts/events';
import type { EventSource } from '../../../../consumers/analytics/source';
import type { AnalyticsStore } from '../../../../consumers/analytics/store';
import { createdEvent } from '../../../support/order-events';
import {
  applyEach,
  cluster,
  dayRange,
  events,
  expectedFigures,
  figuresOf,
  openAnalyticsStore,
  ordersOn,
} from '../../../support/analytics-store';

/** The figures the analytics store reports for a day of orders, exact to the cent and the order. */
describe('analytics store (real Mongo-wire server)', () => {
  let store: AnalyticsStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openAnalyticsStore());
  });

  afterAll(async () => {
    await close();
  });

  const figures = (day: string) => figuresOf(store, day);
  const applyAll = (list: AnyEvent[], position: (e: AnyEvent) => EventSource) =>
    applyEach(store, list, position);

  it('N orders with mixed outcomes and currencies: exact totals, revenue, top SKUs and series', async () => {
    const day = '2026-03-01';
    const orders = ordersOn(day, 30);
    const outcomes = await applyAll(events(orders), cluster('c1'));
    expect(outcomes.every((o) => o === 'applied')).toBe(true);

    const expected = expectedFigures(orders);
    expect(await figures(day)).toEqual(expected);
    expect(expected.orders).toEqual({
      created: 30,
      completed: 10,
      rejected: 5,
      cancelled: 5,
      failed: 5,
      inProgress: 5,
    });
    expect(expected.reasons).toEqual({
      'rejected/OutOfStock': 5,
      'failed/Gateway.Timeout': 5,
      'cancelled/Cancelled': 5,
    });
    expect(expected.topSkus.map((s) => s.sku)).toEqual(expect.arrayContaining(['MS.02', '$PAD']));

    // 24 created in the 10:00 hour (every 2.5 min), 6 in the 11:00 hour.
    const created = await store.timeseries({ metric: 'created', bucket: 'hour', ...dayRange(day) });
    expect(created).toHaveLength(24);
    expect(created.filter((p) => p.value !== 0)).toEqual([
      { start: `${day}T10:00:00.000Z`, value: 24, byCurrency: { EUR: 8, USD: 8, GBP: 8 } },
      { start: `${day}T11:00:00.000Z`, value: 6, byCurrency: { EUR: 2, USD: 2, GBP: 2 } },
    ]);

    // The completed EUR orders of 10:00-10:16 are order 0 (10:00:00.200) and order 6 (10:15:02.186).
    const completed = await store.timeseries({
      metric: 'revenue',
      bucket: 'minute',
      currency: 'EUR',
      from: new Date(`${day}T10:00:00Z`),
      to: new Date(`${day}T10:16:00Z`),
    });
    const eur = (i: number) => (orders[i]!.created.currency === 'EUR' ? orders[i]!.created.totalCents : 0);
    expect(completed).toHaveLength(16);
    expect(completed.filter((p) => p.value)).toEqual([
      { start: `${day}T10:00:00.000Z`, value: eur(0), byCurrency: { EUR: eur(0) } },
      { start: `${day}T10:15:00.000Z`, value: eur(6), byCurrency: { EUR: eur(6) } },
    ]);

    const fact = await store.fact(orders[0]!.created.orderId);
    expect(fact).toMatchObject({
      orderId: orders[0]!.created.orderId,
      created: {
        at: orders[0]!.created.occurredAt,
        currency: 'EUR',
        totalCents: orders[0]!.created.totalCents,
      },
      processed: { status: 'completed', reason: null, runId: 'run-1' },
      latencyMs: 200,
    });
    expect(fact!.events.map((e) => [e.topic, e.second])).toEqual([
      ['order-created', false],
      ['order-processed', true],
    ]);
    expect(await store.fact(randomUUID())).toBeNull();
  });

  it('refuses a malformed position or range, saying what it expected', async () => {
    const event = createdEvent();
    await expect(
      store.apply(event, { stream: 's', topic: 'order-created', partition: 0, offset: 'next' }),
    ).rejects.toThrow('offset: expected a decimal integer string below 2^53, received "next"');
    await expect(
      store.timeseries({
        metric: 'orders',
        bucket: 'minute',
        from: new Date('2026-03-01'),
        to: new Date('2026-03-03'),
      }),
    ).rejects.toThrow('expected a range of at most 1440 minutes, received 2880');
  });
});
