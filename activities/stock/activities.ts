import { ApplicationFailure } from '@temporalio/common';
import type { Connection } from 'mongoose';
import { stockCollections } from '../../domain/stock/stock-model';

export interface StockRequest {
  orderId: string;
  items: { sku: string; quantity: number }[];
}

export const OUT_OF_STOCK = 'OutOfStock';

const holdPath = (orderId: string) => `holds.${orderId}`;

/** Stock activities, idempotent by orderId: a retry or a second call changes nothing. */
export function createStockActivities({ connection }: { connection: Connection }) {
  const { stock, reservations } = stockCollections(connection);

  async function releaseHolds(orderId: string, items: StockRequest['items']): Promise<void> {
    for (const { sku, quantity } of items) {
      // Matches only while this order's hold is there, so the quantity is given back exactly once.
      await stock.updateOne(
        { _id: sku, [holdPath(orderId)]: quantity },
        { $inc: { available: quantity }, $unset: { [holdPath(orderId)]: '' } },
      );
    }
  }

  return {
    async reserveStock({ orderId, items }: StockRequest): Promise<{ alreadyReserved: boolean }> {
      const existing = await reservations.findOne({ _id: orderId });
      if (existing?.state === 'reserved' || existing?.state === 'committed') return { alreadyReserved: true };

      for (const [index, { sku, quantity }] of items.entries()) {
        const r = await stock.updateOne(
          { _id: sku, available: { $gte: quantity }, [holdPath(orderId)]: { $exists: false } },
          { $inc: { available: -quantity }, $set: { [holdPath(orderId)]: quantity } },
        );
        if (r.modifiedCount === 1) continue;
        const doc = await stock.findOne({ _id: sku });
        if (doc?.holds?.[orderId] !== undefined) continue; // held by an earlier attempt of this activity
        await releaseHolds(orderId, items.slice(0, index));
        throw ApplicationFailure.create({
          type: OUT_OF_STOCK,
          nonRetryable: true,
          message: `${sku}: ${quantity} requested, ${doc?.available ?? 0} available`,
          details: [{ sku, requested: quantity, available: doc?.available ?? 0 }],
        });
      }
      await reservations.updateOne(
        { _id: orderId },
        { $set: { items, state: 'reserved', updatedAt: new Date() } },
        { upsert: true },
      );
      return { alreadyReserved: false };
    },

    /** Compensation: gives the held quantities back, once. */
    async releaseStock({ orderId, items }: StockRequest): Promise<void> {
      await releaseHolds(orderId, items);
      await reservations.updateOne(
        { _id: orderId },
        { $set: { items, state: 'released', updatedAt: new Date() } },
        { upsert: true },
      );
    },

    /** The order completed: its holds become sales (dropped without restoring stock). */
    async commitStock({ orderId, items }: StockRequest): Promise<void> {
      for (const { sku } of items) {
        await stock.updateOne(
          { _id: sku, [holdPath(orderId)]: { $exists: true } },
          { $unset: { [holdPath(orderId)]: '' } },
        );
      }
      await reservations.updateOne({ _id: orderId }, { $set: { state: 'committed', updatedAt: new Date() } });
    },
  };
}

export type StockActivities = ReturnType<typeof createStockActivities>;
