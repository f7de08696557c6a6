import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { CURRENCIES, type AnyEvent, type FinalStatus } from '../../../../contracts/events';
import { loadConfig } from '../../../../core/config';
import { connectMongo } from '../../../../core/mongo/connection';
import { rollupContribution } from '../../../../consumers/analytics/contribution';
import { recordEvent } from '../../../../consumers/analytics/facts';
import { latencyBucket, percentile } from '../../../../consumers/analytics/histogram';
import { analyticsModels } from '../../../../consumers/analytics/models';
import { applyContribution } from '../../../../consumers/analytics/rollups';
import type { EventSource } from '../../../../consumers/analytics/source';
import { createAnalyticsStore, type AnalyticsStore } from '../../../../consumers/analytics/store';
import { createdEvent, lines, processedEvent } from '../../../support/order-events';

type Order = { created: ReturnType<typeof createdEvent>; processed?: ReturnType<typeof processedEvent> };

const SKUS = ['KB-01', 'MS.02', '$PAD', 'CAM-04'];
const OUTCOMES: (FinalStatus | null)[] = ['completed', 'completed', 'rejected', 'failed', 'cancelled', null];
const REASONS: Partial<Record<FinalStatus, string>> = {
  rejected: 'OutOfStock',
  failed: 'Gateway.Timeout',
  cancelled: 'Cancelled',
};

/** n orders on one day from 10:00, 2.5 minutes apart (so they span two hours), with mixed outcomes. */
function ordersOn(day: string, n: number): Order[] {
  return Array.from({ length: n }, (_, i) => {
    const createdAt = new Date(Date.parse(`${day}T10:00:00Z`) + i * 150_000);
    const created = createdEvent({
      currency: CURRENCIES[i % CURRENCIES.length],
      createdAt: createdAt.toISOString(),
      items: lines([SKUS[i % 4]!, 1 + (i % 3), 1000 + 100 * (i % 4)], [SKUS[(i + 1) % 4]!, 1, 500]),
    });
    const status = OUTCOMES[i % OUTCOMES.length]!;
    if (!status) return { created };
    const latencyMs = i === 7 ? 700_000 : 200 + i * 331;
    const processed = processedEvent(created, {
      status,
      reasonType: REASONS[status] ?? null,
      processedAt: new Date(createdAt.getTime() + latencyMs).toISOString(),
    });
    return { created, processed };
  });
}

const events = (orders: Order[]): AnyEvent[] => [
  ...orders.map((o) => o.created),
  ...orders.flatMap((o) => (o.processed ? [o.processed] : [])),
];

/** Kafka positions for a fresh cluster: offsets counted per (topic, partition) as a broker would. */
function cluster(id: string, partitions = 3) {
  const next = new Map<string, number>();
  return (event: AnyEvent, partition = parseInt(event.orderId.slice(0, 4), 16) % partitions): EventSource => {
    const topic = event.type;
    const stream = `${id}/${topic}`;
    const offset = next.get(`${stream}|${partition}`) ?? 0;
    next.set(`${stream}|${partition}`, offset + 1);
    return { stream, topic, partition, offset: String(offset) };
  };
}

/** What the figures must be, computed straight from the orders. */
function expectedFigures(orders: Order[]) {
  const processed = orders.flatMap((o) => (o.processed ? [o.processed] : []));
  const count = (status: FinalStatus) => processed.filter((p) => p.status === status).length;
  const completed = processed.filter((p) => p.status === 'completed');
  const revenueCents: Record<string, number> = {};
  const skus = new Map<
    string,
    { sku: string; quantity: number; revenueCents: Record<string, number>; orders: number }
  >();
  for (const p of completed) {
    revenueCents[p.currency] = (revenueCents[p.currency] ?? 0) + p.totalCents;
    for (const line of p.items) {
      const row = skus.get(line.sku) ?? { sku: line.sku, quantity: 0, revenueCents: {}, orders: 0 };
      row.quantity += line.quantity;
      row.revenueCents[p.currency] = (row.revenueCents[p.currency] ?? 0) + line.lineTotalCents;
      row.orders += 1;
      skus.set(line.sku, row);
    }
  }
  const latencies = orders.flatMap((o) =>
    o.processed ? [Date.parse(o.processed.occurredAt) - Date.parse(o.created.occurredAt)] : [],
  );
  const buckets: Record<number, number> = {};
  for (const ms of latencies) buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + 1;
  const reasons = new Map<string, number>();
  for (const p of processed)
    if (p.reason)
      reasons.set(`${p.status}/${p.reason.type}`, (reasons.get(`${p.status}/${p.reason.type}`) ?? 0) + 1);
  const final = processed.length;
  return {
    orders: {
      created: orders.length,
      completed: completed.length,
      rejected: count('rejected'),
      cancelled: count('cancelled'),
      failed: count('failed'),
      inProgress: orders.length - final,
    },
    revenueCents,
    successRate: completed.length / final,
    latencyMs: {
      count: latencies.length,
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      p50: percentile(buckets, 0.5),
      p95: percentile(buckets, 0.95),
      p99: percentile(buckets, 0.99),
    },
    reasons: Object.fromEntries(reasons),
    topSkus: [...skus.values()].sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku)),
  };
}

describe('analytics store (real Mongo-wire server)', () => {
  let root: Connection;
  let db: Connection;
  let store: AnalyticsStore;

  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_analytics_${randomUUID().slice(0, 8)}`, { useCache: false });
    store = createAnalyticsStore(db);
    await store.createIndexes();
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  const dayRange = (day: string) => ({
    from: new Date(`${day}T00:00:00Z`),
    to: new Date(`${day}T23:59:59Z`),
  });

  /** The figures of one day, as comparable across days. */
  async function figures(day: string) {
    const { range: _range, reasons, ...summary } = await store.summary(dayRange(day));
    return {
      ...summary,
      reasons: Object.fromEntries(reasons.map((r) => [`${r.status}/${r.type}`, r.count])),
      topSkus: await store.topSkus({ limit: 100, ...dayRange(day) }),
    };
  }

  async function applyAll(list: AnyEvent[], position: (e: AnyEvent) => EventSource) {
    const outcomes: string[] = [];
    for (const event of list) outcomes.push(await store.apply(event, position(event)));
    return outcomes;
  }

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

  describe('a retried order: its final outcome supersedes the earlier one', () => {
    /** Created 09:58, failed at 09:59:30 (run-1), retried and completed at 10:01 (run-2); one more order pending. */
    function retried(day: string) {
      const created = createdEvent({
        createdAt: `${day}T09:58:00.000Z`,
        items: lines(['KB-01', 2, 8900], ['MS.02', 1, 1500]),
      });
      const failed = processedEvent(created, {
        status: 'failed',
        reasonType: 'Gateway.Timeout',
        processedAt: `${day}T09:59:30.000Z`,
      });
      const completed = processedEvent(created, { runId: 'run-2', processedAt: `${day}T10:01:00.000Z` });
      const pending = createdEvent({ createdAt: `${day}T09:30:00.000Z` });
      return { created, failed, completed, pending };
    }

    /** One partition per topic, so the two outcomes are on one partition, as the orderId key puts them. */
    const onePartition = (id: string) => cluster(id, 1);

    /** What the fact says, without what differs between days or orders. */
    async function finalOf(orderId: string) {
      const { created, processed, latencyMs } = (await store.fact(orderId))!;
      const { at: _at, ...outcome } = processed!;
      return { createdCents: created?.totalCents, outcome, latencyMs };
    }

    const expectedFinal = (order: ReturnType<typeof retried>) => ({
      orders: { created: 2, completed: 1, rejected: 0, cancelled: 0, failed: 0, inProgress: 1 },
      revenueCents: { EUR: order.completed.totalCents },
      successRate: 1,
      latencyMs: { count: 1, mean: 180_000, p50: expect.any(Number), p95: expect.any(Number) },
      reasons: {},
      topSkus: [
        { sku: 'KB-01', quantity: 2, revenueCents: { EUR: 17_800 }, orders: 1 },
        { sku: 'MS.02', quantity: 1, revenueCents: { EUR: 1_500 }, orders: 1 },
      ],
    });

    it('failed, then completed: counted once as completed, no failure left in any hour or minute', async () => {
      const day = '2026-03-07';
      const order = retried(day);
      const { pending, created, failed, completed } = order;
      const outcomes = await applyAll([pending, created, failed, completed], onePartition('r1'));
      expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);

      const all = await figures(day);
      expect(all).toMatchObject(expectedFinal(order));
      // created − final, not clamped: with both outcomes counted it would be 2 − 2 = 0.
      const { created: n, completed: c, rejected: r, cancelled: x, failed: f } = all.orders;
      expect(all.orders.inProgress).toBe(n - c - r - x - f);

      // The failure is taken back where it was counted: the 09:00 hour holds no outcome, 10:00 the completion.
      const hour = (h: string) => ({
        from: new Date(`${day}T${h}:00:00Z`),
        to: new Date(`${day}T${h}:59:59Z`),
      });
      expect((await store.summary(hour('09'))).orders).toEqual({
        created: 2,
        completed: 0,
        rejected: 0,
        cancelled: 0,
        failed: 0,
        inProgress: 2,
      });
      expect((await store.summary(hour('09'))).latencyMs.count).toBe(0);
      expect((await store.summary(hour('10'))).orders).toMatchObject({ completed: 1, failed: 0 });
      const minutes = {
        bucket: 'minute' as const,
        from: new Date(`${day}T09:58:00Z`),
        to: new Date(`${day}T10:02:00Z`),
      };
      const failures = await store.timeseries({ metric: 'failed', ...minutes });
      expect(failures.every((p) => p.value === 0 && Object.keys(p.byCurrency).length === 0)).toBe(true);
      const finals = await store.timeseries({ metric: 'orders', ...minutes });
      expect(finals.map((p) => p.value)).toEqual([0, 0, 0, 1]);

      const fact = (await store.fact(created.orderId))!;
      expect(fact).toMatchObject({
        processed: { status: 'completed', runId: 'run-2', reason: null },
        latencyMs: 180_000,
      });
      expect(fact.events.map((e) => [e.eventId, e.role, e.second])).toEqual([
        [created.eventId, null, false],
        [failed.eventId, 'first', true],
        [completed.eventId, 'supersedes', false],
      ]);
    });

    it('the same outcomes in the reverse order: identical figures and fact', async () => {
      const forward = retried('2026-03-08');
      const reverse = retried('2026-03-09');
      await applyAll(
        [forward.pending, forward.created, forward.failed, forward.completed],
        onePartition('r2a'),
      );
      const outcomes = await applyAll(
        [reverse.pending, reverse.created, reverse.completed, reverse.failed],
        onePartition('r2b'),
      );
      expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);

      expect(await figures('2026-03-09')).toEqual(await figures('2026-03-08'));
      expect(await finalOf(reverse.created.orderId)).toEqual(await finalOf(forward.created.orderId));
      const fact = (await store.fact(reverse.created.orderId))!;
      expect(fact.events.map((e) => [e.eventId, e.role])).toEqual([
        [reverse.created.eventId, null],
        [reverse.completed.eventId, 'first'],
        [reverse.failed.eventId, 'superseded'],
      ]);
    });

    it('each event redelivered at its position, or copied at a new one, changes nothing', async () => {
      const day = '2026-03-10';
      const order = retried(day);
      const list = [order.pending, order.created, order.failed, order.completed];
      const position = onePartition('r3');
      const positions = new Map<string, EventSource>();
      await applyAll(list, (e) => {
        const source = position(e);
        positions.set(e.eventId, source);
        return source;
      });
      const before = await figures(day);
      const fact = await store.fact(order.created.orderId);

      const again = await applyAll(list, (e) => positions.get(e.eventId)!);
      expect(again).toEqual(['already-applied', 'already-applied', 'already-applied', 'already-applied']);
      const copies = await applyAll(list, position);
      expect(copies).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
      // And the earlier outcome once more after the later one, at a new position of the same partition.
      expect(await store.apply(order.failed, position(order.failed))).toBe('duplicate');

      expect(await figures(day)).toEqual(before);
      expect(await store.fact(order.created.orderId)).toEqual(fact);
      expect(before).toMatchObject(expectedFinal(order));
    });

    it('a crash while counting the superseding outcome: its redelivery completes it exactly once', async () => {
      const day = '2026-03-11';
      const order = retried(day);
      const { rollups, facts } = analyticsModels(db);
      const position = onePartition('r4');
      await applyAll([order.pending, order.created, order.failed], position);
      const at = position(order.completed);

      // The first delivery records the fact, takes the failure back in the 09:00 hour and dies before 10:00.
      const recording = await recordEvent(facts, order.completed, at);
      expect(recording).toMatchObject({
        kind: 'recorded',
        role: 'supersedes',
        latencyMs: 180_000,
        replaced: { status: 'failed', runId: 'run-1', latencyMs: 90_000 },
      });
      if (recording.kind === 'duplicate') throw new Error('unexpected duplicate');
      const [firstHour] = [...rollupContribution(order.completed, recording)].sort(([a], [b]) =>
        a.localeCompare(b),
      );
      expect(firstHour![0]).toBe(`${day}T09:00:00.000Z`);
      expect(await applyContribution(rollups, at, new Map([firstHour!]))).toBe(true);
      expect((await store.summary(dayRange(day))).orders).toMatchObject({ completed: 0, failed: 0 });

      expect(await store.apply(order.completed, at)).toBe('applied');
      expect(await store.apply(order.completed, at)).toBe('already-applied');
      expect(await figures(day)).toMatchObject(expectedFinal(order));
    });

    it('the creation arriving after both outcomes: the same figures, latency counted once', async () => {
      const first = retried('2026-03-12');
      const late = retried('2026-03-13');
      await applyAll([first.pending, first.created, first.failed, first.completed], onePartition('r5a'));
      const outcomes = await applyAll(
        [late.pending, late.failed, late.completed, late.created],
        onePartition('r5b'),
      );
      expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);

      const figuresLate = await figures('2026-03-13');
      expect(figuresLate).toEqual(await figures('2026-03-12'));
      expect(figuresLate.latencyMs.count).toBe(1);
      expect(await finalOf(late.created.orderId)).toEqual(await finalOf(first.created.orderId));
      const fact = (await store.fact(late.created.orderId))!;
      expect(fact.events.filter((e) => e.second).map((e) => e.eventId)).toEqual([late.created.eventId]);
    });

    it('40 retried orders applied concurrently with their creations: exact totals', async () => {
      const day = '2026-03-14';
      // A retry usually completes; every fourth is rejected on its second run.
      const orders = ordersOn(day, 40).map(({ created }, i) => {
        const createdAt = Date.parse(created.occurredAt);
        const failed = processedEvent(created, {
          status: 'failed',
          reasonType: 'Gateway.Timeout',
          processedAt: new Date(createdAt + 1_000 + 7 * i).toISOString(),
        });
        const final = processedEvent(created, {
          runId: 'run-2',
          status: i % 4 === 3 ? 'rejected' : 'completed',
          reasonType: 'OutOfStock',
          processedAt: new Date(createdAt + 60_000 + 331 * i).toISOString(),
        });
        return { created, failed, final };
      });
      const pending = ordersOn(day, 45)
        .slice(40)
        .map((o) => ({ created: o.created }));

      const at = (event: AnyEvent, partition: number, offset: number): EventSource => ({
        stream: `r6/${event.type}`,
        topic: event.type,
        partition,
        offset: String(offset),
      });
      // Per order: its creation on a partition of its own, racing its two outcomes, which share a partition and
      // so are applied one after the other — in offset order, which is occurredAt order for half the orders only.
      const results = await Promise.all(
        orders.map(async ({ created, failed, final }, i) => {
          const [first, second] = i % 2 === 0 ? [failed, final] : [final, failed];
          const [c, outcomes] = await Promise.all([
            store.apply(created, at(created, i, 0)),
            (async () => [
              await store.apply(first, at(first, i, 0)),
              await store.apply(second, at(second, i, 1)),
            ])(),
          ]);
          return [c, ...outcomes];
        }),
      );
      expect(new Set(results.flat())).toEqual(new Set(['applied']));
      await applyAll(
        pending.map((o) => o.created),
        (e) =>
          at(
            e,
            100,
            pending.findIndex((o) => o.created === e),
          ),
      );

      const expected = expectedFigures([
        ...orders.map((o) => ({ created: o.created, processed: o.final })),
        ...pending,
      ]);
      expect(expected.orders).toMatchObject({
        created: 45,
        completed: 30,
        rejected: 10,
        failed: 0,
        inProgress: 5,
      });
      expect(await figures(day)).toEqual(expected);
      for (const { created, final } of orders) {
        const fact = (await store.fact(created.orderId))!;
        expect(fact.processed).toMatchObject({ status: final.status, runId: 'run-2' });
        expect(fact.latencyMs).toBe(Date.parse(final.occurredAt) - Date.parse(created.occurredAt));
      }
    });
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
