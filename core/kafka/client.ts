import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Config } from '../config';
import type { Logger } from '../logger';

// kafkajs warns about its v2 partitioner change on every producer; the default (murmur2, Java-compatible) is wanted.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Answers a broker gives while it is starting, or moving a group's coordinator or a partition's leader. kafkajs logs
 * each such response as an error and then retries it, as it should: they are expected (every fresh Kafka gives them
 * for its first seconds), so they are logged at debug; a request that keeps failing still fails loudly upstream.
 */
const TRANSIENT_BROKER_ANSWERS: ReadonlySet<string> = new Set([
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
]);

/** The pino level of a kafkajs log entry. */
export function kafkaLogLevel({ namespace, level, log }: LogEntry): 'error' | 'warn' | 'info' | 'debug' {
  const error = (log as { error?: unknown }).error;
  if (namespace === 'Connection' && typeof error === 'string' && TRANSIENT_BROKER_ANSWERS.has(error))
    return 'debug';
  return LEVELS[level] ?? 'info';
}

/** kafkajs logs through the process logger instead of its own console format. */
function kafkaLogCreator(logger: Logger) {
  return () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    logger[kafkaLogLevel(entry)]({ namespace: entry.namespace, ...extra }, message);
  };
}

export function createKafka(
  config: Config['kafka'],
  logger?: Logger,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    ...(logger ? { logCreator: kafkaLogCreator(logger) } : {}),
    ...overrides,
  });
}

/**
 * Creates the topics that are missing, leaves existing ones alone, and returns the names it created.
 * A topic created by another process in between counts as present.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  opts: { partitions: number; replicationFactor: number },
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((t) => !existing.has(t))
      .map((topic) => ({
        topic,
        numPartitions: opts.partitions,
        replicationFactor: opts.replicationFactor,
      }));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    }
    return missing.map((m) => m.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Per topic, the messages a consumer group has not committed yet: the log end minus the committed offset (minus the
 * log start where the group has committed nothing).
 */
export async function consumerLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<Record<string, { total: number; partitions: Record<string, number> }>> {
  const [ends, committed] = await Promise.all([
    Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic))),
    admin.fetchOffsets({ groupId, topics: [...topics] }),
  ]);
  const lag: Record<string, { total: number; partitions: Record<string, number> }> = {};
  topics.forEach((topic, i) => {
    const commits = new Map(
      (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [
        p.partition,
        Number(p.offset),
      ]),
    );
    const partitions: Record<string, number> = {};
    let total = 0;
    for (const { partition, high, low } of ends[i]!) {
      const commit = commits.get(partition) ?? -1;
      const n = Math.max(0, Number(high) - (commit >= 0 ? commit : Number(low)));
      partitions[String(partition)] = n;
      total += n;
    }
    lag[topic] = { total, partitions };
  });
  return lag;
}
