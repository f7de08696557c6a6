/**
 * The stale-order sweep (and `reconcile --stale`) starting an order's workflow long after its request: the start
 * belongs to the order's trace, stored with the order, not to a new one.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../../core/config';
import { connectMongo } from '../../../core/mongo/connection';
import { connectTemporal } from '../../../core/temporal/connection';
import { readSpans } from '../../../core/tracing/trace-files';
import { traceCarrier } from '../../../core/tracing/propagation';
import { startTracing } from '../../../core/tracing/setup';
import { inSpan, ORDER_ID } from '../../../core/tracing/spans';
import { orderModel, type OrderModel } from '../../../domain/orders/order-model';
import { orderStore } from '../../../domain/orders/order-store';
import { outboxModel } from '../../../domain/orders/outbox';
import { reconcileStale } from '../../../domain/orders/stale';
import { orderCreatedEvent, storedOrder } from '../../support/order-events';

const RUN = randomUUID().slice(0, 8);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-trace-'));
const config = loadConfig({ ...process.env, OTEL_TRACES_EXPORTER: 'file', TRACES_DIR: dir });
const tracing = startTracing('it-stale-sweep', config.tracing);

describe('a stale order started by the sweep', () => {
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let mongo: Connection;
  let db: Connection;
  let orders: OrderModel;
  let workflowId: string | undefined;

  beforeAll(async () => {
    temporal = await connectTemporal(config.temporal);
    mongo = await connectMongo(config.mongo);
    db = mongo.useDb(`it_stale_trace_${RUN}`, { useCache: false });
    orders = orderModel(db);
  });

  afterAll(async () => {
    if (workflowId) {
      await temporal.client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
    await temporal?.connection.close();
    await db?.dropDatabase();
    await mongo?.close();
    await tracing.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('continues the trace of the request that placed it, stored with the order', async () => {
    const event = orderCreatedEvent();
    // The request that placed the order, 20 minutes ago: its span's context is what the API stores.
    const { carrier, traceId, spanId } = await inSpan('POST /orders', {}, async (span) => ({
      carrier: traceCarrier(),
      ...span.spanContext(),
    }));
    const placed = new Date(Date.now() - 20 * 60_000);
    // Published, but its order-created was dead-lettered: no workflow, so the sweep starts one.
    await outboxModel(db).create({ _id: event.orderId, createdAt: placed, publishedAt: placed });
    await orders.create({
      ...storedOrder(event, { requestHash: 'it-stale-trace', createdAt: placed }),
      traceContext: carrier,
    });

    // No worker polls this queue: the run only has to be started.
    const starter = { client: temporal.client, taskQueue: `it-stale-trace-${RUN}`, startTimeoutMs: 10_000 };
    const report = await reconcileStale(orderStore(db), starter, { olderThanMs: 10 * 60_000, limit: 10 });
    expect(report).toEqual({ stale: 1, requeued: 0, started: 1, alreadyStarted: 0 });
    workflowId = `order-${event.orderId}`;

    await tracing.processor.forceFlush();
    const spans = readSpans(dir).filter((s) => s.traceId === traceId);
    const restart = spans.find((s) => s.name === 'restart stale order');
    expect(restart).toMatchObject({
      parentSpanId: spanId,
      attributes: { [ORDER_ID]: event.orderId, 'order.start.outcome': 'started' },
    });
    // The Temporal client's span, whose context travels in the workflow's headers to the worker's spans.
    expect(spans).toContainEqual(
      expect.objectContaining({ name: 'StartWorkflow:processOrder', parentSpanId: restart!.spanId }),
    );
  });
});
