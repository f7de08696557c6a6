import mongoose from 'mongoose';
import { rollupContribution } from '../../../../consumers/analytics/contribution';
import { recordEvent } from '../../../../consumers/analytics/facts';
import {
  analyticsModels,
  type FactDoc,
  type FactModel,
  type RollupModel,
} from '../../../../consumers/analytics/models';
import { summarize } from '../../../../consumers/analytics/reports';
import { applyContributions } from '../../../../consumers/analytics/rollups';
import { netFigures } from '../../../../consumers/analytics/totals';
import { notificationModels } from '../../../../consumers/notifications/models';
import { renderNotification } from '../../../../consumers/notifications/templates';
import { openSecret } from '../../../../consumers/notifications/webhook-secrets';
import { TOPICS } from '../../../../contracts/topics';
import { formatKeyring, generateKey, parseKeyring } from '../../../../core/crypto/keyring';
import {
  analyticsOf,
  deliveryOf,
  hasWebhook,
  notificationOf,
  RollupTotals,
  seedCluster,
  webhookOf,
} from '../../../../tools/bench/seed-consumers';
import { seededOrders } from '../../../../tools/bench/seed-orders';

const seeded = [
  ...seededOrders({ tag: 'test', count: 1_500, end: new Date('2026-03-01T10:00:00Z'), partitions: 3 }),
];
/** A connection never opened: its models cast and validate documents without a server. */
const connection = mongoose.createConnection();
const notificationStores = notificationModels(connection);
const analyticsStores = analyticsModels(connection);
const keyring = parseKeyring(formatKeyring([{ id: 'k1', key: generateKey() }]), 'WEBHOOK_SECRET_KEYS');

const duplicateKey = () => Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

/** The analytics store's fact collection as recordEvent uses it: find by _id, insert a new version. */
function factCollection() {
  const docs = new Map<string, FactDoc>();
  const collection = {
    findOne: async ({ _id }: { _id: string }) => structuredClone(docs.get(_id) ?? null),
    insertOne: async (doc: FactDoc) => {
      if (docs.has(doc._id)) throw duplicateKey();
      docs.set(doc._id, structuredClone(doc));
    },
  };
  return { model: { collection } as unknown as FactModel, docs };
}

/** The rollup collection as applyContributions uses it: a read by _id, then `$max` upserts by _id. */
function rollupCollection() {
  const docs = new Map<string, Record<string, unknown>>();
  type Write = {
    updateOne: {
      filter: { _id: string };
      update: { $max: Record<string, number>; $setOnInsert: Record<string, unknown> };
    };
  };
  const collection = {
    findOne: async ({ _id }: { _id: string }) => structuredClone(docs.get(_id) ?? null),
    async bulkWrite(writes: Write[]) {
      for (const { updateOne } of writes) {
        const { filter, update } = updateOne;
        const doc = docs.get(filter._id) ?? { _id: filter._id, ...update.$setOnInsert };
        for (const [path, value] of Object.entries(update.$max)) {
          const keys = path.split('.');
          let into = doc;
          for (const key of keys.slice(0, -1)) into = (into[key] ??= {}) as Record<string, unknown>;
          into[keys.at(-1)!] = Math.max((into[keys.at(-1)!] as number | undefined) ?? -Infinity, value);
        }
        docs.set(filter._id, doc);
      }
    },
  };
  return { model: { collection } as unknown as RollupModel, docs };
}

describe('what the seed stores for the notifications consumer', () => {
  it('one notification per outcome, as the consumer renders and stores it', () => {
    for (const s of seeded.slice(0, 200)) {
      const notification = notificationOf(s);
      expect(notification).toMatchObject({
        _id: s.processed.eventId,
        orderId: s.order._id,
        ...renderNotification(s.processed),
        source: { topic: TOPICS.orderProcessed, partition: s.partition, offsetNum: s.processedOffset },
      });
      const doc = new notificationStores.notifications(notification);
      expect(doc.validateSync()).toBeUndefined();
      expect(doc.toObject()).toEqual(notification);
    }
  });

  it('a webhook for about one customer in twenty, its secret sealed so the service opens it', () => {
    const customers = [...new Set(seeded.map((s) => s.order.customerId))];
    const withWebhook = customers.filter(hasWebhook);
    expect(withWebhook.length / customers.length).toBeGreaterThan(0.02);
    expect(withWebhook.length / customers.length).toBeLessThan(0.1);

    const webhook = webhookOf(withWebhook[0]!, keyring, new Date('2026-01-01T00:00:00Z'));
    expect(openSecret(keyring, webhook._id, webhook.secret)).toMatch(/^whsec_/);
    const doc = new notificationStores.webhooks(webhook);
    expect(doc.validateSync()).toBeUndefined();
    expect(doc.toObject()).toEqual(webhook);
  });

  it('each of their notifications delivered to it at the first attempt, never due again', () => {
    const s = seeded[0]!;
    const webhook = webhookOf(s.order.customerId, keyring, new Date('2026-01-01T00:00:00Z'));
    const notification = notificationOf(s);
    const delivery = deliveryOf(webhook, notification, s.order);
    expect(delivery).toMatchObject({
      _id: `${notification._id}:${webhook._id}`,
      status: 'delivered',
      attempts: 1,
      log: [{ attempt: 1, statusCode: 200 }],
    });
    expect(delivery.deliveredAt!.getTime()).toBeGreaterThan(notification.createdAt.getTime());
    expect(delivery.traceContext!.traceparent.split('-')[1]).toBe(
      s.order.traceContext!.traceparent.split('-')[1],
    );
    const doc = new notificationStores.deliveries(delivery);
    expect(doc.validateSync()).toBeUndefined();
    expect(doc.toObject()).toEqual(delivery);
  });
});

describe('what the seed stores for the analytics consumer', () => {
  const facts = factCollection();
  const rollups = rollupCollection();
  const totals = new RollupTotals();
  const seededFacts: FactDoc[] = [];

  beforeAll(async () => {
    for (const s of seeded) {
      const { facts: versions, counted } = analyticsOf(s, seedCluster('test'));
      seededFacts.push(...versions);
      for (const { source, contribution } of counted) totals.add(source, contribution);
      // The consumer's own path for the same two events, read from the same positions.
      for (const [event, { source }] of [
        [s.created, counted[0]!],
        [s.processed, counted[1]!],
      ] as const) {
        const recording = await recordEvent(facts.model, event, source);
        if (recording.kind === 'duplicate') throw new Error('no event is seeded twice');
        await applyContributions(rollups.model, source, [
          { offset: Number(source.offset), contribution: rollupContribution(event, recording) },
        ]);
      }
    }
  });

  it('the fact versions the consumer records, read from a cluster of the seed’s own', () => {
    expect(seededFacts).toHaveLength(2 * seeded.length);
    expect(facts.docs.size).toBe(seededFacts.length);
    for (const fact of seededFacts) expect(fact).toEqual(facts.docs.get(fact._id));
    for (const fact of seededFacts.filter((f) => f.version === 2))
      expect(fact.events.map((e) => e.stream)).toEqual([
        `seeded-history-test/${TOPICS.orderCreated}`,
        `seeded-history-test/${TOPICS.orderProcessed}`,
      ]);
    for (const fact of seededFacts.slice(0, 100)) {
      const doc = new analyticsStores.facts(fact);
      expect(doc.validateSync()).toBeUndefined();
      expect(doc.toObject()).toEqual(fact);
    }
  });

  it('the rollups the consumer’s running totals leave, one per stream, partition and hour', () => {
    const documents = totals.documents();
    expect(documents).toHaveLength(totals.size);
    expect(rollups.docs.size).toBe(documents.length);
    for (const rollup of documents) expect(rollup).toEqual(rollups.docs.get(rollup._id));
    for (const rollup of documents.slice(0, 50)) {
      const doc = new analyticsStores.rollups(rollup);
      expect(doc.validateSync()).toBeUndefined();
      expect(doc.toObject()).toEqual(rollup);
    }
  });

  it('reports every seeded order and outcome', () => {
    const summary = summarize(totals.documents().map(netFigures), { from: null, to: null });
    const count = (status: string) => seeded.filter((s) => s.order.status === status).length;
    expect(summary.orders).toEqual({
      created: seeded.length,
      completed: count('completed'),
      rejected: count('rejected'),
      cancelled: count('cancelled'),
      failed: count('failed'),
      inProgress: 0,
    });
    expect(summary.latencyMs.count).toBe(seeded.length);
  });
});
