import type { FailureReason, FinalStatus } from '../../contracts/events';
import type { NotificationDoc } from './models';

/** A notification as users see it (SSE, webhooks, history): no storage or Kafka internals, ISO times. */
export interface NotificationView {
  id: string;
  orderId: string;
  customerId: string;
  status: FinalStatus;
  title: string;
  body: string;
  reason: FailureReason | null;
  totalCents: number;
  currency: string;
  occurredAt: string;
  createdAt: string;
}

export function notificationView(doc: NotificationDoc): NotificationView {
  return {
    id: doc._id,
    orderId: doc.orderId,
    customerId: doc.customerId,
    status: doc.status,
    title: doc.title,
    body: doc.body,
    reason: doc.reason ? { type: doc.reason.type, message: doc.reason.message } : null,
    totalCents: doc.totalCents,
    currency: doc.currency,
    occurredAt: doc.occurredAt.toISOString(),
    createdAt: doc.createdAt.toISOString(),
  };
}
