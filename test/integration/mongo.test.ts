import { randomUUID } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { loadConfig } from '../../core/config';
import { connectMongo } from '../../core/mongo/connection';

const config = loadConfig();

describe('MongoDB wire protocol (real server)', () => {
  let root: Connection;
  let db: Connection;

  beforeAll(async () => {
    root = await connectMongo(config.mongo);
    // A database of its own, so runs never see each other's documents.
    db = root.useDb(`it_${randomUUID().replace(/-/g, '').slice(0, 16)}`, { useCache: false });
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  it('enforces a unique index: a duplicate is rejected with E11000 and the first document is kept', async () => {
    const Customer = db.model(
      'Customer',
      new Schema({ email: { type: String, required: true }, name: String }).index(
        { email: 1 },
        { unique: true },
      ),
    );
    await Customer.init();
    await Customer.create({ email: 'ada@example.com', name: 'Ada' });

    const duplicate = Customer.create({ email: 'ada@example.com', name: 'Impostor' });
    await expect(duplicate).rejects.toMatchObject({ code: 11000 });
    await expect(duplicate).rejects.toThrow(/E11000/);

    const stored = await Customer.find({ email: 'ada@example.com' }).lean();
    expect(stored.map((c) => c.name)).toEqual(['Ada']);
  });

  it('applies 50 concurrent $inc upserts atomically', async () => {
    const Counter = db.model('Counter', new Schema({ _id: String, n: Number }));
    const key = `counter-${randomUUID()}`;
    await Counter.create({ _id: key, n: 0 });
    const other = `counter-${randomUUID()}`;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        Counter.updateOne({ _id: i % 2 ? key : other }, { $inc: { n: i % 2 ? 2 : 1 } }, { upsert: true }),
      ),
    );
    const counts = Object.fromEntries((await Counter.find().lean()).map((c) => [c._id, c.n]));
    // 25 odd i add 2 to the existing document; 25 even i upsert-then-increment the new one by 1.
    expect(counts).toEqual({ [key]: 50, [other]: 25 });
  });

  it('totals a $group/$sum aggregation exactly', async () => {
    const Sale = db.model('Sale', new Schema({ currency: String, totalCents: Number }));
    const sales = Array.from({ length: 120 }, (_, i) => ({
      currency: ['EUR', 'USD', 'GBP'][i % 3]!,
      totalCents: 1_000 + i * 37,
    }));
    await Sale.insertMany(sales);
    const expected = (currency: string) => sales.filter((s) => s.currency === currency);

    // One accumulator per $group: FerretDB 1.24 feeds only the first accumulator of a $group (docs/local-stack.md, "Mongo on FerretDB").
    const revenue = await Sale.aggregate<{ _id: string; revenue: number }>([
      { $group: { _id: '$currency', revenue: { $sum: '$totalCents' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(revenue).toEqual(
      ['EUR', 'GBP', 'USD'].map((c) => ({
        _id: c,
        revenue: expected(c).reduce((a, s) => a + s.totalCents, 0),
      })),
    );

    const counts = await Sale.aggregate<{ _id: string; orders: number }>([
      { $match: { totalCents: { $gte: 2_000 } } },
      { $group: { _id: '$currency', orders: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(counts).toEqual(
      ['EUR', 'GBP', 'USD'].map((c) => ({
        _id: c,
        orders: expected(c).filter((s) => s.totalCents >= 2_000).length,
      })),
    );
  });
});
