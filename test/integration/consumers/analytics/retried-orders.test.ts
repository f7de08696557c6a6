import type { Connection } from 'mongoose';
import type { AnyEvent } from '../../../../contracts/events';
import { rollupContribution } from '../../../../consumers/analytics/contribution';
import { recordEvent } from '../../../../consumers/analytics/facts';
import { analyticsModels } from '../../../../consumers/analytics/models';
import { applyContributions } from '../../../../consumers/analytics/rollups';
import type { EventSource } from '../../../../consumers/analytics/source';
import type { AnalyticsStore } from '../../../../consumers/analytics/store';
import { createdEvent, lines, processedEvent } from '../../../support/order-events';
import {
  applyEach,
  cluster,
  dayRange,
  expectedFigures,
  figuresOf,
  openAnalyticsStore,
  ordersOn,
} from '../../../support/analytics-store';

/** A retried order: its final outcome replaces the earlier one in every figure, whatever the order of arrival. */
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
      const offset = Number(at.offset);
      expect(
        await applyContributions(rollups, at, [{ offset, contribution: new Map([firstHour!]) }]),
      ).toEqual(new Set([offset]));
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
});
