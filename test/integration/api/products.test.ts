import { ProductList } from '../../../contracts/http/orders/schemas';
import { CATALOGUE } from '../../../domain/catalogue/catalogue';
import { expectError, startApi, type ApiHarness } from './harness';

/** The catalogue as the API lists it, priced in the requested currency with the stock on hand. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe('GET /products', () => {
  it('lists the catalogue in the requested currency with the stock the stock activities keep', async () => {
    await api.db.collection('stock').insertOne({ _id: 'KB-001', available: 42 } as never);
    const res = await api.request().get('/products').query({ currency: 'GBP' });
    expect(res.status).toBe(200);
    const products = ProductList.parse(res.body);
    expect(products.map((p) => p.sku)).toEqual(CATALOGUE.map((p) => p.sku));
    expect(products.find((p) => p.sku === 'KB-001')).toEqual({
      sku: 'KB-001',
      name: 'Mechanical keyboard',
      priceCents: 7900,
      currency: 'GBP',
      stockAvailable: 42,
    });
    // No stock document yet: unknown, not zero.
    expect(products.find((p) => p.sku === 'MS-002')!.stockAvailable).toBeNull();
  });

  it('400s an invalid currency', async () => {
    const err = expectError(await api.request().get('/products?currency=JPY'), 400, 'validation_failed');
    expect(err.details).toEqual([
      { field: 'currency', problem: 'expected one of EUR, USD, GBP', received: 'JPY' },
    ]);
  });
});
