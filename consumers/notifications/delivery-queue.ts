import { context, type Context } from '@opentelemetry/api';
import type { mongo } from 'mongoose';
import { insertNew } from '../../core/mongo/insert-new';
import { traceCarrier } from '../../core/tracing/propagation';
import {
  NO_LEASE,
  type NotificationDoc,
  type NotificationModels,
  type OutboxDoc,
  type WebhookDeliveryDoc,
  type WebhookDoc,
} from './models';

/** A stored notification to deliver to its customer's webhooks. */
export interface ToDeliver {
  notification: NotificationDoc;
  /** Stored by the very call that queues it now: no delivery of it can exist yet, so none is looked for. */
  fresh: boolean;
  /** The span of the message that brought it: each attempt's span is its child. The active one by default. */
  trace?: Context;
}

export function deliveryId(notificationId: string, webhookId: string): string {
  return `${notificationId}:${webhookId}`;
}

interface Planned {
  delivery: WebhookDeliveryDoc;
  outbox: OutboxDoc;
}

/**
 * Queues notifications for every active webhook of their customers: a delivery document (the log the customer
 * reads) and its entry in the outbox (what the dispatchers poll), each written with one insert for them all. The
 * delivery is written first, so a crash between the two leaves a pending delivery without its outbox entry, which
 * the redelivered message completes. A notification stored before (a redelivery, a second copy of the event) has
 * its deliveries looked up by _id: those already given an outcome are not queued again.
 */
export function deliveryQueue(models: NotificationModels, now: () => Date) {
  const deliveries = models.deliveries.collection as unknown as mongo.Collection<WebhookDeliveryDoc>;
  const outbox = models.outbox.collection as unknown as mongo.Collection<OutboxDoc>;

  /** The customers' active webhooks, in one read (only what a delivery records: the secrets stay where they are). */
  async function subscribed(customerIds: string[]): Promise<Map<string, Pick<WebhookDoc, '_id' | 'url'>[]>> {
    const customerId = customerIds.length === 1 ? customerIds[0]! : { $in: customerIds };
    const found = await models.webhooks
      .find({ customerId, active: true }, { _id: 1, url: 1, customerId: 1 })
      .lean<Pick<WebhookDoc, '_id' | 'url' | 'customerId'>[]>();
    const byCustomer = new Map<string, Pick<WebhookDoc, '_id' | 'url'>[]>();
    for (const w of found) byCustomer.set(w.customerId, [...(byCustomer.get(w.customerId) ?? []), w]);
    return byCustomer;
  }

  function plan(item: ToDeliver, webhook: Pick<WebhookDoc, '_id' | 'url'>): Planned {
    const { notification } = item;
    const at = now();
    const traceContext = traceCarrier(item.trace ?? context.active());
    const shared = {
      _id: deliveryId(notification._id, webhook._id),
      webhookId: webhook._id,
      notificationId: notification._id,
      url: webhook.url,
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      ...(traceContext ? { traceContext } : {}),
    };
    return {
      delivery: {
        ...shared,
        customerId: notification.customerId,
        status: 'pending',
        deliveredAt: null,
        log: [],
      },
      outbox: { ...shared, leaseUntil: NO_LEASE },
    };
  }

  /** Queues the notifications' deliveries; returns how many are new. */
  async function enqueue(items: readonly ToDeliver[]): Promise<number> {
    if (items.length === 0) return 0;
    const webhooks = await subscribed([...new Set(items.map((i) => i.notification.customerId))]);
    const planned = items.flatMap((item) =>
      (webhooks.get(item.notification.customerId) ?? []).map((w) => ({
        fresh: item.fresh,
        ...plan(item, w),
      })),
    );
    const known = await Promise.all(
      planned.map(({ fresh, delivery }) =>
        fresh ? null : (deliveries.findOne({ _id: delivery._id }) as Promise<WebhookDeliveryDoc | null>),
      ),
    );
    const newOnes = planned.filter((_, i) => !known[i]);
    const there = await insertNew(
      deliveries,
      newOnes.map((p) => p.delivery),
    );
    // A pending delivery found may have lost its outbox entry to a crash: putting it there again is a no-op if not.
    const pending = planned.flatMap((p, i) => {
      const found = known[i];
      return found?.status === 'pending'
        ? [{ ...p.outbox, attempts: found.attempts, createdAt: found.createdAt }]
        : [];
    });
    await insertNew(outbox, [...newOnes.filter((_, i) => !there.has(i)).map((p) => p.outbox), ...pending]);
    return newOnes.length - there.size;
  }

  /**
   * Puts in the outbox every pending delivery missing from it: those queued before deliveries had an outbox (a
   * no-op for the others). Called once at start-up; the only read of the delivery history by status.
   */
  async function adoptPending(): Promise<number> {
    const pending = await deliveries.find({ status: 'pending' }).toArray();
    const entries = pending.map((d): OutboxDoc => ({
      _id: d._id,
      webhookId: d.webhookId,
      notificationId: d.notificationId,
      url: d.url,
      attempts: d.attempts,
      nextAttemptAt: d.nextAttemptAt,
      leaseUntil: NO_LEASE,
      createdAt: d.createdAt,
      ...(d.traceContext ? { traceContext: d.traceContext } : {}),
    }));
    return entries.length - (await insertNew(outbox, entries)).size;
  }

  return { enqueue, adoptPending };
}
