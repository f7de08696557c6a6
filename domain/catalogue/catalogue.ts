import type { Currency } from '../../contracts/events';

/** The demo catalogue: what the shop sells, its price in each currency, and the stock seeded on first start. */
export interface Product {
  sku: string;
  name: string;
  prices: Record<Currency, number>;
  initialStock: number;
}

export const CATALOGUE: readonly Product[] = [
  {
    sku: 'KB-001',
    name: 'Mechanical keyboard',
    prices: { EUR: 8900, USD: 9900, GBP: 7900 },
    initialStock: 1_000_000,
  },
  {
    sku: 'MS-002',
    name: 'Wireless mouse',
    prices: { EUR: 2900, USD: 3200, GBP: 2500 },
    initialStock: 1_000_000,
  },
  {
    sku: 'MN-003',
    name: '27" monitor',
    prices: { EUR: 32900, USD: 35900, GBP: 28900 },
    initialStock: 1_000_000,
  },
  {
    sku: 'HD-004',
    name: 'Noise-cancelling headphones',
    prices: { EUR: 19900, USD: 21900, GBP: 17900 },
    initialStock: 1_000_000,
  },
  { sku: 'CB-005', name: 'USB-C cable', prices: { EUR: 900, USD: 1000, GBP: 800 }, initialStock: 1_000_000 },
  {
    sku: 'DK-006',
    name: 'Docking station',
    prices: { EUR: 14900, USD: 16900, GBP: 12900 },
    initialStock: 1_000_000,
  },
  // Scarce on purpose: the demo's way to see an order rejected for stock.
  {
    sku: 'LT-007',
    name: 'Limited-edition desk lamp',
    prices: { EUR: 4900, USD: 5400, GBP: 4300 },
    initialStock: 5,
  },
];

const BY_SKU = new Map(CATALOGUE.map((p) => [p.sku, p]));

export function findProduct(sku: string): Product | undefined {
  return BY_SKU.get(sku);
}
