import type { Connection } from 'mongoose';
import { CATALOGUE } from '../catalogue/catalogue';

/**
 * Stock per SKU: `{ _id: sku, available, holds: { <orderId>: quantity } }`. A reservation is ONE conditional
 * single-document update (decrement `available` only if enough is left and this order holds none yet, and record
 * the hold in the same write), so it is atomic and idempotent without transactions — which FerretDB lacks.
 * Holds are removed when the order completes (commit) or is compensated (release), so documents stay small. The
 * holds are the one record of what an order reserved: there is no reservation record besides them
 * (legacy-reservations.ts reads the one kept before).
 */
export interface StockDoc {
  _id: string;
  available: number;
  holds: Record<string, number>;
}

export function stockCollections(connection: Connection) {
  return { stock: connection.collection<StockDoc>('stock') };
}

/** Seeds the demo catalogue's stock once; existing levels are left as they are. */
export async function seedStock(connection: Connection): Promise<number> {
  const { stock } = stockCollections(connection);
  let seeded = 0;
  for (const product of CATALOGUE) {
    const r = await stock.updateOne(
      { _id: product.sku },
      { $setOnInsert: { available: product.initialStock, holds: {} } },
      { upsert: true },
    );
    seeded += r.upsertedCount;
  }
  return seeded;
}
