import type { AnyEvent } from '../../../../contracts/events';
import { rollupContribution } from '../../../../consumers/analytics/contribution';
import { recordEvents, type Consumed, type Recording } from '../../../../consumers/analytics/facts';
import { analyticsModels } from '../../../../consumers/analytics/models';
import { applyContributions } from '../../../../consumers/analytics/rollups';
import type { AnalyticsStore } from '../../../../consumers/analytics/store';
import type { Connection } from 'mongoose';
import { processedEvent } from '../../../support/order-events';
import {
  dayRange,
  expectedFigures,
  figuresOf,
  openAnalyticsStore,
  ordersOn,
} from '../../../support/analytics-store';

/** The events of one topic, all on one partition at consecutive offsets from `from`, as a consumer reads them. */
function onePartition(stream: string, list: AnyEvent[], from = 0): Consumed[] {
  return list.map((event, i) => ({
    event,
    source: { stream: `${stream}/${event.type}`, topic: event.type, partition: 0, offset: String(from + i) },
  }));
}

/** Applied a batch at a time: one write per collection for several messages, with the guarantees of one by one. */
describe('analytics store, batches of a partition (real Mongo-wire server)', () => {
  let db: Connection;
  let store: AnalyticsStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, store, close } = await openAnalyticsStore());
  });

  afterAll(async () => {
    await close();
  });

  async function applyInBatches(items: Consumed[], size: number) {
    const outcomes: string[] = [];
    for (let i = 0; i < items.length; i += size)
      outcomes.push(...(await store.applyBatch(items.slice(i, i + size))));
    return outcomes;
  }

  it('a day of orders applied in batches: exact figures; again, in other batches, changes nothing', async () => {
    const day = '2026-04-01';
    const orders = ordersOn(day, 30);
    const created = onePartition(
      'b1',
      orders.map((o) => o.created),
    );
    const processed = onePartition(
      'b1',
      orders.flatMap((o) => (o.processed ? [o.processed] : [])),
    );
    const outcomes = await Promise.all([applyInBatches(created, 7), applyInBatches(processed, 4)]);
    expect(new Set(outcomes.flat())).toEqual(new Set(['applied']));
    expect(await figuresOf(store, day)).toEqual(expectedFigures(orders));

    // Redelivered from the start of the partitions, cut into batches differently.
    const again = await Promise.all([applyInBatches(created, 11), applyInBatches(processed, 25)]);
    expect(new Set(again.flat())).toEqual(new Set(['already-applied']));
    expect(await figuresOf(store, day)).toEqual(expectedFigures(orders));
  });

  it("an order's outcomes and copies in one batch are decided in offset order", async () => {
    const day = '2026-04-02';
    const [order] = ordersOn(day, 1);
    const created = order!.created;
    const failed = processedEvent(created, { status: 'failed', reasonType: 'Gateway.Timeout' });
    const completed = processedEvent(created, {
      runId: 'run-2',
      processedAt: new Date(Date.parse(created.occurredAt) + 60_000).toISOString(),
    });
    await store.applyBatch(onePartition('b2', [created]));
    const outcomes = await store.applyBatch(onePartition('b2', [failed, completed, failed]));

    expect(outcomes).toEqual(['applied', 'applied', 'duplicate']);
    expect(await figuresOf(store, day)).toEqual(expectedFigures([{ created, processed: completed }]));
    const fact = (await store.fact(created.orderId))!;
    expect(fact.events.map((e) => e.role)).toEqual([null, 'first', 'supersedes']);
  });

  it('two writers of one partition at once (the owner after a rebalance, the former owner finishing): counted once', async () => {
    const day = '2026-04-03';
    const orders = ordersOn(day, 24);
    const { facts, rollups } = analyticsModels(db);
    const created = onePartition(
      'b3',
      orders.map((o) => o.created),
    );
    const recordings = await recordEvents(facts, created);
    const contributions = created.map(({ event }, i) => ({
      offset: i,
      contribution: rollupContribution(event, recordings[i] as Exclude<Recording, { kind: 'duplicate' }>),
    }));
    // On each of four partitions, both read the rollups before either writes: the former owner's batch ends at
    // offset 9, the new owner's at 23; whichever write lands last.
    const at = (partition: number) => ({ stream: 'b3/order-created', topic: 'order-created', partition });
    for (const partition of [0, 1, 2, 3]) {
      const [former, owner] = [contributions.slice(0, 10), contributions];
      const writers = partition % 2 === 0 ? [former, owner] : [owner, former];
      await Promise.all(writers.map((messages) => applyContributions(rollups, at(partition), messages)));
    }
    // And the former owner's write landing once more, after everything.
    expect(await applyContributions(rollups, at(0), contributions.slice(0, 10))).toEqual(new Set());

    expect((await store.summary(dayRange(day))).orders).toMatchObject({ created: 4 * 24 });
    const docs = await rollups.find({ stream: 'b3/order-created' }).lean();
    expect(new Set(docs.map((d) => d.lastOffset))).toEqual(new Set([23]));
  });

  it('the same two writers through the whole store, facts included: counted once', async () => {
    const day = '2026-04-04';
    const orders = ordersOn(day, 24);
    const created = onePartition(
      'b4',
      orders.map((o) => o.created),
    );
    const [former, owner] = await Promise.all([
      store.applyBatch(created.slice(0, 10)),
      store.applyBatch(created),
    ]);
    expect([...former, ...owner].every((o) => o === 'applied' || o === 'already-applied')).toBe(true);
    await store.applyBatch(created.slice(0, 10));
    expect((await store.summary(dayRange(day))).orders).toMatchObject({ created: 24, inProgress: 24 });
  });
});
