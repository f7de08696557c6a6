import type { Kafka } from 'kafkajs';
import type { Logger } from '../logger';

/**
 * Commits the log ends for a group that has committed nothing on a topic, before it joins: it then starts exactly
 * there, and its lag is known from the first moment (a consumer left to reset to "latest" by itself would pick
 * its own moment, and report no commits meanwhile). A group that has committed on a topic keeps its offsets.
 */
export async function startNewGroupAtEnd(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  log: Logger,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      if (partitions.every((p) => Number(p.offset) < 0)) {
        // Explicit offsets: kafkajs' resetOffsets commits -1, which a consumer reads as "no commit".
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
        });
        log.info({ topic }, 'new consumer group starts at the end of the topic');
      }
    }
  } finally {
    await admin.disconnect();
  }
}
