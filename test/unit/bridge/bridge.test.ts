import { ServiceError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type {
  ConsumerRunConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Offsets,
  ProducerRecord,
} from 'kafkajs';
import pino from 'pino';
import { OrderBridge } from '../../../bridge/bridge';
import type { OrderStatus } from '../../../contracts/events';
import type { StartStore } from '../../../domain/orders/start-order';
import type { WorkflowStarter } from '../../../domain/orders/workflow-start';
import type { ProcessOrderInput } from '../../../contracts/order-workflow';
import { orderCreatedEvent, orderCreatedMessage, rawMessage } from '../../support/order-events';

const TOPIC = 'order-created';
const PARTITION = 2;

/**
 * A Kafka whose consumer hands its eachBatch handler to the test, and a journal of what the bridge did in
 * order (start attempts, resolved offsets, commits, dead letters), which is what the commit rules are about.
 */
function harness(
  startBehaviour: (orderId: string, attempt: number) => Promise<void>,
  backoff = { initialMs: 1, maxMs: 4 },
  /** What the order store says of an order; every order is stored and in flight unless a test says otherwise. */
  status: (orderId: string) => Promise<OrderStatus | null> = async () => 'accepted',
  /** How the delete of an order's outbox entry goes, once its start is done. */
  deleteEntry: (orderId: string) => Promise<void> = async () => undefined,
) {
  const journal: string[] = [];
  /** Orders whose outbox entry the bridge deleted, in order. */
  const entriesDeleted: string[] = [];
  const orders: StartStore = {
    startState: async (orderId) => {
      const stored = await status(orderId);
      return stored === null ? null : { status: stored, legacy: false };
    },
    markStarted: async (orderId) => {
      await deleteEntry(orderId);
      entriesDeleted.push(orderId);
    },
  };
  const dlq: ProducerRecord[] = [];
  let runConfig: ConsumerRunConfig | undefined;
  let running = true;
  const attempts = new Map<string, number>();

  const kafka = {
    consumer: () => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: ConsumerRunConfig) => {
        runConfig = config;
      },
      disconnect: async () => {
        running = false;
      },
    }),
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async (record: ProducerRecord) => {
        dlq.push(record);
        journal.push(`dlq ${record.messages[0]!.headers!['dlq-original-offset']}`);
        return [];
      },
    }),
  } as unknown as Kafka;

  const client: WorkflowStarter = {
    withDeadline: (_deadline, fn) => fn(),
    workflow: {
      start: async (_type, options) => {
        const { orderId } = options.args[0] as ProcessOrderInput;
        const attempt = (attempts.get(orderId) ?? 0) + 1;
        attempts.set(orderId, attempt);
        journal.push(`start ${orderId} #${attempt}`);
        await startBehaviour(orderId, attempt);
      },
    },
  };

  const bridge = new OrderBridge({
    kafka,
    client,
    orders,
    logger: pino({ level: 'silent' }),
    groupId: 'unit-bridge',
    partitionsConcurrency: 4,
    backoff,
  });

  const runBatch = (messages: KafkaMessage[]) => {
    if (!runConfig?.eachBatch) throw new Error('bridge not started');
    const payload = {
      batch: { topic: TOPIC, partition: PARTITION, messages },
      resolveOffset: (offset: string) => journal.push(`resolve ${offset}`),
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async (offsets?: Offsets) => {
        const p = offsets?.topics[0]?.partitions[0];
        journal.push(`commit ${offsets?.topics[0]?.topic}/${p?.partition}@${p?.offset}`);
      },
      isRunning: () => running,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    return runConfig.eachBatch(payload);
  };

  return { bridge, journal, dlq, attempts, entriesDeleted, runBatch, runConfig: () => runConfig };
}

const unavailable = () =>
  new ServiceError('Failed to start Workflow', {
    cause: Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), {
      code: 14,
      details: 'connect ECONNREFUSED',
      metadata: {},
    }),
  });

describe('OrderBridge (fake Kafka and Temporal)', () => {
  it('consumes with manual commits, batches resolved by hand, and bounded partition concurrency', async () => {
    const h = harness(async () => undefined);
    await h.bridge.start();
    expect(h.runConfig()).toMatchObject({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
    });
  });

  it('starts each order in partition order, dead-letters invalid events, and commits only what is done', async () => {
    const a = orderCreatedEvent();
    const b = orderCreatedEvent();
    const h = harness(async () => undefined);
    await h.bridge.start();
    await h.runBatch([
      orderCreatedMessage(a, '10'),
      rawMessage(b.orderId, 'not json', '11'),
      orderCreatedMessage(b, '12'),
    ]);

    expect(h.journal).toEqual([
      `start ${a.orderId} #1`,
      'resolve 10',
      'dlq 11',
      'resolve 11',
      `start ${b.orderId} #1`,
      'resolve 12',
      `commit ${TOPIC}/${PARTITION}@13`,
    ]);
    expect(h.bridge.stats()).toEqual({
      started: 2,
      alreadyStarted: 0,
      alreadyFinal: 0,
      deadLettered: 1,
      retried: 0,
    });
    // Started: their outbox entries are done with.
    expect(h.entriesDeleted).toEqual([a.orderId, b.orderId]);
  });

  it('counts an existing workflow as done', async () => {
    const a = orderCreatedEvent();
    const h = harness(async () => {
      throw new WorkflowExecutionAlreadyStartedError('already started', `order-${a.orderId}`, 'processOrder');
    });
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '0')]);
    expect(h.journal).toEqual([`start ${a.orderId} #1`, 'resolve 0', `commit ${TOPIC}/${PARTITION}@1`]);
    expect(h.bridge.stats()).toMatchObject({ started: 0, alreadyStarted: 1 });
    // A start whose entry delete was lost (a crash after the start): deleted now.
    expect(h.entriesDeleted).toEqual([a.orderId]);
  });

  it('starts nothing for an order whose stored outcome is final, whatever Temporal still remembers', async () => {
    const done = orderCreatedEvent();
    const fresh = orderCreatedEvent();
    const h = harness(
      async () => undefined,
      undefined,
      async (orderId) => (orderId === done.orderId ? 'completed' : 'accepted'),
    );
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(done, '3'), orderCreatedMessage(fresh, '4')]);
    expect(h.journal).toEqual([
      'resolve 3',
      `start ${fresh.orderId} #1`,
      'resolve 4',
      `commit ${TOPIC}/${PARTITION}@5`,
    ]);
    expect(h.bridge.stats()).toEqual({
      started: 1,
      alreadyStarted: 0,
      alreadyFinal: 1,
      deadLettered: 0,
      retried: 0,
    });
    expect(h.entriesDeleted).toEqual([done.orderId, fresh.orderId]);
  });

  it('dead-letters an order-created whose order the store does not have, and starts nothing for it', async () => {
    const stranger = orderCreatedEvent();
    const h = harness(
      async () => undefined,
      undefined,
      async () => null,
    );
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(stranger, '6')]);
    expect(h.journal).toEqual(['dlq 6', 'resolve 6', `commit ${TOPIC}/${PARTITION}@7`]);
    expect(h.dlq[0]!.messages[0]!.headers!['dlq-error']).toBe(
      `UnknownOrderError: no order ${stranger.orderId} in the order store`,
    );
    expect(h.entriesDeleted).toEqual([]);
  });

  it('commits an offset only once the outbox entry of the started order is deleted, waiting out a store outage', async () => {
    const a = orderCreatedEvent();
    let deletes = 0;
    const h = harness(
      async (_orderId, attempt) => {
        if (attempt > 1)
          throw new WorkflowExecutionAlreadyStartedError(
            'already started',
            `order-${a.orderId}`,
            'processOrder',
          );
      },
      undefined,
      undefined,
      async () => {
        deletes += 1;
        if (deletes <= 2)
          throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoNetworkError' });
      },
    );
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '5')]);
    // Started once; the retries find it started and delete the entry then. Nothing is committed before.
    expect(h.journal).toEqual([
      `start ${a.orderId} #1`,
      `start ${a.orderId} #2`,
      `start ${a.orderId} #3`,
      'resolve 5',
      `commit ${TOPIC}/${PARTITION}@6`,
    ]);
    expect(h.entriesDeleted).toEqual([a.orderId]);
    expect(h.bridge.stats()).toMatchObject({ started: 0, alreadyStarted: 1, retried: 2, deadLettered: 0 });
  });

  it('waits out an order store that does not answer, then starts the order', async () => {
    const a = orderCreatedEvent();
    let asked = 0;
    const h = harness(
      async () => undefined,
      undefined,
      async () => {
        asked += 1;
        if (asked <= 7) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoNetworkError' });
        return 'accepted';
      },
    );
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '2')]);
    expect(h.journal).toEqual([`start ${a.orderId} #1`, 'resolve 2', `commit ${TOPIC}/${PARTITION}@3`]);
    expect(h.dlq).toHaveLength(0);
    expect(h.bridge.stats()).toMatchObject({ started: 1, retried: 7 });
  });

  it('retries a transient failure and resolves the message only once the start succeeded', async () => {
    const a = orderCreatedEvent();
    const h = harness(async (_orderId, attempt) => {
      if (attempt < 3) throw unavailable();
    });
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '5')]);
    expect(h.journal).toEqual([
      `start ${a.orderId} #1`,
      `start ${a.orderId} #2`,
      `start ${a.orderId} #3`,
      'resolve 5',
      `commit ${TOPIC}/${PARTITION}@6`,
    ]);
    expect(h.bridge.stats()).toEqual({
      started: 1,
      alreadyStarted: 0,
      alreadyFinal: 0,
      deadLettered: 0,
      retried: 2,
    });
  });

  it('waits out a start error of unknown kind like an outage: never dead-letters the order, however many attempts', async () => {
    const failing = orderCreatedEvent();
    const next = orderCreatedEvent();
    // Not a definite "this request is invalid": the order is acknowledged, so it waits rather than leave for the DLQ.
    const h = harness(async (orderId, attempt) => {
      if (orderId === failing.orderId && attempt <= 8) throw new Error('starter is broken');
    });
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(failing, '7'), orderCreatedMessage(next, '8')]);

    expect(h.journal).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `start ${failing.orderId} #${i + 1}`),
      'resolve 7',
      `start ${next.orderId} #1`,
      'resolve 8',
      `commit ${TOPIC}/${PARTITION}@9`,
    ]);
    expect(h.dlq).toHaveLength(0);
    expect(h.bridge.stats()).toEqual({
      started: 2,
      alreadyStarted: 0,
      alreadyFinal: 0,
      deadLettered: 0,
      retried: 8,
    });
  });

  it('never dead-letters while Temporal is unavailable: retries until it is back', async () => {
    const a = orderCreatedEvent();
    let failures = 0;
    const h = harness(async () => {
      if (failures < 6) {
        failures++;
        throw unavailable();
      }
    });
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '4')]);
    expect(h.journal.filter((j) => j.startsWith('start'))).toHaveLength(7);
    expect(h.journal.slice(-2)).toEqual(['resolve 4', `commit ${TOPIC}/${PARTITION}@5`]);
    expect(h.dlq).toHaveLength(0);
  });

  it('dead-letters at once a start the server rejects as invalid', async () => {
    const a = orderCreatedEvent();
    const h = harness(async () => {
      throw new ServiceError('Failed to start Workflow', {
        cause: Object.assign(new Error('3 INVALID_ARGUMENT: memo too large'), {
          code: 3,
          details: 'memo too large',
          metadata: {},
        }),
      });
    });
    await h.bridge.start();
    await h.runBatch([orderCreatedMessage(a, '0')]);
    expect(h.journal).toEqual([
      `start ${a.orderId} #1`,
      'dlq 0',
      'resolve 0',
      `commit ${TOPIC}/${PARTITION}@1`,
    ]);
  });

  it('on stop while retrying, leaves the failing message and everything after it uncommitted', async () => {
    const done = orderCreatedEvent();
    const failing = orderCreatedEvent();
    const after = orderCreatedEvent();
    let failed: () => void = () => undefined;
    const firstFailure = new Promise<void>((resolve) => (failed = resolve));
    // A long backoff: only stop() can end the wait early.
    const h = harness(
      async (orderId) => {
        if (orderId !== failing.orderId) return;
        failed();
        throw unavailable();
      },
      { initialMs: 60_000, maxMs: 60_000 },
    );
    await h.bridge.start();

    const batch = h.runBatch([
      orderCreatedMessage(done, '20'),
      orderCreatedMessage(failing, '21'),
      orderCreatedMessage(after, '22'),
    ]);
    await firstFailure;
    const stoppedAt = Date.now();
    await h.bridge.stop();
    await batch;

    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(h.journal).toEqual([
      `start ${done.orderId} #1`,
      'resolve 20',
      `start ${failing.orderId} #1`,
      `commit ${TOPIC}/${PARTITION}@21`,
    ]);
    expect(h.bridge.stats()).toEqual({
      started: 1,
      alreadyStarted: 0,
      alreadyFinal: 0,
      deadLettered: 0,
      retried: 1,
    });
  });
});
