import { z } from 'zod';
import { FailureReason, OrderId, OrderLine } from '../common/events';
import {
  AcceptedOrder,
  CancelAccepted,
  CancelRequest,
  CancelState,
  CreateOrderRequest,
  ErrorBody,
  ErrorDetail,
  Health,
  IdempotencyKey,
  Links,
  ListOrdersQuery,
  OrderPage,
  OrderView,
  Product,
  ProductList,
  ProductsQuery,
  ReadinessReport,
  RequestedItem,
} from './schemas';

type Json = Record<string, unknown>;

/** Every named schema of the API; nested uses of one become $refs to it. */
const COMPONENTS: Record<string, z.ZodType> = {
  CreateOrderRequest,
  RequestedItem,
  CancelRequest,
  OrderLine,
  FailureReason,
  Links,
  CancelState,
  AcceptedOrder,
  OrderView,
  OrderPage,
  Product,
  ProductList,
  CancelAccepted,
  ErrorDetail,
  ErrorBody,
  ReadinessReport,
  Health,
};

/** OpenAPI 3.1 schema objects are JSON Schema 2020-12, minus the document-level keywords. */
function strip(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema as Json)]));
}

/** Parameters are validated as strings-to-be-coerced, so they are documented as the input side of the schema. */
function parameter(name: string, where: 'query' | 'path' | 'header', schema: z.ZodType): Json {
  const json = strip(z.toJSONSchema(schema, { io: 'input' }) as Json);
  const { description, ...rest } = json;
  return {
    name,
    in: where,
    required: where === 'path' || !schema.safeParse(undefined).success,
    ...(description === undefined ? {} : { description }),
    schema: rest,
  };
}

function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => parameter(name, 'query', field as z.ZodType));
}

const ref = (id: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: keyof typeof COMPONENTS) => ({
  content: { 'application/json': { schema: ref(id) } },
});
const error = (description: string) => ({ description, ...jsonContent('ErrorBody') });
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};
const orderIdParam = parameter('id', 'path', OrderId);

export function openApiDocument(publicUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order API',
      version: '1.0.0',
      description:
        'Accepts orders (processed asynchronously by a Temporal workflow per order), reports their status and cancels them.',
    },
    servers: [{ url: publicUrl }],
    paths: {
      '/orders': {
        post: {
          summary: 'Place an order',
          operationId: 'createOrder',
          parameters: [parameter('Idempotency-Key', 'header', IdempotencyKey.optional())],
          requestBody: { required: true, ...jsonContent('CreateOrderRequest') },
          responses: {
            '202': {
              description: 'Accepted: durably stored, to be processed',
              headers: {
                Location: { schema: { type: 'string' } },
                'Idempotent-Replayed': {
                  description: '"true" when this answers a retry of an earlier request with the same key',
                  schema: { type: 'string' },
                },
              },
              ...jsonContent('AcceptedOrder'),
            },
            '400': error('validation_failed, unknown_sku, malformed_json'),
            '409': error('idempotency_key_reused'),
            '413': error('payload_too_large'),
            '415': error('unsupported_media_type'),
            '503': { headers: retryAfter, ...error('unavailable: the order store did not acknowledge') },
          },
        },
        get: {
          summary: 'List orders, newest first',
          operationId: 'listOrders',
          parameters: queryParameters(ListOrdersQuery),
          responses: {
            '200': { description: 'A page', ...jsonContent('OrderPage') },
            '400': error('validation_failed'),
          },
        },
      },
      '/orders/{id}': {
        get: {
          summary: 'An order with its live workflow status',
          operationId: 'getOrder',
          parameters: [orderIdParam],
          responses: {
            '200': { description: 'The order', ...jsonContent('OrderView') },
            '400': error('validation_failed'),
            '404': error('not_found'),
          },
        },
      },
      '/orders/{id}/cancel': {
        post: {
          summary: 'Cancel an order (until its payment is captured)',
          operationId: 'cancelOrder',
          parameters: [orderIdParam],
          requestBody: { required: false, ...jsonContent('CancelRequest') },
          responses: {
            '202': { description: 'The workflow accepted the cancel', ...jsonContent('CancelAccepted') },
            '400': error('validation_failed, malformed_json'),
            '404': error('not_found'),
            '409': {
              headers: retryAfter,
              ...error('not_cancellable, or not_started (retry after Retry-After)'),
            },
            '415': error('unsupported_media_type'),
            '503': { headers: retryAfter, ...error('unavailable: the workflow service did not answer') },
          },
        },
      },
      '/products': {
        get: {
          summary: 'The catalogue with prices and available stock',
          operationId: 'listProducts',
          parameters: queryParameters(ProductsQuery),
          responses: {
            '200': { description: 'Products', ...jsonContent('ProductList') },
            '400': error('validation_failed'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness',
          operationId: 'healthz',
          responses: { '200': { description: 'Alive', ...jsonContent('Health') } },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Kafka, Mongo and Temporal answer',
          operationId: 'readyz',
          responses: {
            '200': { description: 'Ready', ...jsonContent('ReadinessReport') },
            '503': { description: 'Not ready', ...jsonContent('ReadinessReport') },
          },
        },
      },
    },
    components: { schemas: componentSchemas() },
  };
}
