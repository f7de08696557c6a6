import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Connection } from 'mongoose';
import { createStockActivities } from '../../../activities/stock/activities';
import { seedStock, stockCollections } from '../../../domain/stock/stock-model';
import { LEGACY_RESERVATIONS, type LegacyReservationDoc } from '../../../domain/stock/legacy-reservations';
import { CATALOGUE } from '../../../domain/catalogue/catalogue';
import { loadConfig } from '../../../core/config';
import { connectMongo } from '../../../core/mongo/connection';

describe('stock activities (real Mongo-wire server)', () => {
  let root: Connection;
  let db: Connection;
  let activities: ReturnType<typeof createStockActivities>;
  let stock: ReturnType<typeof stockCollections>['stock'];

  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_stock_${randomUUID().slice(0, 8)}`, { useCache: false });
    activities = createStockActivities({ connection: db });
    stock = stockCollections(db).stock;
    await stock.insertMany([
      { _id: 'A', available: 10, holds: {} },
      { _id: 'B', available: 3, holds: {} },
    ]);
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  const available = async (sku: string) => (await stock.findOne({ _id: sku }))!.available;

  it('seeds the catalogue once and leaves existing levels alone', async () => {
    expect(await seedStock(db)).toBe(CATALOGUE.length);
    await stock.updateOne({ _id: CATALOGUE[0]!.sku }, { $set: { available: 7 } });
    expect(await seedStock(db)).toBe(0);
    expect(await available(CATALOGUE[0]!.sku)).toBe(7);
  });

  it('reserves atomically and idempotently, and releases exactly once', async () => {
    const orderId = randomUUID();
    const request = {
      orderId,
      items: [
        { sku: 'A', quantity: 4 },
        { sku: 'B', quantity: 1 },
      ],
    };
    expect(await activities.reserveStock(request)).toEqual({ alreadyReserved: false });
    expect(await activities.reserveStock(request)).toEqual({ alreadyReserved: true });
    expect([await available('A'), await available('B')]).toEqual([6, 2]);

    await activities.releaseStock(request);
    await activities.releaseStock(request);
    expect([await available('A'), await available('B')]).toEqual([10, 3]);
  });

  it('out of stock: a non-retryable OutOfStock naming the SKU, and earlier lines given back', async () => {
    const request = {
      orderId: randomUUID(),
      items: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 5 },
      ],
    };
    const failure = await activities.reserveStock(request).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'OutOfStock',
      nonRetryable: true,
      message: 'B: 5 requested, 3 available',
    });
    expect([await available('A'), await available('B')]).toEqual([10, 3]);
  });

  /** A reserve that held the first line, then died (a crash, a timeout) before the others. */
  async function heldPartly(orderId: string, sku: string, quantity: number): Promise<void> {
    await stock.updateOne(
      { _id: sku },
      { $inc: { available: -quantity }, $set: { [`holds.${orderId}`]: quantity } },
    );
  }

  it('a reserve retried after an interrupted attempt keeps the lines held and takes the rest, once', async () => {
    const orderId = randomUUID();
    const request = {
      orderId,
      items: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    };
    await heldPartly(orderId, 'A', 2);
    expect(await activities.reserveStock(request)).toEqual({ alreadyReserved: false });
    expect([await available('A'), await available('B')]).toEqual([8, 2]);
    // The activity's answer lost on its way back: retried again, nothing changes.
    expect(await activities.reserveStock(request)).toEqual({ alreadyReserved: true });
    expect([await available('A'), await available('B')]).toEqual([8, 2]);
    await activities.releaseStock(request);
    expect([await available('A'), await available('B')]).toEqual([10, 3]);
  });

  it('a retried reserve that runs out of stock gives back what an earlier attempt held too', async () => {
    const orderId = randomUUID();
    await heldPartly(orderId, 'A', 2);
    const request = {
      orderId,
      items: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 9 },
      ],
    };
    await expect(activities.reserveStock(request)).rejects.toMatchObject({ type: 'OutOfStock' });
    expect([await available('A'), await available('B')]).toEqual([10, 3]);
    expect((await stock.findOne({ _id: 'A' }))!.holds).toEqual({});
  });

  it('release after a partial reserve gives back exactly the lines held; commit twice sells once', async () => {
    const partial = {
      orderId: randomUUID(),
      items: [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 1 },
      ],
    };
    await heldPartly(partial.orderId, 'A', 3);
    await activities.releaseStock(partial);
    await activities.releaseStock(partial);
    expect([await available('A'), await available('B')]).toEqual([10, 3]);

    const sold = { orderId: randomUUID(), items: [{ sku: 'A', quantity: 1 }] };
    await activities.reserveStock(sold);
    await activities.commitStock(sold);
    await activities.commitStock(sold);
    expect(await available('A')).toBe(9);
    expect((await stock.findOne({ _id: 'A' }))!.holds).toEqual({});
    await stock.updateOne({ _id: 'A' }, { $inc: { available: 1 } });
  });

  it('an operator retry of a failed order, its stock released, reserves again', async () => {
    const request = { orderId: randomUUID(), items: [{ sku: 'A', quantity: 4 }] };
    await activities.reserveStock(request);
    await activities.releaseStock(request); // the failed run's saga
    expect(await activities.reserveStock(request)).toEqual({ alreadyReserved: false });
    expect(await available('A')).toBe(6);
    await activities.releaseStock(request);
    expect(await available('A')).toBe(10);
  });

  it('keeps no record besides the holds, and reads the records kept before for orders in flight across the change', async () => {
    const records = db.collection<LegacyReservationDoc>(LEGACY_RESERVATIONS);
    expect(await records.countDocuments()).toBe(0);
    // Reserved, committed and released before the change: the old records say so.
    const committed = { orderId: randomUUID(), items: [{ sku: 'A', quantity: 2 }] };
    const released = { orderId: randomUUID(), items: [{ sku: 'A', quantity: 1 }] };
    const reservedThenReleased = { orderId: randomUUID(), items: [{ sku: 'A', quantity: 3 }] };
    const record = (r: typeof committed, state: LegacyReservationDoc['state']): LegacyReservationDoc => ({
      _id: r.orderId,
      items: r.items,
      state,
      updatedAt: new Date(),
    });
    await records.insertMany([
      record(committed, 'committed'),
      record(released, 'released'),
      // Reserved before the change, released since by a worker that no longer writes the record.
      record(reservedThenReleased, 'reserved'),
    ]);
    const states = async () =>
      Object.fromEntries((await records.find().toArray()).map((r) => [r._id, r.state] as const));
    const recorded = await states();
    // A worker started after the change (the store looks at the old collection as it starts using it).
    const upgraded = createStockActivities({ connection: db });
    // Sold already: a reserve takes nothing again (the holds alone could not tell).
    expect(await upgraded.reserveStock(committed)).toEqual({ alreadyReserved: true });
    expect(await available('A')).toBe(10);
    // Released (before the change, or since, which no longer writes the record): reserved anew.
    expect(await upgraded.reserveStock(released)).toEqual({ alreadyReserved: false });
    expect(await upgraded.reserveStock(reservedThenReleased)).toEqual({ alreadyReserved: false });
    expect(await available('A')).toBe(6);
    await upgraded.releaseStock(released);
    await upgraded.commitStock(reservedThenReleased);
    expect(await available('A')).toBe(7);
    // Nothing was written to the old records.
    expect(await states()).toEqual(recorded);
    await stock.updateOne({ _id: 'A' }, { $inc: { available: 3 } });
    await records.drop();
  });

  it('never oversells under 40 concurrent reservations of the last 3 units', async () => {
    const orders = Array.from({ length: 40 }, () => ({
      orderId: randomUUID(),
      items: [{ sku: 'B', quantity: 1 }],
    }));
    const outcomes = await Promise.allSettled(orders.map((o) => activities.reserveStock(o)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(await available('B')).toBe(0);
    // Completing the winners drops their holds without giving stock back.
    for (const [i, o] of orders.entries())
      if (outcomes[i]!.status === 'fulfilled') await activities.commitStock(o);
    const doc = await stock.findOne({ _id: 'B' });
    expect(doc).toMatchObject({ available: 0, holds: {} });
  });
});
