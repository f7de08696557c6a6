import { z } from 'zod';
import {
  Cents,
  Currency,
  FailureReason,
  ORDER_STATUSES,
  OrderId,
  OrderLine,
  OrderStatus,
} from '../../events';
import { TOPICS } from '../../topics';
import { CustomerId } from '../common';

/**
 * The API's contract: every request is validated with these schemas and /openapi.json is generated from the very
 * same objects, so the documentation cannot drift from what the routes accept and return. Messages are phrased as
 * "expected ..." because they become the `problem` of a validation error detail.
 */

const QUANTITY = 'expected a positive whole number';
const LIMIT = 'expected a whole number 1-100';

export const RequestedItem = z.strictObject(
  {
    sku: z
      .string({ error: 'expected a SKU string' })
      .min(1, 'expected a non-empty SKU')
      .max(64, 'expected a SKU of at most 64 characters'),
    quantity: z
      .number({ error: QUANTITY })
      .int(QUANTITY)
      .positive(QUANTITY)
      .max(1000, 'expected at most 1000'),
  },
  { error: 'expected an object { sku, quantity }' },
);

export const CreateOrderRequest = z
  .strictObject(
    {
      customerId: CustomerId.optional().describe(
        "Operators only: the customer the order is for. A customer's order is theirs: the token says who.",
      ),
      email: z.email({ error: 'expected an email address' }).max(254, 'expected at most 254 characters'),
      currency: Currency,
      items: z
        .array(RequestedItem, { error: 'expected an array of 1-100 items' })
        .min(1, 'expected an array of 1-100 items')
        .max(100, 'expected an array of 1-100 items'),
    },
    { error: 'expected a JSON object' },
  )
  .describe('A new order. Prices are computed by the server from the catalogue; clients never send prices.');
export type CreateOrderRequest = z.infer<typeof CreateOrderRequest>;

/** Printable ASCII only: it ends up in logs and hashes, where control characters would only cause trouble. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x20-\x7e]{1,200}$/, 'expected 1-200 printable ASCII characters')
  .describe('A retried POST with the same key and customer maps to the same order.');

export const CancelRequest = z
  .strictObject(
    {
      reason: z.string({ error: 'expected a string' }).max(500, 'expected at most 500 characters').optional(),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Optional body of a cancel request.');

export const OrderIdParams = z.strictObject({ id: OrderId });

const INSTANT = 'expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z';
// Strings, not Dates: a request body is documented as the JSON it is; the route turns them into times.
const instant = z.iso.datetime({ offset: true, error: INSTANT });
const RETRY_LIMIT = 'expected a whole number 1-10000';

export const RetryFailedRequest = z
  .strictObject(
    {
      since: instant.optional().describe('Only orders that failed at or after this time.'),
      until: instant.optional().describe('Only orders that failed before this time.'),
      failureType: z
        .string({ error: 'expected a failure type such as GatewayUnavailable' })
        .min(1)
        .max(100)
        .optional(),
      limit: z
        .number({ error: RETRY_LIMIT })
        .int(RETRY_LIMIT)
        .min(1, RETRY_LIMIT)
        .max(10_000, RETRY_LIMIT)
        .default(1000),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Which failed orders to retry; every field is optional.');

export const GatewaySwitchRequest = z
  .strictObject(
    {
      available: z.boolean({ error: 'expected true or false' }),
      reason: z.string({ error: 'expected a string' }).max(500, 'expected at most 500 characters').optional(),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Switch the simulated payment gateway off (every charge fails as an outage) or on.');

export const ProductsQuery = z.strictObject({
  currency: Currency.default('EUR'),
});

/** The paging parameters of every listing: a page size and the cursor where the previous page ended. */
const PAGE_QUERY = {
  limit: z.coerce.number({ error: LIMIT }).int(LIMIT).min(1, LIMIT).max(100, LIMIT).default(20),
  cursor: z
    .string({ error: 'expected the nextCursor of a previous page' })
    .max(1000, 'expected the nextCursor of a previous page')
    .optional()
    .describe('The nextCursor of the previous page.'),
};

export const ListOrdersQuery = z.strictObject({
  customerId: CustomerId.optional(),
  status: z.enum(ORDER_STATUSES, { error: `expected one of ${ORDER_STATUSES.join(', ')}` }).optional(),
  ...PAGE_QUERY,
});

// ---- responses ----

export const Links = z.object({
  self: z.url(),
  cancel: z.url(),
  workflow: z.url().describe('The order workflow in the Temporal Web UI.'),
});

export const CancelState = z.object({
  state: z.enum(['none', 'requested', 'accepted', 'refused']),
  reason: z.string().optional(),
});

export const WaitingOn = z.object({
  step: z.string().describe('e.g. publishing order-processed'),
  since: z.iso.datetime(),
  lastError: z.string(),
});

export const AcceptedOrder = z.object({
  orderId: OrderId,
  status: OrderStatus.describe(
    'accepted for a new order; a replay with the same Idempotency-Key answers the status the order has now.',
  ),
  customerId: z.string(),
  totalCents: Cents,
  currency: Currency,
  items: z.array(OrderLine),
  createdAt: z.iso.datetime(),
  links: Links,
});
export type AcceptedOrder = z.infer<typeof AcceptedOrder>;

export const OrderView = z.object({
  orderId: OrderId,
  status: OrderStatus,
  customerId: z.string(),
  email: z.string(),
  currency: Currency,
  items: z.array(OrderLine),
  totalCents: Cents,
  steps: z.array(z.string()),
  reason: FailureReason.nullable(),
  cancel: CancelState.optional().describe('Present when the live workflow reported it.'),
  waitingOn: WaitingOn.optional().describe(
    'Present while a step after the capture waits for infrastructure (Kafka, the order store): the order is paid ' +
      'and completes once it is back.',
  ),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  links: Links,
});
export type OrderView = z.infer<typeof OrderView>;

/** Where the next page starts, in every page a listing answers. */
const NEXT_CURSOR = z
  .string()
  .nullable()
  .describe('Pass as `cursor` for the next page; null on the last page.');

export const OrderPage = z.object({
  items: z.array(OrderView),
  nextCursor: NEXT_CURSOR,
});
export type OrderPage = z.infer<typeof OrderPage>;

export const Product = z.object({
  sku: z.string(),
  name: z.string(),
  priceCents: Cents,
  currency: Currency,
  stockAvailable: z.number().int().nullable().describe('null until the stock of the SKU has been seeded.'),
});
export const ProductList = z.array(Product);
export type Product = z.infer<typeof Product>;

export const CancelAccepted = z.object({
  orderId: OrderId,
  status: z.enum([...ORDER_STATUSES, 'cancelling']),
  cancel: CancelState,
});
export type CancelAccepted = z.infer<typeof CancelAccepted>;

export const RetryAccepted = z.object({
  orderId: OrderId,
  status: z.literal('processing'),
  outcome: z.enum(['retried', 'already-retrying']),
  runId: z.string().describe('The run now processing the order.'),
});

export const BulkRetryReport = z.object({
  matched: z.number().int(),
  retried: z.number().int(),
  alreadyRetrying: z.number().int(),
  refused: z.array(z.object({ orderId: OrderId, reason: z.string() })),
});

export const GatewayState = z.object({
  available: z.boolean(),
  reason: z.string().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});

const QueueStats = z.object({
  backlogCount: z.number().int(),
  backlogAgeSeconds: z.number(),
  addRatePerSecond: z.number(),
  dispatchRatePerSecond: z.number(),
  activePollers: z.number().int().describe('Workers that polled in the last minute.'),
  pollers: z.array(
    z.object({
      identity: z.string(),
      lastSeen: z.iso.datetime().nullable(),
      ratePerSecond: z.number().nullable(),
    }),
  ),
});

export const TaskQueuesReport = z.object({
  queues: z.array(
    z.object({
      name: z.string(),
      activity: QueueStats,
      workflow: QueueStats.nullable().describe('Only for the queue that runs workflow code (orders).'),
    }),
  ),
});

const DEAD_LETTER_TOPICS = Object.values(TOPICS);
const DLQ_LIMIT = 'expected a whole number 1-500';

export const DeadLetterQuery = z.strictObject({
  topic: z
    .enum(DEAD_LETTER_TOPICS, { error: `expected one of ${DEAD_LETTER_TOPICS.join(', ')}` })
    .describe('The topic whose dead letters (`<topic>.dlq`) to list.'),
  limit: z.coerce
    .number({ error: DLQ_LIMIT })
    .int(DLQ_LIMIT)
    .min(1, DLQ_LIMIT)
    .max(500, DLQ_LIMIT)
    .default(50)
    .describe('The newest this many.'),
});

export const DeadLetterReplayRequest = z
  .strictObject(
    {
      topic: z.enum(DEAD_LETTER_TOPICS, { error: `expected one of ${DEAD_LETTER_TOPICS.join(', ')}` }),
      id: z
        .string({ error: 'expected a dead letter id such as 0:42' })
        .regex(/^\d{1,6}:\d{1,19}$/, 'expected a dead letter id such as 0:42')
        .optional()
        .describe('Only this dead letter (`partition:offset`); every one of the topic without it.'),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Which dead letters to publish again to the topic they came from.');

export const DeadLetter = z.object({
  id: z.string().describe('`partition:offset` in the dead-letter topic.'),
  key: z.string().nullable().describe('The order id the message was keyed by.'),
  consumer: z.string().nullable().describe('The consumer group that gave up on it.'),
  failedAt: z.string().nullable(),
  error: z.string().nullable().describe('Why it was given up on.'),
  origin: z.string().nullable().describe('`topic/partition:offset` it was read from.'),
});

export const DeadLetterPage = z.object({
  topic: z.string(),
  total: z.number().int().nonnegative().describe('Dead letters in the topic.'),
  items: z.array(DeadLetter).describe('The newest first, at most `limit`.'),
});

export const DeadLetterReplayReport = z.object({
  replayed: z.array(z.string()).describe('The ids published again.'),
});

export const ConsumerLagReport = z.object({
  groups: z.array(
    z.object({
      group: z.string(),
      consumer: z.enum(['bridge', 'notifications', 'analytics']),
      topic: z.string(),
      total: z.number().int().nonnegative().describe('Messages not yet committed by the group.'),
      partitions: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
});

export const TracedSpan = z.object({
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string().describe('e.g. POST /orders, publish order-created, RunActivity:chargePayment'),
  service: z.string().describe('The process that made it.'),
  startTime: z.iso.datetime(),
  durationMs: z.number(),
  status: z.enum(['UNSET', 'OK', 'ERROR']),
  statusMessage: z.string().nullable(),
  depth: z.number().int().nonnegative().describe('Its depth in the tree; spans come in tree order.'),
  orphan: z.boolean().describe('Its parent is missing from the trace (not exported, or lost).'),
});

export const OrderTraces = z.object({
  orderId: OrderId,
  traces: z
    .array(z.object({ traceId: z.string(), durationMs: z.number(), spans: z.array(TracedSpan) }))
    .describe('Oldest first: a retry or a replay may have started another trace.'),
});

// The error, health and readiness shapes every HTTP service of the system shares.
export { CustomerId, ErrorBody, ErrorDetail, Health, ReadinessReport } from '../common';

export const AuditQuery = z.strictObject({
  orderId: OrderId.optional().describe('Only the actions on this order.'),
  actor: z
    .string({ error: 'expected an operator name' })
    .min(1, 'expected an operator name')
    .max(200, 'expected at most 200 characters')
    .optional()
    .describe('Only this operator’s actions (a token subject, or cli:<user>).'),
  ...PAGE_QUERY,
});

export const AuditEntry = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  actor: z.string().describe('The operator: a token subject, or cli:<user> for the command line.'),
  action: z.string().describe('order.retry, orders.retry-failed, payment-gateway.switch, ...'),
  orderIds: z.array(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextCursor: NEXT_CURSOR,
});
export type AuditPage = z.infer<typeof AuditPage>;
