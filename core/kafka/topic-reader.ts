import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadMessage {
  partition: number;
  message: KafkaMessage;
}

/** Per partition, where to start (inclusive) and stop (exclusive). */
export type Range = Map<number, { from: bigint; to: bigint }>;

/**
 * Where reading begins: the earliest retained message, the first at or after a time, an offset (the same in every
 * partition, for a one-partition topic or a rough cut), or an offset per partition (the earliest for one not listed).
 */
export type Start =
  { beginning: true } | { time: Date } | { offset: bigint } | { offsets: ReadonlyMap<number, bigint> };

async function positions(kafka: Kafka, topic: string, start: Start, end?: Date): Promise<Range> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const atTime = async (time: Date) =>
      new Map(
        (await admin.fetchTopicOffsetsByTimestamp(topic, time.getTime())).map((p) => [
          p.partition,
          BigInt(p.offset),
        ]),
      );
    const startAt = 'time' in start ? await atTime(start.time) : undefined;
    const endAt = end ? await atTime(end) : undefined;
    const range: Range = new Map();
    for (const { partition, low, high } of ends) {
      let from =
        'offset' in start
          ? start.offset
          : 'offsets' in start
            ? (start.offsets.get(partition) ?? BigInt(low))
            : (startAt?.get(partition) ?? BigInt(low));
      // No message at or after the time: the partition's end.
      if (from < 0n) from = BigInt(high);
      if (from < BigInt(low)) from = BigInt(low);
      let to = endAt?.get(partition) ?? BigInt(high);
      if (to < 0n || to > BigInt(high)) to = BigInt(high);
      if (from < to) range.set(partition, { from, to });
    }
    return range;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a slice of a topic, as it is now, with a throwaway consumer group that commits nothing and is deleted
 * afterwards: an operator's read must not move any service's offsets. Calls `each` in offset order per partition.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { start: Start; end?: Date },
  each: (read: ReadMessage) => Promise<void>,
): Promise<number> {
  const range = await positions(kafka, topic, opts.start, opts.end);
  if (range.size === 0) return 0;
  const groupId = `ops-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let count = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const pending = new Set(range.keys());
    await new Promise<void>((resolve, reject) => {
      let sought = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (sought) return;
        sought = true;
        for (const [partition, { from }] of range)
          consumer.seek({ topic, partition, offset: from.toString() });
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const bounds = range.get(partition);
            if (!bounds || !pending.has(partition)) return;
            const offset = BigInt(message.offset);
            if (offset < bounds.from) return;
            if (offset < bounds.to) {
              await each({ partition, message });
              count++;
            }
            if (offset + 1n >= bounds.to) {
              pending.delete(partition);
              if (pending.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return count;
}
