import { randomUUID } from 'node:crypto';
import { CURRENCIES, type AnyEvent, type FinalStatus } from '../../contracts/events';
import { loadConfig } from '../../core/config';
import { connectMongo } from '../../core/mongo/connection';
import { latencyBucket, percentile } from '../../consumers/analytics/histogram';
import type { EventSource } from '../../consumers/analytics/source';
import { createAnalyticsStore, type AnalyticsStore } from '../../consumers/analytics/store';
import { createdEvent, lines, processedEvent } from './order-events';

/** Orders with mixed outcomes, where they sit in Kafka, and the figures the analytics store must report for them. */

export type Order = {
  created: ReturnType<typeof createdEvent>;
  processed?: ReturnType<typeof processedEvent>;
};

const SKUS = ['KB-01', 'MS.02', '$PAD', 'CAM-04'];
const OUTCOMES: (FinalStatus | null)[] = ['completed', 'completed', 'rejected', 'failed', 'cancelled', null];
const REASONS: Partial<Record<FinalStatus, string>> = {
  rejected: 'OutOfStock',
  failed: 'Gateway.Timeout',
  cancelled: 'Cancelled',
};

/** n orders on one day from 10:00, 2.5 minutes apart (so they span two hours), with mixed outcomes. */
export function ordersOn(day: string, n: number): Order[] {
  return Array.from({ length: n }, (_, i) => {
    const createdAt = new Date(Date.parse(`${day}T10:00:00Z`) + i * 150_000);
    const created = createdEvent({
      currency: CURRENCIES[i % CURRENCIES.length],
      createdAt: createdAt.toISOString(),
      items: lines([SKUS[i % 4]!, 1 + (i % 3), 1000 + 100 * (i % 4)], [SKUS[(i + 1) % 4]!, 1, 500]),
    });
    const status = OUTCOMES[i % OUTCOMES.length]!;
    if (!status) return { created };
    const latencyMs = i === 7 ? 700_000 : 200 + i * 331;
    const processed = processedEvent(created, {
      status,
      reasonType: REASONS[status] ?? null,
      processedAt: new Date(createdAt.getTime() + latencyMs).toISOString(),
    });
    return { created, processed };
  });
}

export const events = (orders: Order[]): AnyEvent[] => [
  ...orders.map((o) => o.created),
  ...orders.flatMap((o) => (o.processed ? [o.processed] : [])),
];

/** Kafka positions for a fresh cluster: offsets counted per (topic, partition) as a broker would. */
export function cluster(id: string, partitions = 3) {
  const next = new Map<string, number>();
  return (event: AnyEvent, partition = parseInt(event.orderId.slice(0, 4), 16) % partitions): EventSource => {
    const topic = event.type;
    const stream = `${id}/${topic}`;
    const offset = next.get(`${stream}|${partition}`) ?? 0;
    next.set(`${stream}|${partition}`, offset + 1);
    return { stream, topic, partition, offset: String(offset) };
  };
}

/** What the figures must be, computed straight from the orders. */
export function expectedFigures(orders: Order[]) {
  const processed = orders.flatMap((o) => (o.processed ? [o.processed] : []));
  const count = (status: FinalStatus) => processed.filter((p) => p.status === status).length;
  const completed = processed.filter((p) => p.status === 'completed');
  const revenueCents: Record<string, number> = {};
  const skus = new Map<
    string,
    { sku: string; quantity: number; revenueCents: Record<string, number>; orders: number }
  >();
  for (const p of completed) {
    revenueCents[p.currency] = (revenueCents[p.currency] ?? 0) + p.totalCents;
    for (const line of p.items) {
      const row = skus.get(line.sku) ?? { sku: line.sku, quantity: 0, revenueCents: {}, orders: 0 };
      row.quantity += line.quantity;
      row.revenueCents[p.currency] = (row.revenueCents[p.currency] ?? 0) + line.lineTotalCents;
      row.orders += 1;
      skus.set(line.sku, row);
    }
  }
  const latencies = orders.flatMap((o) =>
    o.processed ? [Date.parse(o.processed.occurredAt) - Date.parse(o.created.occurredAt)] : [],
  );
  const buckets: Record<number, number> = {};
  for (const ms of latencies) buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + 1;
  const reasons = new Map<string, number>();
  for (const p of processed)
    if (p.reason)
      reasons.set(`${p.status}/${p.reason.type}`, (reasons.get(`${p.status}/${p.reason.type}`) ?? 0) + 1);
  const final = processed.length;
  return {
    orders: {
      created: orders.length,
      completed: completed.length,
      rejected: count('rejected'),
      cancelled: count('cancelled'),
      failed: count('failed'),
      inProgress: orders.length - final,
    },
    revenueCents,
    successRate: completed.length / final,
    latencyMs: {
      count: latencies.length,
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      p50: percentile(buckets, 0.5),
      p95: percentile(buckets, 0.95),
      p99: percentile(buckets, 0.99),
    },
    reasons: Object.fromEntries(reasons),
    topSkus: [...skus.values()].sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku)),
  };
}

/** The analytics store on a database of its own (dropped by close), so runs never see each other's figures. */
export async function openAnalyticsStore() {
  const root = await connectMongo(loadConfig().mongo);
  const db = root.useDb(`it_analytics_${randomUUID().slice(0, 8)}`, { useCache: false });
  const store = createAnalyticsStore(db);
  await store.createIndexes();
  const close = async () => {
    await db.dropDatabase();
    await root.close();
  };
  return { db, store, close };
}

export const dayRange = (day: string) => ({
  from: new Date(`${day}T00:00:00Z`),
  to: new Date(`${day}T23:59:59Z`),
});

/** The figures of one day, as comparable across days. */
export async function figuresOf(store: AnalyticsStore, day: string) {
  const { range: _range, reasons, ...summary } = await store.summary(dayRange(day));
  return {
    ...summary,
    reasons: Object.fromEntries(reasons.map((r) => [`${r.status}/${r.type}`, r.count])),
    topSkus: await store.topSkus({ limit: 100, ...dayRange(day) }),
  };
}

/** Applies the events one after the other, each at the position given, and answers each one's outcome. */
export async function applyEach(
  store: AnalyticsStore,
  list: AnyEvent[],
  position: (e: AnyEvent) => EventSource,
) {
  const outcomes: string[] = [];
  for (const event of list) outcomes.push(await store.apply(event, position(event)));
  return outcomes;
}
