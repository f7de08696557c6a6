import type { z } from 'zod';
import { FailureReason, OrderId, OrderLine } from '../../events';
import { error, jsonContent, parameter, queryParameters, retryAfter, type Json } from '../openapi-builders';
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
import {
  RetryAccepted,
  RetryFailedRequest,
  BulkRetryReport,
  GatewaySwitchRequest,
  GatewayState,
  TaskQueuesReport,
  AuditEntry,
  AuditPage,
  AuditQuery,
  ConsumerLagReport,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterReplayReport,
  DeadLetterReplayRequest,
  OrderTraces,
  TracedSpan,
} from './operator-schemas';

/** Every named schema of the order API; nested uses of one become $refs to it. */
export const ORDER_COMPONENTS: Record<string, z.ZodType> = {
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
  RetryAccepted,
  RetryFailedRequest,
  BulkRetryReport,
  GatewaySwitchRequest,
  GatewayState,
  TaskQueuesReport,
  AuditEntry,
  AuditPage,
  ConsumerLagReport,
  DeadLetter,
  DeadLetterPage,
  DeadLetterReplayRequest,
  DeadLetterReplayReport,
  TracedSpan,
  OrderTraces,
};

const orderIdParam = parameter('id', 'path', OrderId);

/** The order API's endpoints (the API's own server is the document's default). */
export function orderPaths(): Record<string, Json> {
  return {
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
        summary: 'Readiness: the order store answers (Kafka and Temporal are reported, not required)',
        operationId: 'readyz',
        responses: {
          '200': { description: 'Ready', ...jsonContent('ReadinessReport') },
          '503': { description: 'Not ready', ...jsonContent('ReadinessReport') },
        },
      },
    },
    '/orders/{id}/retry': {
      post: {
        summary: 'Retry a failed order: a new run of its workflow (operators)',
        operationId: 'retryOrder',
        parameters: [orderIdParam],
        responses: {
          '202': {
            description: 'A new run processes the order (or already did: outcome already-retrying)',
            ...jsonContent('RetryAccepted'),
          },
          '404': error('not_found'),
          '409': error('not_failed: the order is not failed (the message says what it is)'),
        },
      },
    },
    '/orders/retry': {
      post: {
        summary: 'Retry every failed order matching a filter (operators)',
        operationId: 'retryFailedOrders',
        requestBody: { required: false, ...jsonContent('RetryFailedRequest') },
        responses: {
          '200': { description: 'What happened to the matching orders', ...jsonContent('BulkRetryReport') },
          '400': error('validation_failed'),
        },
      },
    },
    '/ops/payment-gateway': {
      get: {
        summary: 'Whether the simulated payment gateway is switched on',
        operationId: 'getPaymentGateway',
        responses: { '200': { description: 'The switch', ...jsonContent('GatewayState') } },
      },
      put: {
        summary: 'Switch the simulated payment gateway off (charges fail as an outage) or on (operators)',
        operationId: 'setPaymentGateway',
        requestBody: { required: true, ...jsonContent('GatewaySwitchRequest') },
        responses: {
          '200': { description: 'The switch', ...jsonContent('GatewayState') },
          '400': error('validation_failed'),
        },
      },
    },
    '/ops/task-queues': {
      get: {
        summary: 'Backlog, rates and pollers per task queue, from Temporal (for scaling workers)',
        operationId: 'taskQueues',
        responses: {
          '200': { description: 'Per task queue', ...jsonContent('TaskQueuesReport') },
          '503': { headers: retryAfter, ...error('unavailable') },
        },
      },
    },
    '/ops/orders/{id}/trace': {
      get: {
        summary: "An order's traces, span by span in tree order (operators; from the local file exporter)",
        operationId: 'orderTrace',
        parameters: [orderIdParam],
        responses: {
          '200': { description: 'The traces that name the order', ...jsonContent('OrderTraces') },
          '400': error('validation_failed'),
          '404': error('not_found: no trace of the order where this API reads them'),
        },
      },
    },
    '/ops/consumer-lag': {
      get: {
        summary:
          "Messages each of the system's consumer groups has not processed yet, per topic and partition",
        operationId: 'consumerLag',
        responses: {
          '200': { description: 'Per consumer group', ...jsonContent('ConsumerLagReport') },
          '503': { headers: retryAfter, ...error('unavailable') },
        },
      },
    },
    '/ops/dead-letters': {
      get: {
        summary: 'The dead letters of a topic: what a consumer gave up on, and why (operators)',
        operationId: 'deadLetters',
        parameters: queryParameters(DeadLetterQuery),
        responses: {
          '200': { description: 'The newest first', ...jsonContent('DeadLetterPage') },
          '400': error('validation_failed'),
          '503': { headers: retryAfter, ...error('unavailable') },
        },
      },
    },
    '/ops/dead-letters/replay': {
      post: {
        summary: 'Publish dead letters again to the topic they came from (operators; audited)',
        operationId: 'replayDeadLetters',
        requestBody: { required: true, ...jsonContent('DeadLetterReplayRequest') },
        responses: {
          '200': { description: 'What was published again', ...jsonContent('DeadLetterReplayReport') },
          '400': error('validation_failed, malformed_json'),
          '404': error('not_found'),
          '503': { headers: retryAfter, ...error('unavailable') },
        },
      },
    },
    '/ops/audit': {
      get: {
        summary: 'What operators did: who, what, when, on which orders (operators only)',
        operationId: 'auditLog',
        parameters: queryParameters(AuditQuery),
        responses: {
          '200': { description: 'Newest first', ...jsonContent('AuditPage') },
          '400': error('validation_failed'),
        },
      },
    },
  };
}
