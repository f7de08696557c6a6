import { kafkaClientOptions } from '../transport';
import {
  ConfigResourceTypes,
  ConfigSource,
  Kafka,
  logLevel,
  type Admin,
  type ITopicConfig,
  type KafkaConfig,
  type LogEntry,
} from 'kafkajs';
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
  'The group is rebalancing, so a rejoin is needed',
]);

/** The pino level of a kafkajs log entry. */
export function kafkaLogLevel({ namespace, level, log }: LogEntry): 'error' | 'warn' | 'info' | 'debug' {
  const error = (log as { error?: unknown }).error;
  if (namespace === 'Connection' && typeof error === 'string' && TRANSIENT_BROKER_ANSWERS.has(error))
    return 'debug';
  // A consumer that met one of them while joining its group restarts itself at once: worth a warning, no more.
  const crash = /^Crash: KafkaJS\w+Error: (.*)$/.exec(log.message);
  if (namespace === 'Consumer' && crash && TRANSIENT_BROKER_ANSWERS.has(crash[1]!)) return 'warn';
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
    ...kafkaClientOptions(config.transport),
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    ...(logger ? { logCreator: kafkaLogCreator(logger) } : {}),
    ...overrides,
  });
}

/**
 * Creates the topics that are missing and returns what it did: `topic <name>` for each created, `<name> <key>=<value>`
 * for each setting of an existing topic brought to what `settings` asks (retention, say); partitions and replication
 * of an existing topic are left alone. A topic created by another process in between counts as present.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  opts: {
    partitions: number;
    replicationFactor: number;
    /** Topic-level settings per topic, e.g. `{ 'retention.ms': '2592000000' }`. */
    settings?: (topic: string) => Record<string, string>;
  },
): Promise<string[]> {
  const settingsOf = (topic: string) => Object.entries(opts.settings?.(topic) ?? {});
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
        configEntries: settingsOf(topic).map(([name, value]) => ({ name, value })),
      }));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    }
    const done = missing.map((m) => `topic ${m.topic}`);

    const present = topics.filter((t) => existing.has(t) && settingsOf(t).length > 0);
    if (present.length > 0) {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      for (const { resourceName: topic, configEntries } of resources) {
        const current = new Map(configEntries.map((e) => [e.configName, e.configValue]));
        const changes = settingsOf(topic).filter(([name, value]) => current.get(name) !== value);
        if (changes.length === 0) continue;
        // Incremental in effect: every setting this system owns is named, the topic's others stay as they are.
        const keep = configEntries
          .filter(
            (e) => e.configSource === ConfigSource.TOPIC_CONFIG && !changes.some(([n]) => n === e.configName),
          )
          .map((e) => ({ name: e.configName, value: e.configValue }));
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configEntries: [...keep, ...changes.map(([name, value]) => ({ name, value }))],
            },
          ],
        });
        done.push(...changes.map(([name, value]) => `${topic} ${name}=${value}`));
      }
    }
    return done;
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
