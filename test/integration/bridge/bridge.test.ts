import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { KafkaMessage, Message } from 'kafkajs';
import pino from 'pino';
import { OrderBridge, type BridgeDeps } from '../../../bridge/bridge';
import type { WorkflowStarter } from '../../../domain/orders/workflow-start';
import { loadConfig } from '../../../core/config';
import { readDlqHeaders } from '../../../core/kafka/dlq';
import { eventHeaders, type OrderCreatedV1 } from '../../../contracts/events';
import { createKafka } from '../../../core/kafka/client';
import { CUSTOMER_ID, ORDER_STATUS } from '../../../contracts/search-attributes';
import { connectTemporal } from '../../../core/temporal/connection';
import { ENCRYPTED_ENCODING, payloadCodec } from '../../../core/temporal/payload-codec';
import type { ProcessOrderInput } from '../../../contracts/order-workflow';
import type { Connection as MongoConnection } from 'mongoose';
import { parseEvent } from '../../../contracts/events';
import { connectMongo } from '../../../core/mongo/connection';
import { orderModel, type OrderModel } from '../../../domain/orders/order-model';
import { orderStore } from '../../../domain/orders/order-store';
import { outboxModel, type OutboxModel } from '../../../domain/orders/outbox';
import { orderCreatedEvent, storedOrder } from '../../support/order-events';

const config = loadConfig();

interface LogLine {
  msg: string;
  orderId?: string;
  [field: string]: unknown;
}

/** Polls until `ok` holds; fails with the last value seen, so a timeout says how far it got. */
async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  let last: T | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    last = await probe();
    if (ok(last)) return last;
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** A TCP port on 127.0.0.1 that nothing listens on: a Temporal frontend that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The real client, except that starts of the chosen orders go to a Temporal that is down (real gRPC failures:
 * connection refused until the deadline) for as long as `outage` says.
 */
function flakyStarter(real: Client, down: Client | Error, outage: (orderId: string) => boolean) {
  const calls = new Map<string, number>();
  const starter: WorkflowStarter = {
    // The deadline must reach whichever connection the call goes through.
    withDeadline: (deadline, fn) =>
      real.withDeadline(deadline, () => (down instanceof Error ? fn() : down.withDeadline(deadline, fn))),
    workflow: {
      start: async (type, options) => {
        const { orderId } = options.args[0] as ProcessOrderInput;
        calls.set(orderId, (calls.get(orderId) ?? 0) + 1);
        if (!outage(orderId)) return real.workflow.start(type, options);
        if (down instanceof Error) throw down;
        return down.workflow.start(type, options);
      },
    },
  };
  return { starter, calls: (orderId: string) => calls.get(orderId) ?? 0 };
}

describe('OrderBridge (real Kafka and Temporal)', () => {
  const runId = randomUUID();
  const topic = `it-bridge-${runId}`;
  const dlq = `${topic}.dlq`;
  const groupId = `it-bridge-${runId}`;
  const dlqReaderGroupId = `it-bridge-dlq-reader-${runId}`;
  // Nobody polls this queue: started workflows wait there until afterAll terminates them.
  const taskQueue = `it-bridge-${runId}`;

  const kafka = createKafka(config.kafka);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  const dlqReader = kafka.consumer({ groupId: dlqReaderGroupId });
  const deadLetters: KafkaMessage[] = [];
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });

  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let mongo: MongoConnection;
  let db: MongoConnection;
  /** The order store the bridge asks before starting anything: every produced order is stored first. */
  let orders: OrderModel;
  /** Their outbox entries, which the bridge deletes once it started their workflow. */
  let outbox: OutboxModel;
  let downConnection: Connection;
  let downClient: Client;
  let bridge: OrderBridge | undefined;
  /** Messages produced to the topic, which the group's committed offsets must cover. */
  let produced = 0;
  /** Every workflow id the test may have caused, terminated in afterAll. */
  const workflowIds = new Set<string>();

  async function startBridge(overrides: Partial<BridgeDeps> = {}): Promise<OrderBridge> {
    await bridge?.stop();
    bridge = new OrderBridge({
      kafka,
      client: temporal.client,
      orders: orderStore(db),
      logger,
      groupId,
      partitionsConcurrency: 3,
      topic,
      taskQueue,
      backoff: { initialMs: 50, maxMs: 200 },
      ...overrides,
    });
    await bridge.start();
    return bridge;
  }

  /** Stores the order of an event as the API would have, its outbox entry as the relay leaves it: published. */
  async function store(event: OrderCreatedV1): Promise<void> {
    const entry = { createdAt: new Date(event.occurredAt), publishedAt: new Date() };
    await outbox.updateOne({ _id: event.orderId }, { $setOnInsert: entry }, { upsert: true });
    await orders.updateOne(
      { _id: event.orderId },
      {
        $setOnInsert: storedOrder(event, { requestHash: 'it-bridge', createdAt: new Date(event.occurredAt) }),
      },
      { upsert: true },
    );
  }

  /** Produces one message (a valid order-created's order stored first) and returns where the broker put it. */
  async function produce(message: Message): Promise<{ partition: number; offset: string }> {
    try {
      await store(parseEvent('order-created', message.value as string));
    } catch {
      // Not a valid event: there is no order to store, and the bridge dead-letters it.
    }
    const [ack] = await producer.send({ topic, acks: -1, messages: [message] });
    produced++;
    return { partition: ack!.partition, offset: ack!.baseOffset! };
  }

  function eventMessage(event: OrderCreatedV1, partition?: number): Message {
    workflowIds.add(`order-${event.orderId}`);
    return { key: event.orderId, value: JSON.stringify(event), headers: eventHeaders(event), partition };
  }

  async function committed(): Promise<Map<number, number>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  }
  const committedTotal = async () => [...(await committed()).values()].reduce((a, b) => a + b, 0);

  async function runsOf(workflowId: string): Promise<WorkflowExecutionInfo[]> {
    const runs: WorkflowExecutionInfo[] = [];
    for await (const run of temporal.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      runs.push(run);
    }
    return runs;
  }

  const stats = () => bridge!.stats();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [topic, dlq].map((t) => ({ topic: t, numPartitions: 3, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    await producer.connect();
    temporal = await connectTemporal(config.temporal);
    mongo = await connectMongo(config.mongo);
    db = mongo.useDb(`it_bridge_${runId.replace(/-/g, '')}`, { useCache: false });
    orders = orderModel(db);
    outbox = outboxModel(db);
    downConnection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
    downClient = new Client({ connection: downConnection, namespace: config.temporal.namespace });
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: dlq, fromBeginning: true });
    await dlqReader.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
  });

  afterAll(async () => {
    await bridge?.stop();
    await dlqReader.disconnect();
    await producer.disconnect();
    const terminations = await Promise.allSettled(
      [...workflowIds].map((id) =>
        temporal.client.workflow.getHandle(id).terminate('integration test cleanup'),
      ),
    );
    await admin.deleteTopics({ topics: [topic, dlq] });
    await admin.deleteGroups([groupId, dlqReaderGroupId]);
    await admin.disconnect();
    await downConnection.close();
    await temporal.connection.close();
    await db.dropDatabase();
    await mongo.close();
    // Never started, or already terminated by a test: both fine. Anything else would leak a running workflow.
    const leaks = terminations.filter(
      (t) => t.status === 'rejected' && !(t.reason instanceof WorkflowNotFoundError),
    );
    expect(leaks).toEqual([]);
  });

  const events = Array.from({ length: 30 }, (_, i) =>
    orderCreatedEvent({
      customerId: `it-customer-${i % 7}`,
      currency: (['EUR', 'USD', 'GBP'] as const)[i % 3],
      items: [
        {
          sku: `SKU-${i}`,
          name: 'Thing',
          quantity: i + 1,
          unitPriceCents: 250,
          lineTotalCents: 250 * (i + 1),
        },
      ],
      totalCents: 250 * (i + 1),
    }),
  );

  it('(a) starts exactly one workflow per event, with its input, search attributes, memo and summary', async () => {
    await startBridge();
    await Promise.all(events.map(store));
    await producer.send({ topic, acks: -1, messages: events.map((e) => eventMessage(e)) });
    produced += events.length;

    await eventually('30 starts', stats, (s) => s.started === events.length);
    expect(stats()).toEqual({ started: 30, alreadyStarted: 0, alreadyFinal: 0, deadLettered: 0, retried: 0 });
    expect(await outbox.countDocuments({ _id: { $in: events.map((e) => e.orderId) } })).toBe(0); // started

    for (const event of events) {
      const handle = temporal.client.workflow.getHandle(`order-${event.orderId}`);
      const description = await handle.describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.taskQueue).toBe(taskQueue);
      expect(description.typedSearchAttributes.get(CUSTOMER_ID)).toBe(event.customerId);
      expect(description.typedSearchAttributes.get(ORDER_STATUS)).toBe('processing');
      expect(description.memo).toEqual({
        orderId: event.orderId,
        customerId: event.customerId,
        totalCents: event.totalCents,
        currency: event.currency,
        items: 1,
      });
      expect(await description.staticSummary()).toBe(
        `Order 1 item, ${(event.totalCents / 100).toFixed(2)} ${event.currency} for customer ${event.customerId}`,
      );

      const history = await handle.fetchHistory();
      const [input] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      // Stored encrypted; the codec reads it back.
      expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      const [decoded] = await payloadCodec(config.temporal).decode([input!]);
      expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({
        orderId: event.orderId,
        customerId: event.customerId,
        email: event.email,
        currency: event.currency,
        items: event.items,
        totalCents: event.totalCents,
        acceptedAt: event.occurredAt,
      });
    }

    for (const event of events) {
      const runs = await eventually(
        `visibility of order-${event.orderId}`,
        () => runsOf(`order-${event.orderId}`),
        (r) => r.length > 0,
      );
      expect(runs).toHaveLength(1);
    }
    const startedLines = logs.filter((l) => l.msg === 'workflow started');
    expect(startedLines.map((l) => l.orderId).sort()).toEqual(events.map((e) => e.orderId).sort());
  });

  it('(b) a redelivered event starts no second run, whether the first is still running or closed', async () => {
    const [event] = events;
    const workflowId = `order-${event!.orderId}`;

    await produce(eventMessage(event!));
    await eventually('already-started', stats, (s) => s.alreadyStarted === 1);

    await temporal.client.workflow.getHandle(workflowId).terminate('closing the run before a redelivery');
    await produce(eventMessage(event!));
    await eventually('already-started after close', stats, (s) => s.alreadyStarted === 2);

    expect(stats()).toEqual({ started: 30, alreadyStarted: 2, alreadyFinal: 0, deadLettered: 0, retried: 0 });
    const runs = await runsOf(workflowId);
    expect(runs.map((r) => r.status.name)).toEqual(['TERMINATED']);
    expect(
      logs.filter((l) => l.msg === 'workflow already started' && l.orderId === event!.orderId),
    ).toHaveLength(2);
  });

  it('(c) dead-letters malformed and schema-invalid messages with origin and reason, then keeps going', async () => {
    const notJsonKey = randomUUID();
    const { items: _items, ...withoutItems } = orderCreatedEvent();
    const after = orderCreatedEvent();
    const before = Date.now();

    const notJson = await produce({ key: notJsonKey, value: '{"orderId": oops', partition: 0 });
    const invalid = await produce({
      key: withoutItems.orderId,
      value: JSON.stringify(withoutItems),
      headers: { 'event-type': 'order-created' },
      partition: 0,
    });
    await produce(eventMessage(after, 0));
    workflowIds.add(`order-${withoutItems.orderId}`);

    await eventually(
      '2 dead letters',
      () => deadLetters.length,
      (n) => n === 2,
    );
    await eventually('the start after them', stats, (s) => s.started === 31);
    expect(stats()).toMatchObject({ deadLettered: 2 });

    const byKey = new Map(deadLetters.map((m) => [m.key!.toString(), m]));
    const notJsonLetter = byKey.get(notJsonKey)!;
    expect(notJsonLetter.value!.toString()).toBe('{"orderId": oops');
    const notJsonHeaders = readDlqHeaders(notJsonLetter.headers);
    expect(notJsonHeaders).toMatchObject({
      originalTopic: topic,
      originalPartition: 0,
      originalOffset: notJson.offset,
      consumer: groupId,
    });
    expect(notJsonHeaders.error).toMatch(/not JSON/);

    const invalidLetter = byKey.get(withoutItems.orderId)!;
    expect(invalidLetter.value!.toString()).toBe(JSON.stringify(withoutItems));
    expect(invalidLetter.headers!['event-type']!.toString()).toBe('order-created');
    const invalidHeaders = readDlqHeaders(invalidLetter.headers);
    expect(invalidHeaders).toMatchObject({
      originalTopic: topic,
      originalPartition: 0,
      originalOffset: invalid.offset,
      consumer: groupId,
    });
    expect(invalidHeaders.error).toMatch(/^EventValidationError: invalid event: items: /);
    for (const { failedAt } of [notJsonHeaders, invalidHeaders]) {
      expect(Date.parse(failedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(failedAt)).toBeLessThanOrEqual(Date.now());
    }

    expect((await temporal.client.workflow.getHandle(`order-${after.orderId}`).describe()).status.name).toBe(
      'RUNNING',
    );
    await expect(
      temporal.client.workflow.getHandle(`order-${withoutItems.orderId}`).describe(),
    ).rejects.toThrow(WorkflowNotFoundError);
  });

  it('(d) the group has committed every message it processed, to the end of each partition', async () => {
    await eventually('commits of every message', committedTotal, (n) => n === produced);
    const ends = await admin.fetchTopicOffsets(topic);
    const commits = await committed();
    for (const { partition, high } of ends) expect(commits.get(partition)).toBe(Number(high));
  });

  it('(e) a restarted bridge resumes after its commits: it re-processes nothing and starts only new orders', async () => {
    await startBridge();
    const fresh = orderCreatedEvent();
    await produce(eventMessage(fresh));

    await eventually('the new order', stats, (s) => s.started === 1);
    // Give any re-read of old messages every chance to show before judging.
    await sleep(2_000);
    expect(stats()).toEqual({ started: 1, alreadyStarted: 0, alreadyFinal: 0, deadLettered: 0, retried: 0 });
    expect(deadLetters).toHaveLength(2);
    await eventually('commits of every message', committedTotal, (n) => n === produced);
  });

  it('(f) retries a start while Temporal is unreachable, committing nothing past it, then succeeds', async () => {
    let outage = true;
    const failing = orderCreatedEvent();
    const next = orderCreatedEvent();
    const flaky = flakyStarter(temporal.client, downClient, (id) => outage && id === failing.orderId);
    await startBridge({ client: flaky.starter, startTimeoutMs: 1_000 });

    const failingAck = await produce(eventMessage(failing, 1));
    const nextAck = await produce(eventMessage(next, 1));
    await eventually(
      '3 failed attempts',
      () => flaky.calls(failing.orderId),
      (n) => n >= 3,
    );

    // Partition order holds and nothing at or after the failing offset is committed.
    expect((await committed()).get(1)).toBe(Number(failingAck.offset));
    await expect(temporal.client.workflow.getHandle(`order-${next.orderId}`).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    expect(logs.some((l) => l.msg === 'message failed; will retry' && l.orderId === failing.orderId)).toBe(
      true,
    );

    outage = false;
    await eventually('both starts', stats, (s) => s.started === 2);
    expect(stats().retried).toBeGreaterThanOrEqual(2);
    expect(stats()).toMatchObject({ alreadyStarted: 0, deadLettered: 0 });
    expect(await runsOf(`order-${failing.orderId}`)).toHaveLength(1);
    await eventually(
      'commit past both',
      async () => (await committed()).get(1),
      (o) => o === Number(nextAck.offset) + 1,
    );
  });

  it('(g) waits out a start error of unknown kind, past any attempt count, and dead-letters nothing', async () => {
    const stuck = orderCreatedEvent();
    const next = orderCreatedEvent();
    // Not Temporal being unavailable, nor a request it rejects as invalid: an acknowledged order still waits.
    const broken = new Error('Failed to start Workflow: the starter is broken');
    let failures = 0;
    const flaky = flakyStarter(temporal.client, broken, (id) => id === stuck.orderId && failures++ < 8);
    await startBridge({ client: flaky.starter, startTimeoutMs: 1_000 });

    const stuckAck = await produce(eventMessage(stuck, 2));
    await produce(eventMessage(next, 2));

    await eventually('both starts', stats, (s) => s.started === 2);
    expect(flaky.calls(stuck.orderId)).toBe(9);
    expect(stats()).toEqual({ started: 2, alreadyStarted: 0, alreadyFinal: 0, deadLettered: 0, retried: 8 });
    expect(deadLetters.some((m) => m.key!.toString() === stuck.orderId)).toBe(false);
    expect(await runsOf(`order-${stuck.orderId}`)).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'message failed; will retry' && l.orderId === stuck.orderId)).toBe(
      true,
    );
    await eventually(
      'commit past both',
      async () => (await committed()).get(2),
      (o) => o !== undefined && o > Number(stuckAck.offset) + 1,
    );
  });

  it('(h) never starts a finished order again, though Temporal has deleted its workflow and Kafka redelivers it', async () => {
    await startBridge();
    const event = orderCreatedEvent();
    const workflowId = `order-${event.orderId}`;
    await produce(eventMessage(event));
    await eventually(
      'its workflow',
      () => runsOf(workflowId),
      (runs) => runs.length === 1,
    );

    // The order finished (the workflow records the outcome just before it closes); later Temporal's retention
    // deleted the closed run, as `temporal workflow delete` does.
    await orders.updateOne({ _id: event.orderId }, { $set: { status: 'completed' } });
    await temporal.client.workflow.getHandle(workflowId).terminate('finished');
    await temporal.connection.workflowService.deleteWorkflowExecution({
      namespace: config.temporal.namespace,
      workflowExecution: { workflowId },
    });
    await eventually(
      'the deletion',
      () =>
        temporal.client.workflow
          .getHandle(workflowId)
          .describe()
          .then(
            () => 'still there',
            (e: Error) => e.name,
          ),
      (outcome) => outcome === 'WorkflowNotFoundError',
    );

    // The same order-created, read again (a replay, or a group whose offsets expired).
    const before = stats();
    await produce(eventMessage(event));
    await eventually('the redelivery handled', stats, (s) => s.alreadyFinal === before.alreadyFinal + 1);
    expect(stats().started).toBe(before.started);
    // Its entry (written again by produce, as a requeue would) is deleted all the same: nothing left to start.
    expect(await outbox.findById(event.orderId).lean()).toBeNull();
    await expect(temporal.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    expect(
      logs.some((l) => l.msg === 'order already final; not started again' && l.orderId === event.orderId),
    ).toBe(true);
  });
});
