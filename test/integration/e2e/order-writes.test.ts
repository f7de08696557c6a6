/**
 * What an order's own path costs the database in writes: one-line orders placed through the API flow through the
 * relay, the bridge and the workflow, every process of the system running as its own process against the real
 * stack, and the writes they caused on the order's collections (orders, order_outbox, stock, stock_reservations) are
 * counted by the local FerretDB launcher's proxy (`/debug/commands`: every command it forwarded, by name and
 * collection). Writes are what the Mongo-wire server serialises, so they are held to a budget: at most 7 per order
 * (placing it: its outbox entry and the order; publishing: the entry; starting: the entry's delete; stock: one hold
 * and one commit per line; the outcome).
 */
import { connectMongo } from '../../../core/mongo/connection';
import { orderModel, type OrderDoc } from '../../../domain/orders/order-model';
import { outboxModel } from '../../../domain/orders/outbox';
import { stockCollections } from '../../../domain/stock/stock-model';
import { LEGACY_RESERVATIONS } from '../../../domain/stock/legacy-reservations';
import { app, config, finalStatus, post, RUN, runsOf, runThePipeline } from '../../support/pipeline';
import { until } from '../../support/until';

jest.setTimeout(600_000);

const ORDERS = 40;
const BURST = 10;
const COLLECTIONS = ['orders', 'order_outbox', 'stock', LEGACY_RESERVATIONS];
const WRITES = ['insert', 'update', 'delete', 'findandmodify'];
const BUDGET = 7;

type Counts = Record<string, number>;

async function commandCounts(): Promise<Counts> {
  const url = `http://127.0.0.1:${config.stack.ports.mongoDebug}/debug/commands`;
  const stats = (await (await fetch(url)).json()) as Record<string, { count: number }>;
  return Object.fromEntries(Object.entries(stats).map(([key, s]) => [key, s.count]));
}

/** Writes on the order's collections between two readings, by "command collection". */
function writesBetween(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const [key, count] of Object.entries(after)) {
    const [command = '', collection = ''] = key.split(' ');
    const n = count - (before[key] ?? 0);
    if (n > 0 && WRITES.includes(command) && COLLECTIONS.includes(collection)) out[key] = n;
  }
  return out;
}

const total = (counts: Counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

describe('database writes per order on its own path (API → relay → bridge → workflow)', () => {
  runThePipeline();

  it(`costs at most ${BUDGET} writes per one-line order, and leaves no duplicate or leftover record`, async () => {
    const customerId = `e2e-${RUN}-writes`;
    const before = await commandCounts();
    const ids: string[] = [];
    // As orders arrive: bursts, a moment apart, so the relay and the bridge batch as they would.
    for (let i = 0; i < ORDERS; i += BURST) {
      const responses = await Promise.all(
        Array.from({ length: BURST }, (_, j) =>
          post({
            customerId,
            email: 'ada@example.com',
            currency: 'EUR',
            items: [{ sku: (['KB-001', 'MS-002', 'CB-005'] as const)[(i + j) % 3], quantity: 1 }],
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
      ids.push(
        ...((await Promise.all(responses.map((r) => r.json()))) as { orderId: string }[]).map(
          (a) => a.orderId,
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    const outcomes = await Promise.all(ids.map((id) => finalStatus(id)));
    expect(outcomes.map((o) => o.status)).toEqual(ids.map(() => 'completed'));

    const db = await connectMongo({ ...config.mongo, url: app.mongoUrl });
    try {
      // The API may answer an outcome from the workflow a moment before the workflow has stored it.
      await until('every outcome stored', async () => {
        const stored = await orderModel(db)
          .find({ _id: { $in: ids } }, { status: 1 })
          .lean<Pick<OrderDoc, '_id' | 'status'>[]>();
        return stored.length === ORDERS && stored.every((o) => o.status === 'completed') ? true : undefined;
      });
      const busy = writesBetween(before, await commandCounts());
      const idleFrom = await commandCounts();
      await new Promise((r) => setTimeout(r, 2_000));
      const idle = writesBetween(idleFrom, await commandCounts());

      const perOrder = Object.fromEntries(
        Object.entries(busy)
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([key, n]) => [key, Math.round((100 * n) / ORDERS) / 100]),
      );
      const writesPerOrder = total(busy) / ORDERS;
      const report =
        `writes per one-line order: ${writesPerOrder.toFixed(2)} (${ORDERS} orders in bursts of ${BURST}), ` +
        `by command and collection: ${JSON.stringify(perOrder)}; idle, 2 s: ${JSON.stringify(idle)}`;
      console.log(report);

      // The figures in the failure itself, not only in the log.
      if (writesPerOrder > BUDGET)
        throw new Error(`over the budget of ${BUDGET} writes per order: ${report}`);
      expect(writesPerOrder).toBeLessThanOrEqual(BUDGET);
      // No order writes anything once it is final, and nothing scans or rewrites in the background.
      expect(idle).toEqual({});

      // Exactly one record of each kind: one order, one run, no outbox entry left, no reservation record, the
      // stock's holds for these orders gone (committed).
      expect(await orderModel(db).countDocuments({ customerId })).toBe(ORDERS);
      expect(await outboxModel(db).countDocuments({ _id: { $in: ids } })).toBe(0);
      expect(await db.collection(LEGACY_RESERVATIONS).countDocuments()).toBe(0);
      for (const doc of await stockCollections(db).stock.find().toArray()) {
        for (const id of ids) expect(doc.holds?.[id]).toBeUndefined();
      }
      expect(await Promise.all(ids.slice(0, 10).map(runsOf))).toEqual(ids.slice(0, 10).map(() => 1));
    } finally {
      await db.close();
    }
  });
});
