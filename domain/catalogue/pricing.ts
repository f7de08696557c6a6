import { findProduct } from './catalogue';
import type { Currency, OrderLine } from '../../contracts/events';

export interface RequestedItem {
  sku: string;
  quantity: number;
}

export type PricingResult =
  { ok: true; lines: OrderLine[]; totalCents: number } | { ok: false; unknownSkus: string[] };

/**
 * Prices an order from the catalogue (a client never sets its own price). Lines of the same SKU are merged,
 * keeping the order in which SKUs first appear. All arithmetic is on integer cents.
 */
export function priceOrder(currency: Currency, items: readonly RequestedItem[]): PricingResult {
  const quantities = new Map<string, number>();
  for (const item of items) quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);

  const unknownSkus = [...quantities.keys()].filter((sku) => !findProduct(sku));
  if (unknownSkus.length > 0) return { ok: false, unknownSkus };

  const lines = [...quantities].map(([sku, quantity]): OrderLine => {
    const product = findProduct(sku)!;
    const unitPriceCents = product.prices[currency];
    return { sku, name: product.name, quantity, unitPriceCents, lineTotalCents: unitPriceCents * quantity };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  if (!Number.isSafeInteger(totalCents)) throw new RangeError('order total exceeds the safe integer range');
  return { ok: true, lines, totalCents };
}
