import type { Connection } from 'mongoose';
import { legacyReservations } from './legacy-reservations';
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
 * SKU's document (see stock-model.ts), and those holds are its only record: reserve takes a line only if the order
 * holds none of it, release gives back only what the order still holds, commit drops what it still holds. So each
 * write is one conditional single-document update, and every retry or crash point leaves stock right:
 *
 * - a reserve interrupted part way (a crash, a timeout, an activity retry): the lines held already are found held
 *   and kept, the others taken; a line out of stock gives back every line held before it, by this attempt or an
 *   earlier one;
 * - release after a partial reserve gives back exactly the lines held, once; release again, nothing;
 * - commit, then commit again (a retry whose first answer was lost): the second finds nothing held;
 * - an operator's retry of a failed order, whose stock was released: reserves again, as a new reservation.
 *
 * Reserve after commit would reserve again: a workflow never asks for it (it commits only once its order is
 * recorded completed, and a completed order is never retried: workflows/process-order/versions.ts, FEWER_WRITES).
 * An order committed before the holds were the one record is recognised from its old record
 * (legacy-reservations.ts).
 */
export function stockStore(connection: Connection) {
  const { stock } = stockCollections(connection);
  const legacy = legacyReservations(connection);

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
      // Sold before the holds were the one record (an order in flight across that change): nothing to take again.
      if (await legacy.committed(orderId)) return { outcome: 'already-reserved' };

      let taken = 0;
      for (const [index, { sku, quantity }] of items.entries()) {
        const r = await stock.updateOne(
          { _id: sku, available: { $gte: quantity }, [holdPath(orderId)]: { $exists: false } },
          { $inc: { available: -quantity }, $set: { [holdPath(orderId)]: quantity } },
        );
        if (r.modifiedCount === 1) {
          taken += 1;
          continue;
        }
        const doc = await stock.findOne({ _id: sku });
        if (doc?.holds?.[orderId] !== undefined) continue; // held by an earlier attempt for this order
        await releaseHolds(orderId, items.slice(0, index));
        return { outcome: 'out-of-stock', sku, requested: quantity, available: doc?.available ?? 0 };
      }
      // Every line held already: an earlier attempt reserved it all.
      return taken === 0 && items.length > 0 ? { outcome: 'already-reserved' } : { outcome: 'reserved' };
    },

    /** Compensation: gives the held units back, once. */
    async release(orderId: string, items: StockLines): Promise<void> {
      await releaseHolds(orderId, items);
    },

    /** The order completed: its holds become sales (dropped without restoring stock). */
    async commit(orderId: string, items: StockLines): Promise<void> {
      for (const { sku } of items) {
        await stock.updateOne(
          { _id: sku, [holdPath(orderId)]: { $exists: true } },
          { $unset: { [holdPath(orderId)]: '' } },
        );
      }
    },

    /** Units available per SKU, for the catalogue: SKUs whose stock was never seeded are absent. */
    async available(skus: readonly string[]): Promise<Map<string, number>> {
      const docs = await stock.find({ _id: { $in: [...skus] } }, { projection: { available: 1 } }).toArray();
      return new Map(docs.map((s) => [s._id, s.available]));
    },
  };
}

export type StockStore = ReturnType<typeof stockStore>;
