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
import { CustomerId } from '../common';

/**
 * The API's contract for orders and the catalogue (the operators' endpoints are in ./operator-schemas): every
 * request is validated with these schemas and /openapi.json is generated from the very same objects, so the
 * documentation cannot drift from what the routes accept and return. Messages are phrased as "expected ..." because
 * they become the `problem` of a validation error detail.
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

export const ProductsQuery = z.strictObject({
  currency: Currency.default('EUR'),
});

/** The paging parameters of every listing: a page size and the cursor where the previous page ended. */
export const PAGE_QUERY = {
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
export const NEXT_CURSOR = z
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

// The error, health and readiness shapes every HTTP service of the system shares.
export { CustomerId, ErrorBody, ErrorDetail, Health, ReadinessReport } from '../common';
