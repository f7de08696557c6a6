import type { RequestHandler } from 'express';
import { CATALOGUE } from '../../common/catalogue';
import type { OrderModel } from '../../common/order-model';
import { parseOrThrow } from '../../common/http/errors';
import { ProductsQuery, type Product } from '../schemas';

/** The part of a stock document (owned by the stock activities) that the catalogue shows. */
interface StockDoc {
  _id: string;
  available: number;
}

export function listProducts(orders: OrderModel): RequestHandler {
  return async (req, res) => {
    const { currency } = parseOrThrow(ProductsQuery, req.query);
    const stock = await orders.db
      .collection<StockDoc>('stock')
      .find({ _id: { $in: CATALOGUE.map((p) => p.sku) } }, { projection: { available: 1 } })
      .toArray();
    const available = new Map(stock.map((s) => [s._id, s.available]));
    const products: Product[] = CATALOGUE.map((p) => ({
      sku: p.sku,
      name: p.name,
      priceCents: p.prices[currency],
      currency,
      stockAvailable: available.get(p.sku) ?? null,
    }));
    res.json(products);
  };
}
