/**
 * The history a long-running system has behind it, as the order store keeps it: orders placed over the last weeks,
 * each come to its final status in a realistic mix, its order-created published (so off the outbox list, which
 * holds only what is in flight), and the two events every such order produced, with where they sat in Kafka. Pure
 * and deterministic for a given tag: the documents of the other stores are built from these (seed-consumers.ts).
 */
import { createHash } from 'node:crypto';
import {
  eventIdFor,
  OrderProcessedV1,
  type Currency,
  type FailureReason,
  type FinalStatus,
  type OrderCreatedV1,
} from '../../contracts/events';
import { uuidFromHash } from '../../contracts/ids';
import { orderWorkflowId, type OrderStep } from '../../contracts/order-workflow';
import { CATALOGUE, type Product } from '../../domain/catalogue/catalogue';
import { priceOrder } from '../../domain/catalogue/pricing';
import { orderCreatedEvent } from '../../domain/orders/order-created-event';
import { newOrder, type OrderDoc } from '../../domain/orders/order-model';

/** Upper bound on a seed: a million orders is some eight million documents across the stores. */
export const MAX_SEED = 1_000_000;
/** The seeded orders were placed over this long, ending before the current hour. */
export const SEED_SPAN_MS = 30 * 24 * 3_600_000;
/** A customer places about this many orders over the span. */
const ORDERS_PER_CUSTOMER = 8;

export interface SeedPlan {
  /** Part of every id, so a second seed of the same database adds orders instead of colliding. */
  tag: string;
  count: number;
  /** The history ends before this instant: no seeded figure shares an hour with the bench's own orders. */
  end: Date;
  /** Partitions of the order topics: an order's events sit on the partition of its key. */
  partitions: number;
}

/** One seeded order: the stored record, its two events, and their positions in their topics. */
export interface SeededOrder {
  order: OrderDoc;
  created: OrderCreatedV1;
  processed: OrderProcessedV1;
  partition: number;
  createdOffset: number;
  processedOffset: number;
  /** When the consumers stored what the event told them: a few milliseconds after it occurred. */
  consumedAt: Date;
}

interface Outcome {
  share: number;
  status: FinalStatus;
  reason: (lines: { sku: string; quantity: number }[]) => FailureReason | null;
  /** The steps the workflow records for this way out (workflows/process-order). */
  steps: OrderStep[];
  /** Range of processing times, accepted → outcome, in ms. */
  processingMs: [number, number];
  /** The basket holds a scarce product, which ran out. */
  stockOut?: true;
}

const GIVEN_BACK: OrderStep[] = ['validated', 'stock-reserved', 'stock-released', 'published'];

/** Mostly completed; declines, stock-outs, exhausted gateway retries and cancels make up the rest. */
export const OUTCOMES: readonly Outcome[] = [
  {
    share: 0.9,
    status: 'completed',
    reason: () => null,
    steps: ['validated', 'stock-reserved', 'payment-captured', 'published'],
    processingMs: [700, 4_000],
  },
  {
    share: 0.03,
    status: 'rejected',
    reason: () => ({ type: 'PaymentDeclined', message: 'card declined by issuer' }),
    steps: GIVEN_BACK,
    processingMs: [600, 3_000],
  },
  {
    share: 0.02,
    status: 'rejected',
    reason: (lines) => {
      const line = lines.at(-1)!;
      return { type: 'OutOfStock', message: `${line.sku}: ${line.quantity} requested, 0 available` };
    },
    steps: ['validated', 'published'],
    processingMs: [400, 2_000],
    stockOut: true,
  },
  {
    share: 0.03,
    status: 'failed',
    reason: () => ({ type: 'GatewayUnavailable', message: 'gateway timed out before capturing' }),
    steps: GIVEN_BACK,
    processingMs: [30_000, 120_000],
  },
  {
    share: 0.02,
    status: 'cancelled',
    reason: () => ({ type: 'Cancelled', message: 'cancelled by request' }),
    steps: GIVEN_BACK,
    processingMs: [1_000, 20_000],
  },
];

const CURRENCY_SHARES: readonly [Currency, number][] = [
  ['EUR', 0.6],
  ['USD', 0.3],
  ['GBP', 0.1],
];

/** What the shop has plenty of; the scarce products are what a stock-out is about. */
const PLENTIFUL = CATALOGUE.filter((p) => p.initialStock >= 1_000);
const SCARCE = CATALOGUE.filter((p) => p.initialStock < 1_000);

/** A small deterministic generator (mulberry32): the same tag always seeds the same history. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(shares: readonly (readonly [T, number])[], r: number): T {
  let sum = 0;
  for (const [value, share] of shares) if (r < (sum += share)) return value;
  return shares.at(-1)![0];
}

/** A W3C traceparent, as the API stores the trace of the request that placed the order. */
function traceparent(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `00-${hex.slice(0, 32)}-${hex.slice(32, 48)}-01`;
}

/** The API's normalised request (api/order-id.ts), hashed to tell a retried POST from a reused key. */
function requestHash(order: { customerId: string; email: string; currency: string }, lines: Item[]): string {
  const request = { ...order, items: lines.map(({ sku, quantity }) => ({ sku, quantity })) };
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

interface Item {
  sku: string;
  quantity: number;
}

function basket(random: () => number, outOfStock: boolean): Item[] {
  const size = 1 + Math.floor(random() * random() * 3);
  const products: Product[] = [];
  while (products.length < Math.min(size, PLENTIFUL.length)) {
    const p = PLENTIFUL[Math.floor(random() * PLENTIFUL.length)]!;
    if (!products.includes(p)) products.push(p);
  }
  if (outOfStock && SCARCE.length) products.push(SCARCE[Math.floor(random() * SCARCE.length)]!);
  return products.map((p) => ({ sku: p.sku, quantity: 1 + Math.floor(random() * random() * 3) }));
}

/** The order-processed of a finished order, as the order-events activity publishes it (activities/order-events). */
function processedEvent(order: OrderDoc, processedAt: Date): OrderProcessedV1 {
  const { _id, status, runId } = order;
  return OrderProcessedV1.parse({
    // Its id names the run and the status: a retry's outcome is another event.
    eventId: eventIdFor('order-processed', _id, `${runId}/${status}`),
    type: 'order-processed',
    version: 1,
    occurredAt: processedAt.toISOString(),
    orderId: _id,
    customerId: order.customerId,
    status,
    reason: order.reason,
    currency: order.currency,
    totalCents: order.totalCents,
    items: order.items,
    processingMs: processedAt.getTime() - order.createdAt.getTime(),
    workflowId: orderWorkflowId(_id),
    runId,
  });
}

/** The orders of a seed, oldest first, one at a time: a million of them never sit in memory at once. */
export function* seededOrders(plan: SeedPlan): Generator<SeededOrder> {
  const random = seededRandom(plan.tag);
  const customers = Math.max(1, Math.ceil(plan.count / ORDERS_PER_CUSTOMER));
  const start = plan.end.getTime() - SEED_SPAN_MS;
  const createdOffsets = new Array<number>(plan.partitions).fill(0);
  const processedOffsets = new Array<number>(plan.partitions).fill(0);
  const outcomeShares = OUTCOMES.map((o) => [o, o.share] as const);
  // Room for the longest processing time, so every outcome is out before plan.end.
  const span = SEED_SPAN_MS - Math.max(...OUTCOMES.map((o) => o.processingMs[1])) - 1_000;

  for (let i = 0; i < plan.count; i++) {
    const createdAt = new Date(start + (span * (i + random())) / plan.count);
    const customer = Math.floor(random() * customers);
    const customerId = `${plan.tag}-customer-${customer}`;
    const email = `customer${customer}@example.com`;
    const outcome = pick(outcomeShares, random());
    const currency = pick(CURRENCY_SHARES, random());
    const items = basket(random, outcome.stockOut === true);
    const priced = priceOrder(currency, items);
    if (!priced.ok) throw new Error(`seed: SKUs not in the catalogue: ${priced.unknownSkus.join(', ')}`);
    const _id = uuidFromHash(`${plan.tag}\u0000order\u0000${i}`);

    const placed = newOrder({
      _id,
      customerId,
      email,
      currency,
      items: priced.lines,
      totalCents: priced.totalCents,
      idempotencyKey: null,
      requestHash: requestHash({ customerId, email, currency }, items),
      createdAt,
      traceContext: { traceparent: traceparent(_id) },
    });
    const [lowMs, highMs] = outcome.processingMs;
    const processedAt = new Date(createdAt.getTime() + Math.round(lowMs + (highMs - lowMs) * random() ** 2));
    // What the workflow's recordStatus set on it (its outbox entry is gone since its start).
    const order: OrderDoc = {
      ...placed,
      status: outcome.status,
      steps: [...outcome.steps],
      reason: outcome.reason(items),
      runId: uuidFromHash(`${_id}\u0000run`),
      updatedAt: new Date(processedAt.getTime() + 5 + Math.round(random() * 20)),
    };
    const partition = Number.parseInt(_id.slice(0, 8), 16) % plan.partitions;
    yield {
      order,
      created: orderCreatedEvent(placed),
      processed: processedEvent(order, processedAt),
      partition,
      createdOffset: createdOffsets[partition]!++,
      processedOffset: processedOffsets[partition]!++,
      consumedAt: new Date(processedAt.getTime() + 5 + Math.round(random() * 40)),
    };
  }
}
