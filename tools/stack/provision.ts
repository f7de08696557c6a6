import type { Config } from '../../core/config';
import { loadStackConfig } from './config';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/logger';
import { ensureSearchAttributes, openTemporalConnection } from '../../core/temporal/connection';
import { ALL_TOPICS, isDlqTopic } from '../../contracts/topics';

/**
 * What the system needs to exist on its servers before any process runs: the Kafka topics (and their
 * dead-letter twins) and the Temporal search attributes. Idempotent; run by `stack up` and, in
 * docker-compose, by the one-shot `init` service.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
/** Twice Kafka's default limit (1 MiB): a message as large as its topic allows still fits with its DLQ headers. */
const DLQ_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/**
 * Every topic's retention, set explicitly rather than left to a broker's default (7 days on most), and the dead-letter
 * topics' message size.
 */
export function topicSettings(kafka: Config['kafka']): (topic: string) => Record<string, string> {
  return (topic): Record<string, string> => {
    if (!isDlqTopic(topic)) {
      return { 'cleanup.policy': 'delete', 'retention.ms': String(kafka.retentionDays.events * DAY_MS) };
    }
    return {
      'cleanup.policy': 'delete',
      'retention.ms': String(kafka.retentionDays.deadLetters * DAY_MS),
      // A dead letter is its message plus headers saying why: room for the largest message a topic takes.
      'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES),
    };
  };
}

/** Creates the missing topics and brings every topic's retention to the configured one; says what it did. */
export async function provisionKafka(config: Config): Promise<string[]> {
  return ensureTopics(createKafka(config.kafka), ALL_TOPICS, {
    partitions: config.kafka.topicPartitions,
    replicationFactor: config.kafka.replicationFactor,
    settings: topicSettings(config.kafka),
  });
}

export async function provisionTemporal(config: Config): Promise<string[]> {
  const connection = await openTemporalConnection(config.temporal);
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    return added.map((name) => `search attribute ${name}`);
  } finally {
    await connection.close();
  }
}

async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  deadline: number,
  onRetry: (err: unknown) => void,
): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      onRetry(err);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

async function main(): Promise<void> {
  const config = loadStackConfig();
  const logger = createLogger('provision', config.logLevel);
  const deadline = Date.now() + config.stack.readyTimeoutMs;
  const done = await Promise.all([
    retrying(
      'kafka',
      () => provisionKafka(config),
      deadline,
      (err) => logger.warn({ err }, 'kafka not ready, retrying'),
    ),
    retrying(
      'temporal',
      () => provisionTemporal(config),
      deadline,
      (err) => logger.warn({ err }, 'temporal not ready, retrying'),
    ),
  ]);
  logger.info({ created: done.flat() }, 'provisioned');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`provision failed: ${(err as Error).message}`);
    process.exit(1);
  });
}
