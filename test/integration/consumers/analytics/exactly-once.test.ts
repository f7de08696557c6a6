import type { Connection } from 'mongoose';
import type { AnyEvent } from '../../../../contracts/events';
import { recordEvent } from '../../../../consumers/analytics/facts';
import { analyticsModels } from '../../../../consumers/analytics/models';
import type { EventSource } from '../../../../consumers/analytics/source';
import type { AnalyticsStore } from '../../../../consumers/analytics/store';
import { createdEvent, processedEvent } from '../../../support/order-events';
import {
  applyEach,
  cluster,
  dayRange,
  events,
  expectedFigures,
  figuresOf,
  openAnalyticsStore,
  ordersOn,
  type Order,
} from '../../../support/analytics-store';

/** Every order counted once however its events arrive: redelivered, copied, out of order, concurrently, after a crash. */
describe('analytics store (real Mongo-wire server)', () => {
  let db: Connection;
  let store: AnalyticsStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, store, close } = await openAnalyticsStore());
  });

  afterAll(async () => {
    await close();
  });

  const figures = (day: string) => figuresOf(store, day);
  const applyAll = (list: AnyEvent[], position: (e: AnyEvent) => EventSource) =>
    applyEach(store, list, position);

  it('redelivery at the same positions changes nothing; a copy at another offset is a duplicate', async () => {
    const day = '2026-03-02';
    const orders = ordersOn(day, 18);
    const positions = new Map<string, EventSource>();
    const position = cluster('c2');
    const first = await applyAll(events(orders), (e) => {
      const source = position(e);
      positions.set(e.eventId, source);
      return source;
    });
    expect(new Set(first)).toEqual(new Set(['applied']));
    const before = await figures(day);
    const facts = await Promise.all(orders.map((o) => store.fact(o.created.orderId)));

    const again = await applyAll(events(orders), (e) => positions.get(e.eventId)!);
    expect(new Set(again)).toEqual(new Set(['already-applied']));

    // The outbox published some events twice: new offsets, same eventIds.
    const copies = await applyAll(events(orders).slice(0, 10), position);
    expect(new Set(copies)).toEqual(new Set(['duplicate']));

    expect(await figures(day)).toEqual(before);
    expect(await Promise.all(orders.map((o) => store.fact(o.created.orderId)))).toEqual(facts);
  });

  it('processed before created: the same facts and figures, latency counted once', async () => {
    const inOrder = ordersOn('2026-03-03', 24);
    // The same orders one day later, delivered the other way round.
    const shifted = inOrder.map(({ created, processed }) => {
      const dayLater = (iso: string) => new Date(Date.parse(iso) + 86_400_000).toISOString();
      const again = createdEvent({
        currency: created.currency,
        items: created.items,
        createdAt: dayLater(created.occurredAt),
      });
      return {
        created: again,
        processed:
          processed &&
          processedEvent(again, {
            status: processed.status,
            reasonType: processed.reason?.type ?? null,
            processedAt: dayLater(processed.occurredAt),
          }),
      };
    });
    await applyAll(events(inOrder), cluster('c3'));
    const reversed = events(shifted).reverse();
    expect(reversed[0]!.type).toBe('order-processed');
    await applyAll(reversed, cluster('c3b'));

    const a = await figures('2026-03-03');
    const b = await figures('2026-03-04');
    expect(b).toEqual(a);
    expect(b.latencyMs.count).toBe(shifted.filter((o) => o.processed).length);

    for (const [i, order] of shifted.entries()) {
      const fact = (await store.fact(order.created.orderId))!;
      const original = (await store.fact(inOrder[i]!.created.orderId))!;
      expect(fact.latencyMs).toBe(original.latencyMs);
      expect(fact.processed?.status).toBe(original.processed?.status);
      expect(fact.created?.totalCents).toBe(original.created?.totalCents);
      // Exactly one event owns the latency: whichever completed the pair, here the created one.
      expect(fact.events.filter((e) => e.second).map((e) => e.topic)).toEqual(
        order.processed ? ['order-created'] : [],
      );
    }
  });

  it('both events of 60 orders applied concurrently: each order counted in the latency histogram exactly once', async () => {
    const day = '2026-03-05';
    const orders = ordersOn(day, 60).map((o) => ({
      created: o.created,
      processed: o.processed ?? processedEvent(o.created, { status: 'completed' }),
    }));
    // One partition per message, so no partition ever has two messages in flight — as a consumer guarantees.
    // Each created event also travels as a second copy on another partition, racing the original.
    const results = await Promise.all(
      orders.flatMap(({ created, processed }, i) => [
        store.apply(created, {
          stream: 'c5/order-created',
          topic: 'order-created',
          partition: i,
          offset: '0',
        }),
        store.apply(created, {
          stream: 'c5/order-created',
          topic: 'order-created',
          partition: 1000 + i,
          offset: '0',
        }),
        store.apply(processed, {
          stream: 'c5/order-processed',
          topic: 'order-processed',
          partition: i,
          offset: '0',
        }),
      ]),
    );
    for (let i = 0; i < orders.length; i++) {
      const [original, copy, processed] = results.slice(3 * i, 3 * i + 3);
      expect([original, copy].sort()).toEqual(['applied', 'duplicate']);
      expect(processed).toBe('applied');
    }

    const summary = await store.summary(dayRange(day));
    expect(summary.orders.created).toBe(60);
    expect(summary.latencyMs.count).toBe(60);
    const facts = await Promise.all(orders.map((o) => store.fact(o.created.orderId)));
    for (const fact of facts) expect(fact!.events.filter((e) => e.second)).toHaveLength(1);
    expect(summary.latencyMs).toEqual(expectedFigures(orders).latencyMs);
  });

  it('a crash between recording the fact and counting it: the redelivery counts it exactly once', async () => {
    const day = '2026-03-06';
    const [order] = ordersOn(day, 1) as [Required<Order>];
    const { facts } = analyticsModels(db);
    const createdAt = { stream: 'c6/order-created', topic: 'order-created', partition: 0, offset: '7' };
    const processedAt = { stream: 'c6/order-processed', topic: 'order-processed', partition: 2, offset: '9' };

    // Each event's first delivery dies right after step b, before its rollup is touched.
    expect(await recordEvent(facts, order.created, createdAt)).toEqual({
      kind: 'recorded',
      second: false,
      latencyMs: null,
    });
    expect(await recordEvent(facts, order.processed, processedAt)).toEqual({
      kind: 'recorded',
      second: true,
      latencyMs: 200,
      role: 'first',
    });
    expect((await store.summary(dayRange(day))).orders.created).toBe(0);

    expect(await store.apply(order.processed, processedAt)).toBe('applied');
    expect(await store.apply(order.created, createdAt)).toBe('applied');
    expect(await store.apply(order.created, createdAt)).toBe('already-applied');
    expect(await store.apply(order.processed, processedAt)).toBe('already-applied');

    const summary = await store.summary(dayRange(day));
    expect(summary.orders).toEqual({
      created: 1,
      completed: 1,
      rejected: 0,
      cancelled: 0,
      failed: 0,
      inProgress: 0,
    });
    expect(summary.latencyMs).toMatchObject({ count: 1, mean: 200 });
    expect(summary.revenueCents).toEqual({ EUR: order.processed.totalCents });
  });
});
