import type { RequestHandler } from 'express';
import { CATALOGUE } from '../../domain/catalogue/catalogue';
import type { OrderModel } from '../../domain/orders/order-model';
import { parseOrThrow } from '../../core/http/errors';
import { ProductsQuery, type Product } from '../../contracts/http/orders/schemas';

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
