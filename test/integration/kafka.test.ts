import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../core/config';
import { createKafka, ensureTopics } from '../../core/kafka/client';

const config = loadConfig();

interface Received {
  key: string;
  value: string;
  partition: number;
}

/**
 * A consumer that "processes" (records) each message and only then commits its offset, as every consumer of the
 * system must. Resolves `until(n)` once n messages were processed.
 */
async function startConsumer(kafka: Kafka, groupId: string, topic: string) {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
    },
  });
  return {
    received,
    consumer,
    until: (n: number, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${n} messages arrived`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

describe('Kafka (real broker)', () => {
  const kafka = createKafka(config.kafka);
  const admin = kafka.admin();
  const topic = `it-kafka-${randomUUID()}`;
  const groupId = `it-group-${randomUUID()}`;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  const batch = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ key: `order-${(from + i) % 7}`, value: `event-${from + i}` }));

  it('delivers exactly the produced keys and values to a consumer group, and committed offsets survive a restart', async () => {
    const first = batch(0, 42);
    const acks = await producer.send({ topic, acks: -1, messages: first });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    const run1 = await startConsumer(kafka, groupId, topic);
    await run1.until(first.length);
    await run1.consumer.disconnect();

    // Exactly what was produced: nothing lost, nothing duplicated.
    expect(run1.received.map(({ key, value }) => ({ key, value })).sort(byValue)).toEqual(
      [...first].sort(byValue),
    );
    // Same key, same partition, in production order.
    for (const key of new Set(first.map((m) => m.key))) {
      const ofKey = run1.received.filter((r) => r.key === key);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      expect(ofKey.map((r) => r.value)).toEqual(first.filter((m) => m.key === key).map((m) => m.value));
    }

    // The group's committed offsets cover every message of the first run.
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedTotal = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committedTotal).toBe(first.length);

    // After a restart the group resumes after its committed offsets: only the new messages arrive.
    const second = batch(100, 9);
    await producer.send({ topic, acks: -1, messages: second });
    const run2 = await startConsumer(kafka, groupId, topic);
    await run2.until(second.length);
    // Give a re-read of old messages every chance to show up before judging.
    await new Promise((r) => setTimeout(r, 2_000));
    await run2.consumer.disconnect();
    expect(run2.received.map(({ key, value }) => ({ key, value })).sort(byValue)).toEqual(
      [...second].sort(byValue),
    );
  });

  it('ensureTopics creates a topic with its settings, and brings an existing one to them, keeping its others', async () => {
    const fresh = `it-kafka-settings-${randomUUID()}`;
    const old = `it-kafka-settings-${randomUUID()}`;
    const DAY = 86_400_000;
    // An existing topic left at a short retention, with an override of its own that must survive.
    await admin.createTopics({
      topics: [
        {
          topic: old,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: String(DAY) },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    try {
      const settings = () => ({ 'retention.ms': String(30 * DAY) });
      const first = await ensureTopics(kafka, [fresh, old], {
        partitions: 1,
        replicationFactor: 1,
        settings,
      });
      expect(first).toEqual([`topic ${fresh}`, `${old} retention.ms=${30 * DAY}`]);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [fresh, old].map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      const value = (topic: string, name: string) =>
        resources.find((r) => r.resourceName === topic)!.configEntries.find((e) => e.configName === name)
          ?.configValue;
      expect(value(fresh, 'retention.ms')).toBe(String(30 * DAY));
      expect(value(old, 'retention.ms')).toBe(String(30 * DAY));
      expect(value(old, 'max.message.bytes')).toBe('2000000');
      // Already as asked: nothing to do.
      expect(
        await ensureTopics(kafka, [fresh, old], { partitions: 1, replicationFactor: 1, settings }),
      ).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [fresh, old] }).catch(() => undefined);
    }
  });

  it('refuses a non-idempotent acknowledgement mode on the idempotent producer', async () => {
    await expect(producer.send({ topic, acks: 1, messages: [{ key: 'k', value: 'v' }] })).rejects.toThrow(
      /idempotent/i,
    );
  });
});

function byValue(a: { value: string }, b: { value: string }): number {
  return a.value.localeCompare(b.value);
}
