import type { Connection } from 'mongoose';
import { stockCollections } from './stock-model';

/** What an order takes from stock: units per SKU. */
export type StockLines = { sku: string; quantity: number }[];

export type ReserveOutcome =
  | { outcome: 'reserved' }
  /** An earlier call for this order reserved (or completed) it already: nothing changed. */
  | { outcome: 'already-reserved' }
  /** One line could not be had; the lines before it were given back, so the order holds nothing. */
  | { outcome: 'out-of-stock'; sku: string; requested: number; available: number };

const holdPath = (orderId: string) => `holds.${orderId}`;

/**
 * Stock's rules, idempotent by orderId: a retry or a second call changes nothing. A reservation holds units on each
 * SKU's document (see stock-model.ts); the order's reservation record says what became of them: reserved, then
 * committed when the order completes, or released when it is compensated.
 */
export function stockStore(connection: Connection) {
  const { stock, reservations } = stockCollections(connection);

  async function releaseHolds(orderId: string, items: StockLines): Promise<void> {
    for (const { sku, quantity } of items) {
      // Matches only while this order's hold is there, so the quantity is given back exactly once.
      await stock.updateOne(
        { _id: sku, [holdPath(orderId)]: quantity },
        { $inc: { available: quantity }, $unset: { [holdPath(orderId)]: '' } },
      );
    }
  }

  return {
    /** Holds every line's units for the order, or none of them. */
    async reserve(orderId: string, items: StockLines): Promise<ReserveOutcome> {
      const existing = await reservations.findOne({ _id: orderId });
      if (existing?.state === 'reserved' || existing?.state === 'committed')
        return { outcome: 'already-reserved' };

      for (const [index, { sku, quantity }] of items.entries()) {
        const r = await stock.updateOne(
          { _id: sku, available: { $gte: quantity }, [holdPath(orderId)]: { $exists: false } },
          { $inc: { available: -quantity }, $set: { [holdPath(orderId)]: quantity } },
        );
        if (r.modifiedCount === 1) continue;
        const doc = await stock.findOne({ _id: sku });
        if (doc?.holds?.[orderId] !== undefined) continue; // held by an earlier attempt for this order
        await releaseHolds(orderId, items.slice(0, index));
        return { outcome: 'out-of-stock', sku, requested: quantity, available: doc?.available ?? 0 };
      }
      await reservations.updateOne(
        { _id: orderId },
        { $set: { items, state: 'reserved', updatedAt: new Date() } },
        { upsert: true },
      );
      return { outcome: 'reserved' };
    },

    /** Compensation: gives the held units back, once. */
    async release(orderId: string, items: StockLines): Promise<void> {
      await releaseHolds(orderId, items);
      await reservations.updateOne(
        { _id: orderId },
        { $set: { items, state: 'released', updatedAt: new Date() } },
        { upsert: true },
      );
    },

    /** The order completed: its holds become sales (dropped without restoring stock). */
    async commit(orderId: string, items: StockLines): Promise<void> {
      for (const { sku } of items) {
        await stock.updateOne(
          { _id: sku, [holdPath(orderId)]: { $exists: true } },
          { $unset: { [holdPath(orderId)]: '' } },
        );
      }
      await reservations.updateOne({ _id: orderId }, { $set: { state: 'committed', updatedAt: new Date() } });
    },

    /** Units available per SKU, for the catalogue: SKUs whose stock was never seeded are absent. */
    async available(skus: readonly string[]): Promise<Map<string, number>> {
      const docs = await stock.find({ _id: { $in: [...skus] } }, { projection: { available: 1 } }).toArray();
      return new Map(docs.map((s) => [s._id, s.available]));
    },
  };
}

export type StockStore = ReturnType<typeof stockStore>;
