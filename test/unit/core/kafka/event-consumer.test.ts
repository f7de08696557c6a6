import { trace } from '@opentelemetry/api';
import type {
  ConsumerRunConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Offsets,
  ProducerRecord,
} from 'kafkajs';
import pino from 'pino';
import { parseEventMessage, type OrderCreatedV1 } from '../../../../contracts/events';
import {
  EventConsumer,
  type ConsumedMessage,
  type HandlerFailure,
} from '../../../../core/kafka/event-consumer';
import { orderCreatedEvent, orderCreatedMessage, rawMessage } from '../../../support/order-events';

const TOPIC = 'order-created';
const PARTITION = 1;

class Outage extends Error {}

/**
 * An EventConsumer with `handleBatch`, on a Kafka whose consumer hands its eachBatch handler to the test, and a
 * journal of what it did in order: the batches and single messages applied, resolved offsets, commits, dead letters.
 */
function harness(apply: {
  batch: (offsets: string[], attempt: number) => Promise<void>;
  one?: (offset: string, attempt: number) => Promise<void>;
  maxBatchSize?: number;
}) {
  const journal: string[] = [];
  const consumed: ConsumedMessage<OrderCreatedV1>[][] = [];
  let runConfig: ConsumerRunConfig | undefined;
  let running = true;
  const attempts = new Map<string, number>();
  const attempt = (key: string) => {
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    return attempts.get(key)!;
  };
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
        journal.push(`dlq ${record.messages[0]!.headers!['dlq-original-offset']}`);
        return [];
      },
    }),
  } as unknown as Kafka;

  const consumer = new EventConsumer<OrderCreatedV1>({
    kafka,
    logger: pino({ level: 'silent' }),
    name: 'unit',
    groupId: 'unit-group',
    topics: [TOPIC],
    partitionsConcurrency: 1,
    maxAttempts: 2,
    maxBatchSize: apply.maxBatchSize,
    backoff: { initialMs: 1, maxMs: 2 },
    parse: (message) => parseEventMessage('order-created', message),
    handle: async (_event, { offset }) => {
      const n = attempt(`one ${offset}`);
      await apply.one?.(offset, n);
      journal.push(`one ${offset}`);
      return 'applied';
    },
    handleBatch: async (messages) => {
      const offsets = messages.map((m) => m.position.offset);
      await apply.batch(offsets, attempt(`batch ${offsets.join(',')}`));
      consumed.push([...messages]);
      journal.push(`batch ${offsets.join(',')}`);
      return messages.map(() => 'applied');
    },
    classify: (err): HandlerFailure => (err instanceof Outage ? 'unavailable' : 'transient'),
  });

  const runBatch = (messages: KafkaMessage[]) => {
    if (!runConfig?.eachBatch) throw new Error('not started');
    return runConfig.eachBatch({
      batch: { topic: TOPIC, partition: PARTITION, messages },
      resolveOffset: (offset: string) => journal.push(`resolve ${offset}`),
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async (offsets?: Offsets) => {
        journal.push(`commit @${offsets?.topics[0]?.partitions[0]?.offset}`);
      },
      isRunning: () => running,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  };
  return { consumer, journal, consumed, runBatch, stop: () => (running = false) };
}

const messages = (n: number, from = 10) =>
  Array.from({ length: n }, (_, i) => orderCreatedMessage(orderCreatedEvent(), String(from + i)));

describe('EventConsumer with handleBatch (fake Kafka)', () => {
  it('applies consecutive messages together, at most maxBatchSize at a time, committing only what is done', async () => {
    const h = harness({ batch: async () => undefined, maxBatchSize: 3 });
    await h.consumer.start();
    await h.runBatch(messages(5));

    expect(h.journal).toEqual(['batch 10,11,12', 'resolve 12', 'batch 13,14', 'resolve 14', 'commit @15']);
    expect(h.consumer.stats()).toMatchObject({ applied: 5, deadLettered: 0 });
  });

  it('dead-letters an invalid message at once and applies the valid ones around it together', async () => {
    const h = harness({ batch: async () => undefined });
    await h.consumer.start();
    const [a, b] = messages(2);
    await h.runBatch([a!, rawMessage('k', 'not json', '11'), { ...b!, offset: '12' }]);

    expect(h.journal).toEqual(['dlq 11', 'batch 10,12', 'resolve 12', 'commit @13']);
    expect(h.consumer.stats()).toMatchObject({ applied: 2, deadLettered: 1 });
  });

  it('gives each message the context of its own consumer span', async () => {
    const h = harness({ batch: async () => undefined });
    await h.consumer.start();
    const fetched = messages(2);
    await h.runBatch(fetched);

    const [first, second] = h.consumed[0]!;
    expect(first!.value).toEqual(parseEventMessage('order-created', fetched[0]!));
    expect(first!.position).toEqual({ topic: TOPIC, partition: PARTITION, offset: '10' });
    expect(trace.getSpan(first!.trace)).toBeDefined();
    expect(trace.getSpan(first!.trace)).not.toBe(trace.getSpan(second!.trace));
  });

  it('waits out an outage, retrying the whole batch, and commits nothing until it is applied', async () => {
    const h = harness({
      batch: async (_offsets, attempt) => {
        if (attempt < 3) throw new Outage('database unreachable');
      },
    });
    await h.consumer.start();
    await h.runBatch(messages(3));

    expect(h.journal).toEqual(['batch 10,11,12', 'resolve 12', 'commit @13']);
    expect(h.consumer.stats()).toMatchObject({ applied: 3, retried: 2 });
  });

  it('after any other failure applies the messages one by one, dead-lettering alone the one that keeps failing', async () => {
    const h = harness({
      batch: async () => {
        throw new Error('a bug one message triggers');
      },
      one: async (offset) => {
        if (offset === '11') throw new Error('a bug one message triggers');
      },
    });
    await h.consumer.start();
    await h.runBatch(messages(3));

    expect(h.journal).toEqual(['one 10', 'dlq 11', 'one 12', 'resolve 12', 'commit @13']);
    expect(h.consumer.stats()).toMatchObject({ applied: 2, deadLettered: 1 });
  });

  it('stopped while waiting out an outage: nothing of the batch is resolved or committed', async () => {
    const h = harness({
      batch: async () => {
        h.stop();
        throw new Outage('database unreachable');
      },
      maxBatchSize: 2,
    });
    await h.consumer.start();
    await h.runBatch(messages(2));

    expect(h.journal).toEqual([]);
  });
});
