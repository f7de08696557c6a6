import mongoose from 'mongoose';
import type { Producer, ProducerRecord } from 'kafkajs';
import { createOrderEventsActivities } from '../../../../activities/order-events/activities';
import { OrderCreatedV1, OrderProcessedV1 } from '../../../../contracts/events';
import { orderCreatedEvent } from '../../../../domain/orders/order-created-event';
import { orderModel } from '../../../../domain/orders/order-model';
import { isFinalStatus } from '../../../../domain/orders/status';
import { parseOptions, UsageError } from '../../../../tools/bench/options';
import { MAX_SEED, SEED_SPAN_MS, seededOrders, type SeedPlan } from '../../../../tools/bench/seed-orders';

const plan: SeedPlan = { tag: 'test', count: 3_000, end: new Date('2026-03-01T10:00:00Z'), partitions: 6 };
const seeded = [...seededOrders(plan)];
/** A connection never opened: its models cast and validate documents without a server. */
const orders = orderModel(mongoose.createConnection());

describe('--seed', () => {
  it('is off unless asked for', () => {
    expect(parseOptions([]).seed).toBe(0);
    expect(parseOptions(['--seed', '100000']).seed).toBe(100_000);
  });

  it.each(['-1', '2.5', String(MAX_SEED + 1), 'many'])('refuses %s', (value) => {
    expect(() => parseOptions([`--seed=${value}`])).toThrow(UsageError);
  });
});

describe('seeded orders', () => {
  it('are the orders asked for, each id once, the same for the same tag', () => {
    expect(seeded).toHaveLength(plan.count);
    expect(new Set(seeded.map((s) => s.order._id)).size).toBe(plan.count);
    const small = { ...plan, count: 10 };
    expect([...seededOrders(small)]).toEqual([...seededOrders(small)]);
    const other = [...seededOrders({ ...plan, tag: 'other', count: 10 })];
    expect(other.map((s) => s.order._id)).not.toContain(seeded[0]!.order._id);
  });

  it('are stored exactly as the order schema keeps them: no field of their own, none of the schema missing', () => {
    for (const { order } of seeded.slice(0, 200)) {
      const doc = new orders(order);
      expect(doc.validateSync()).toBeUndefined();
      expect(doc.toObject()).toEqual(order);
    }
  });

  it('are final and started, with no publish state of their own, so no sweep takes them for orders in flight', () => {
    for (const { order } of seeded) {
      expect(isFinalStatus(order.status)).toBe(true);
      expect(order).not.toHaveProperty('publishState');
      expect(order.runId).toEqual(expect.any(String));
      expect(order.steps.at(-1)).toBe('published');
    }
  });

  it('are mostly completed, the rest rejected, failed or cancelled with a reason', () => {
    const share = (status: string) => seeded.filter((s) => s.order.status === status).length / plan.count;
    expect(share('completed')).toBeGreaterThan(0.85);
    for (const status of ['rejected', 'failed', 'cancelled']) expect(share(status)).toBeGreaterThan(0.005);
    for (const { order } of seeded) expect(order.reason === null).toBe(order.status === 'completed');
  });

  it('were placed over the span and all came out before its end, each in a sensible order of events', () => {
    for (const { order, processed, consumedAt } of seeded) {
      const processedAt = new Date(processed.occurredAt);
      expect(order.createdAt.getTime()).toBeGreaterThanOrEqual(plan.end.getTime() - SEED_SPAN_MS);
      expect(processedAt.getTime() - order.createdAt.getTime()).toBe(processed.processingMs);
      expect(order.updatedAt.getTime()).toBeGreaterThan(processedAt.getTime());
      expect(consumedAt.getTime()).toBeGreaterThan(processedAt.getTime());
      expect(consumedAt.getTime()).toBeLessThan(plan.end.getTime());
    }
    const created = seeded.map((s) => s.order.createdAt.getTime());
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it('carry the events the system would have published, at increasing offsets of their partition', async () => {
    const sent: string[] = [];
    const producer = {
      send: async ({ messages }: ProducerRecord) => void sent.push(String(messages[0]!.value)),
    } as unknown as Producer;
    const { publishOrderProcessed } = createOrderEventsActivities({ producer });
    const last = new Map<number, number>();
    for (const s of seeded.slice(0, 50)) {
      expect(OrderCreatedV1.parse(s.created)).toEqual(orderCreatedEvent(s.order));
      const { processed } = s;
      await publishOrderProcessed({
        ...processed,
        acceptedAt: s.order.createdAt.toISOString(),
      });
      expect(OrderProcessedV1.parse(JSON.parse(sent.at(-1)!))).toEqual(processed);
      expect(s.partition).toBeLessThan(plan.partitions);
      expect(s.createdOffset).toBeGreaterThan(last.get(s.partition) ?? -1);
      last.set(s.partition, s.createdOffset);
    }
  });
});
