import { z } from 'zod';
import { kafkaTransport, type TRANSPORT_ENV } from '../transport';
import { ConfigError, type EnvOf } from './env';
import type { LOCAL_SERVER_PORTS } from './local-servers';
import { hostPort, upTo } from './values';

export const kafkaEnv = {
  KAFKA_BROKERS: z.string().trim().min(1).optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('order-pipeline'),
  KAFKA_TOPIC_PARTITIONS: upTo(1000).default(6),
  KAFKA_REPLICATION_FACTOR: upTo(10).default(1),
  KAFKA_RETENTION_DAYS: upTo(3650).default(30),
  KAFKA_DLQ_RETENTION_DAYS: upTo(3650).default(90),
};

function brokerList(given: string | undefined, localPort: number): string[] {
  const brokers = (given ?? `127.0.0.1:${localPort}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const bad = brokers.find((b) => !hostPort.safeParse(b).success);
  if (bad !== undefined) {
    throw new ConfigError([
      `KAFKA_BROKERS: expected a comma-separated list of host:port (received ${JSON.stringify(given)}; bad entry ${JSON.stringify(bad)})`,
    ]);
  }
  return brokers;
}

export function kafkaSection(
  e: EnvOf<typeof kafkaEnv & typeof TRANSPORT_ENV & Pick<typeof LOCAL_SERVER_PORTS, 'STACK_KAFKA_PORT'>>,
) {
  return {
    brokers: brokerList(e.KAFKA_BROKERS, e.STACK_KAFKA_PORT),
    /** TLS and SASL (core/transport.ts); plaintext when unset. */
    transport: kafkaTransport(e),
    clientId: e.KAFKA_CLIENT_ID,
    topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: e.KAFKA_REPLICATION_FACTOR,
    /**
     * How long the topics keep messages, set explicitly on every topic by provisioning. Long, because
     * order-created is what reconciliation re-reads and a dead letter waits for an operator; exactly once does
     * not depend on it (the bridge asks the order store before starting anything).
     */
    retentionDays: { events: e.KAFKA_RETENTION_DAYS, deadLetters: e.KAFKA_DLQ_RETENTION_DAYS },
    /** true when KAFKA_BROKERS was given: the local stack does not start a broker. */
    external: e.KAFKA_BROKERS !== undefined,
  };
}
