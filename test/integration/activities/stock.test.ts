import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Connection } from 'mongoose';
import { createStockActivities } from '../../../activities/stock/activities';
import { seedStock, stockCollections } from '../../../domain/stock/stock-model';
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
