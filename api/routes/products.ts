import type { RequestHandler } from 'express';
import type { RegisterRoutes } from '../deps';
import { CATALOGUE } from '../../domain/catalogue/catalogue';
import type { StockStore } from '../../domain/stock/stock-store';
import { parseOrThrow } from '../../core/http/errors';
import { ProductsQuery, type Product } from '../../contracts/http/orders/schemas';

export function listProducts(stock: StockStore): RequestHandler {
  return async (req, res) => {
    const { currency } = parseOrThrow(ProductsQuery, req.query);
    const available = await stock.available(CATALOGUE.map((p) => p.sku));
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

export const productRoutes: RegisterRoutes = (router, { stock }) => {
  router.get('/products', listProducts(stock));
};
