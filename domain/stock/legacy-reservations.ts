import type { Connection } from 'mongoose';

/**
 * The reservation records stock kept per order before the holds on each SKU's document became the one record of a
 * reservation (`stock_reservations`: `{ _id: orderId, items, state: reserved | released | committed }`). Nothing
 * writes them any more. They are read while the collection holds any, so an order in flight across that change
 * keeps the answer it had: stock its record says is `committed` (sold, so no hold is left to tell) is never
 * reserved again. A `reserved` record says nothing the holds do not: they are there until released or committed,
 * and a release since the change (which no longer writes the record) must let an operator's retry reserve anew.
 *
 * When it can go: once no order placed before the change can still reserve (every such order final, and any
 * operator retry of a failed one done), `db.stock_reservations.drop()`. The store then finds the collection empty
 * (looked at again every RECHECK_MS) and stops reading it.
 */
export interface LegacyReservationDoc {
  _id: string; // orderId
  items: { sku: string; quantity: number }[];
  state: 'reserved' | 'released' | 'committed';
  updatedAt: Date;
}

export const LEGACY_RESERVATIONS = 'stock_reservations';

const RECHECK_MS = 10 * 60_000;

export function legacyReservations(connection: Connection, now: () => number = Date.now) {
  const records = connection.collection<LegacyReservationDoc>(LEGACY_RESERVATIONS);
  let emptySince: number | undefined;

  async function isEmpty(): Promise<boolean> {
    if (emptySince !== undefined && now() - emptySince < RECHECK_MS) return true;
    const any = await records.findOne({}, { projection: { _id: 1 } });
    emptySince = any ? undefined : now();
    return any === null;
  }

  return {
    /** Whether the order's old record says its stock was committed, i.e. sold (never so for a new order). */
    async committed(orderId: string): Promise<boolean> {
      if (await isEmpty()) return false;
      const record = await records.findOne({ _id: orderId }, { projection: { state: 1 } });
      return record?.state === 'committed';
    },
  };
}
