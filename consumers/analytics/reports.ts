import { FINAL_STATUSES, type Currency, type FinalStatus } from '../../contracts/events';
import { addBucketCounts, percentile } from './histogram';
import { decodeKey } from './keys';
import type { FactDoc, MinuteCounters, RollupDoc } from './models';
import {
  bucketStarts,
  MINUTE_MS,
  type BucketSize,
  type TimeseriesMetric,
} from '../../contracts/http/analytics/ranges';
import type {
  ByCurrency,
  FactView,
  OrderCounts,
  ReasonCount,
  Summary,
  Timeseries,
  TopSku,
} from '../../contracts/http/analytics/schemas';

/**
 * Reports are sums over rollup documents, done here in code: the documents of a range are few (streams ×
 * partitions × hours) and FerretDB could not do most of this arithmetic anyway. Pure, so unit-tested directly.
 */

type Tallies = (status: string, currency: string, tally: { n: number; cents: number }) => void;

/** A tally taken back to zero (its outcome was superseded) counts no order: it is skipped. */
function eachTally(counters: MinuteCounters | undefined, visit: Tallies): void {
  for (const [status, byCurrency] of Object.entries(counters ?? {}))
    for (const [currency, tally] of Object.entries(byCurrency ?? {}))
      if (tally?.n) visit(status, currency, { n: tally.n, cents: tally.cents ?? 0 });
}

function add(into: ByCurrency, currency: string, amount: number): void {
  const key = currency as Currency;
  into[key] = (into[key] ?? 0) + amount;
}

/** Amounts that cancelled out across documents (an outcome and its taking back) are absent, like any other zero. */
function nonZero(byCurrency: ByCurrency): ByCurrency {
  return Object.fromEntries(Object.entries(byCurrency).filter(([, amount]) => amount !== 0));
}

export function summarize(docs: readonly RollupDoc[], range: Summary['range']): Summary {
  const counts: Record<string, number> = {};
  const revenueCents: ByCurrency = {};
  const histogram: Record<string, number> = {};
  const reasons = new Map<string, ReasonCount>();
  let latencyCount = 0;
  let latencySumMs = 0;

  for (const doc of docs) {
    for (const counters of Object.values(doc.minutes ?? {}))
      eachTally(counters, (status, currency, { n, cents }) => {
        counts[status] = (counts[status] ?? 0) + n;
        if (status === 'completed') add(revenueCents, currency, cents);
      });
    for (const [status, byType] of Object.entries(doc.reasons ?? {}))
      for (const [key, n] of Object.entries(byType ?? {})) {
        const type = decodeKey(key);
        const id = `${status}\u0000${type}`;
        const row = reasons.get(id) ?? { status: status as ReasonCount['status'], type, count: 0 };
        row.count += n ?? 0;
        reasons.set(id, row);
      }
    addBucketCounts(histogram, doc.latency as Record<string, number> | undefined);
    latencyCount += doc.latencyCount ?? 0;
    latencySumMs += doc.latencySumMs ?? 0;
  }

  const count = (status: string) => counts[status] ?? 0;
  const final = FINAL_STATUSES.reduce((sum, status) => sum + count(status), 0);
  const orders: OrderCounts = {
    created: count('created'),
    completed: count('completed'),
    rejected: count('rejected'),
    cancelled: count('cancelled'),
    failed: count('failed'),
    // Exact over all time (a retried order counts only its final outcome). Within a range, an order created
    // before it and finished inside it counts as finished but not created, so the difference can dip below zero.
    inProgress: Math.max(0, count('created') - final),
  };
  return {
    range,
    orders,
    revenueCents: nonZero(revenueCents),
    successRate: final === 0 ? null : orders.completed / final,
    latencyMs: {
      count: latencyCount,
      mean: latencyCount === 0 ? null : latencySumMs / latencyCount,
      p50: percentile(histogram, 0.5),
      p95: percentile(histogram, 0.95),
      p99: percentile(histogram, 0.99),
    },
    reasons: [...reasons.values()]
      .filter((row) => row.count !== 0)
      .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status) || a.type.localeCompare(b.type)),
  };
}

const METRIC_STATUSES: Record<TimeseriesMetric, readonly string[]> = {
  orders: FINAL_STATUSES,
  created: ['created'],
  completed: ['completed'],
  rejected: ['rejected'],
  cancelled: ['cancelled'],
  failed: ['failed'],
  revenue: ['completed'] satisfies FinalStatus[],
};

export interface SeriesRequest {
  metric: TimeseriesMetric;
  bucket: BucketSize;
  from: Date;
  to: Date;
  currency?: Currency;
}

/** Every bucket of the range, in order; buckets without orders are zeros, so charts need no gap filling. */
export function timeseriesOf(docs: readonly RollupDoc[], request: SeriesRequest): Timeseries {
  const { metric, bucket, currency } = request;
  const statuses = METRIC_STATUSES[metric];
  const points = new Map(
    bucketStarts(bucket, request.from, request.to).map((start) => [
      start.getTime(),
      { start: start.toISOString(), total: 0, byCurrency: {} as ByCurrency },
    ]),
  );

  for (const doc of docs) {
    const hour = doc.hour.getTime();
    for (const [minute, counters] of Object.entries(doc.minutes ?? {})) {
      const start = bucket === 'hour' ? hour : hour + Number(minute) * MINUTE_MS;
      const point = points.get(start);
      if (!point) continue;
      eachTally(counters, (status, cur, { n, cents }) => {
        if (!statuses.includes(status) || (currency && cur !== currency)) return;
        const amount = metric === 'revenue' ? cents : n;
        point.total += amount;
        add(point.byCurrency, cur, amount);
      });
    }
  }

  // Amounts in different currencies do not add up: a revenue total exists only for one currency.
  const hasValue = metric !== 'revenue' || currency !== undefined;
  return [...points.values()].map(({ start, total, byCurrency }) => ({
    start,
    value: hasValue ? total : null,
    byCurrency: nonZero(byCurrency),
  }));
}

export function topSkusOf(docs: readonly RollupDoc[], limit: number): TopSku[] {
  const skus = new Map<string, TopSku>();
  for (const doc of docs)
    for (const [key, totals] of Object.entries(doc.skus ?? {})) {
      if (!totals) continue;
      const sku = decodeKey(key);
      const row = skus.get(sku) ?? { sku, quantity: 0, revenueCents: {}, orders: 0 };
      row.quantity += totals.qty ?? 0;
      row.orders += totals.orders ?? 0;
      for (const [currency, cents] of Object.entries(totals.cents ?? {}))
        add(row.revenueCents, currency, cents ?? 0);
      skus.set(sku, row);
    }
  return [...skus.values()]
    .filter((row) => row.orders !== 0)
    .map((row) => ({ ...row, revenueCents: nonZero(row.revenueCents) }))
    .sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku))
    .slice(0, limit);
}

export function factView(fact: FactDoc): FactView {
  const { created, processed } = fact;
  return {
    orderId: fact.orderId ?? fact._id,
    created: created
      ? {
          at: created.at.toISOString(),
          customerId: created.customerId,
          currency: created.currency as Currency,
          totalCents: created.totalCents,
          items: created.items,
        }
      : null,
    processed: processed
      ? {
          at: processed.at.toISOString(),
          status: processed.status,
          reason: processed.reason,
          currency: processed.currency as Currency,
          totalCents: processed.totalCents,
          items: processed.items,
          runId: processed.runId,
          processingMs: processed.processingMs,
        }
      : null,
    latencyMs: fact.latencyMs ?? null,
    events: fact.events.map(({ eventId, stream, topic, partition, offset, second, role }) => ({
      eventId,
      stream,
      topic,
      partition,
      offset,
      second,
      role: role ?? null,
    })),
  };
}
