import { ApplicationFailure } from '@temporalio/common';
import type { Connection } from 'mongoose';
import { stockStore, type StockLines } from '../../domain/stock/stock-store';

export interface StockRequest {
  orderId: string;
  items: StockLines;
}

export const OUT_OF_STOCK = 'OutOfStock';

/** Stock activities, idempotent by orderId (domain/stock/stock-store.ts): a retry or a second call changes nothing. */
export function createStockActivities({ connection }: { connection: Connection }) {
  const stock = stockStore(connection);

  return {
    async reserveStock({ orderId, items }: StockRequest): Promise<{ alreadyReserved: boolean }> {
      const reserved = await stock.reserve(orderId, items);
      if (reserved.outcome === 'out-of-stock') {
        const { sku, requested, available } = reserved;
        throw ApplicationFailure.create({
          type: OUT_OF_STOCK,
          nonRetryable: true,
          message: `${sku}: ${requested} requested, ${available} available`,
          details: [{ sku, requested, available }],
        });
      }
      return { alreadyReserved: reserved.outcome === 'already-reserved' };
    },

    /** Compensation: gives the held quantities back, once. */
    async releaseStock({ orderId, items }: StockRequest): Promise<void> {
      await stock.release(orderId, items);
    },

    /** The order completed: its holds become sales (dropped without restoring stock). */
    async commitStock({ orderId, items }: StockRequest): Promise<void> {
      await stock.commit(orderId, items);
    },
  };
}

export type StockActivities = ReturnType<typeof createStockActivities>;
