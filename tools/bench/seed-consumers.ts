/**
 * What the consumers stored of a seeded order, built as they build it: the notification of its outcome, the
 * versions of its analytics fact and what each event added to the rollups, and, for the customers who registered
 * a webhook, the delivery of that notification to it. Pure: the seed's runner (seed.ts) writes them in bulk.
 */
import { createHash } from 'node:crypto';
import type { AnyEvent } from '../../contracts/events';
import { uuidFromHash } from '../../contracts/ids';
import { TOPICS } from '../../contracts/topics';
import type { Keyring } from '../../core/crypto/keyring';
import { rollupContribution, rollupId, type Contribution } from '../../consumers/analytics/contribution';
import { factEntry, factVersionId } from '../../consumers/analytics/facts';
import type { FactDoc, RollupDoc } from '../../consumers/analytics/models';
import { factChange } from '../../consumers/analytics/outcomes';
import type { EventSource } from '../../consumers/analytics/source';
import { totalsAfter } from '../../consumers/analytics/totals';
import {
  type NotificationDoc,
  type WebhookDeliveryDoc,
  type WebhookDoc,
} from '../../consumers/notifications/models';
import { generateSecret, sealSecret } from '../../consumers/notifications/webhook-secrets';
import { deliveryId } from '../../consumers/notifications/delivery-queue';
import { notificationDoc } from '../../consumers/notifications/store';
import type { SeededOrder } from './seed-orders';

/**
 * The Kafka cluster a seed's events were read from, as analytics names its streams (`<cluster>/<topic>`): one of the
 * seed's own, as a cluster recreated since would be, so the rollups' offset guards of the live cluster and of each
 * seed (a database seeded twice holds two) never meet.
 */
export function seedCluster(tag: string): string {
  return `seeded-history-${tag}`;
}

/** One customer in this many registered a webhook. */
const WEBHOOK_EVERY = 20;

function sourceOf(cluster: string, topic: string, partition: number, offset: number): EventSource {
  return { stream: `${cluster}/${topic}`, topic, partition, offset: String(offset) };
}

/** The notification the notifications consumer stored of the order's outcome (consumers/notifications/store.ts). */
export function notificationOf(seeded: SeededOrder): NotificationDoc {
  const source = {
    topic: TOPICS.orderProcessed,
    partition: seeded.partition,
    offset: String(seeded.processedOffset),
  };
  return notificationDoc(seeded.processed, source, seeded.consumedAt);
}

/** What analytics stored of the order: a fact version per event, and what each event added to its rollups. */
export function analyticsOf(
  seeded: SeededOrder,
  cluster: string,
): {
  facts: FactDoc[];
  counted: { source: EventSource; contribution: Contribution }[];
} {
  const read: [AnyEvent, EventSource][] = [
    [seeded.created, sourceOf(cluster, TOPICS.orderCreated, seeded.partition, seeded.createdOffset)],
    [seeded.processed, sourceOf(cluster, TOPICS.orderProcessed, seeded.partition, seeded.processedOffset)],
  ];
  const facts: FactDoc[] = [];
  const counted: { source: EventSource; contribution: Contribution }[] = [];
  let fact = null as FactDoc | null;
  for (const [event, source] of read) {
    const { set, counting } = factChange(fact, event);
    const version = facts.length + 1;
    fact = {
      ...fact,
      ...set,
      _id: factVersionId(event.orderId, version),
      orderId: event.orderId,
      version,
      events: [...(fact?.events ?? []), factEntry(event, source, counting)],
    };
    facts.push(fact);
    counted.push({ source, contribution: rollupContribution(event, counting) });
  }
  return { facts, counted };
}

/**
 * The rollups of the whole seed, summed in memory (a few thousand documents: one per stream, partition and hour)
 * and stored as the running totals consumers/analytics/rollups.ts would have left them.
 */
export class RollupTotals {
  private readonly rollups = new Map<
    string,
    { head: Omit<RollupDoc, 'lastOffset'>; lastOffset: number; inc: Record<string, number> }
  >();

  add(source: EventSource, contribution: Contribution): void {
    for (const [hourIso, inc] of contribution) {
      const hour = new Date(hourIso);
      const _id = rollupId(source.stream, source.partition, hour);
      let rollup = this.rollups.get(_id);
      if (!rollup) {
        const { stream, topic, partition } = source;
        rollup = { head: { _id, stream, topic, partition, hour }, lastOffset: -1, inc: {} };
        this.rollups.set(_id, rollup);
      }
      rollup.lastOffset = Math.max(rollup.lastOffset, Number(source.offset));
      // As running totals (consumers/analytics/totals.ts): what was counted, and apart what was taken back.
      for (const [path, amount] of Object.entries(totalsAfter(null, [inc])))
        rollup.inc[path] = (rollup.inc[path] ?? 0) + amount;
    }
  }

  get size(): number {
    return this.rollups.size;
  }

  /** Each rollup as a document: every dotted `$inc` path becomes the nested field it names. */
  documents(): RollupDoc[] {
    return [...this.rollups.values()].map(({ head, lastOffset, inc }) => {
      const doc: Record<string, unknown> = { ...head, lastOffset };
      for (const [path, amount] of Object.entries(inc)) {
        const keys = path.split('.');
        let into = doc;
        for (const key of keys.slice(0, -1)) into = (into[key] ??= {}) as Record<string, unknown>;
        into[keys.at(-1)!] = amount;
      }
      return doc as unknown as RollupDoc;
    });
  }
}

function hashed(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}

/** Whether the customer registered a webhook: about one in WEBHOOK_EVERY, always the same ones. */
export function hasWebhook(customerId: string): boolean {
  return Number.parseInt(hashed(customerId).slice(0, 8), 16) % WEBHOOK_EVERY === 0;
}

/** The customer's webhook, registered before their first order, its secret sealed as the service seals it. */
export function webhookOf(customerId: string, keyring: Keyring, createdAt: Date): WebhookDoc {
  const _id = uuidFromHash(`${customerId}\u0000webhook`);
  return {
    _id,
    customerId,
    url: `https://hooks.example.com/orders/${encodeURIComponent(customerId)}`,
    secret: sealSecret(keyring, _id, generateSecret()),
    previousSecret: null,
    previousSecretExpiresAt: null,
    createdAt,
    active: true,
  };
}

/** The notification's delivery to the webhook, delivered at the first attempt (consumers/notifications). */
export function deliveryOf(
  webhook: WebhookDoc,
  notification: NotificationDoc,
  order: SeededOrder['order'],
): WebhookDeliveryDoc {
  const queuedAt = notification.createdAt;
  const hash = hashed(notification._id);
  const sentAt = new Date(queuedAt.getTime() + 10 + (Number.parseInt(hash.slice(0, 4), 16) % 90));
  const durationMs = 60 + (Number.parseInt(hash.slice(4, 8), 16) % 400);
  const deliveredAt = new Date(sentAt.getTime() + durationMs);
  // The trace of the order, continued by the consumer's span that queued the delivery.
  const traceId = order.traceContext?.traceparent.split('-')[1] ?? hash.slice(0, 32);
  return {
    _id: deliveryId(notification._id, webhook._id),
    webhookId: webhook._id,
    notificationId: notification._id,
    customerId: notification.customerId,
    url: webhook.url,
    status: 'delivered',
    attempts: 1,
    nextAttemptAt: queuedAt,
    deliveredAt,
    createdAt: queuedAt,
    log: [{ at: deliveredAt, attempt: 1, statusCode: 200, durationMs }],
    traceContext: { traceparent: `00-${traceId}-${hash.slice(8, 24)}-01` },
  };
}
