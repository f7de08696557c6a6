import type { Producer } from 'kafkajs';
import {
  eventHeaders,
  eventIdFor,
  eventKey,
  OrderProcessedV1,
  type FailureReason,
  type FinalStatus,
  type OrderLine,
} from '../../contracts/events';
import { TOPICS } from '../../contracts/topics';
import { publishSpans } from '../../core/tracing/messaging';

export interface OrderProcessedInput {
  orderId: string;
  customerId: string;
  status: FinalStatus;
  reason: FailureReason | null;
  currency: string;
  totalCents: number;
  items: OrderLine[];
  acceptedAt: string;
  /** Workflow time of the outcome: part of the input, so every retry publishes the identical event. */
  occurredAt: string;
  workflowId: string;
  runId: string;
}

/**
 * Emits `order-processed`. The eventId is derived from (orderId, runId, status): a retried publish is a duplicate
 * consumers drop, while a later run's outcome (an operator retry) is a new event that supersedes the old one.
 */
export function createOrderEventsActivities({ producer }: { producer: Producer }) {
  return {
    async publishOrderProcessed(input: OrderProcessedInput): Promise<{ eventId: string }> {
      const event = OrderProcessedV1.parse({
        eventId: eventIdFor('order-processed', input.orderId, `${input.runId}/${input.status}`),
        type: 'order-processed',
        version: 1,
        occurredAt: input.occurredAt,
        orderId: input.orderId,
        customerId: input.customerId,
        status: input.status,
        reason: input.reason,
        currency: input.currency,
        totalCents: input.totalCents,
        items: input.items,
        processingMs: Math.max(0, Date.parse(input.occurredAt) - Date.parse(input.acceptedAt)),
        workflowId: input.workflowId,
        runId: input.runId,
      });
      // A child of this activity's span: the notification and analytics consumers continue the order's trace.
      const spans = publishSpans(TOPICS.orderProcessed, [{ orderId: event.orderId }]);
      try {
        await producer.send({
          topic: TOPICS.orderProcessed,
          acks: -1,
          messages: [
            {
              key: eventKey(event),
              value: JSON.stringify(event),
              headers: { ...eventHeaders(event), ...spans.headers[0] },
            },
          ],
        });
      } catch (err) {
        spans.end(err);
        throw err;
      }
      spans.end();
      return { eventId: event.eventId };
    },
  };
}

export type OrderEventsActivities = ReturnType<typeof createOrderEventsActivities>;
