import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventConsumer } from '../../core/kafka/event-consumer';
import { EventValidationError, parseEventMessage, type AnyEvent } from '../../contracts/events';
import { closeServer, listen } from '../../core/http/server';
import { isDatabaseError } from '../../core/mongo/connection';
import { createReadiness, kafkaAdminAccess, kafkaCheck, mongoCheck } from '../../core/readiness';
import { TOPICS } from '../../contracts/topics';
import type { ServiceContext } from '../../core/service';
import type { KAFKA, MONGO } from '../../core/connections';
import { createAnalyticsApp } from './app';
import { remoteTokenVerifier, type TokenVerifier } from '../../core/http/auth';
import { createAnalyticsStore, type AnalyticsStore } from './store';
import { recordOutcome } from './metrics';

/** Its connections are opened by the runner (main.ts), or by a test. */
export interface AnalyticsServiceDeps extends ServiceContext<{ db: typeof MONGO; kafka: typeof KAFKA }> {
  /** Overrides for tests: private topics and group, port 0. */
  topics?: { orderCreated: string; orderProcessed: string };
  groupId?: string;
  port?: number;
  /** Tests verify tokens of their own issuer; otherwise the configured JWKS. */
  verifyToken?: TokenVerifier;
}

export interface AnalyticsService {
  url: string;
  store: AnalyticsStore;
  consumer: EventConsumer<AnyEvent>;
  stop(): Promise<void>;
}

/**
 * The analytics service, wired: one consumer group over `order-created` and `order-processed` applies every event
 * to per-order facts and rollups exactly once in effect (store.ts), and a small REST API reports from them.
 */
export async function startAnalyticsService(deps: AnalyticsServiceDeps): Promise<AnalyticsService> {
  const { config, logger, kafka, db } = deps;
  const topics = deps.topics ?? TOPICS;
  const groupId = deps.groupId ?? config.analytics.groupId;
  const typeOf = new Map<string, 'order-created' | 'order-processed'>([
    [topics.orderCreated, 'order-created'],
    [topics.orderProcessed, 'order-processed'],
  ]);

  const store = createAnalyticsStore(db);
  await store.createIndexes();
  const kafkaAdmin = kafka.admin();
  const adminAccess = kafkaAdminAccess(kafkaAdmin);
  // Rollup positions are per cluster and topic: the offsets of a recreated cluster start again at 0.
  const clusterId = await adminAccess(async (admin) => (await admin.describeCluster()).clusterId);

  const consumer = new EventConsumer<AnyEvent>({
    kafka,
    logger,
    name: 'analytics',
    groupId,
    topics: [...typeOf.keys()],
    ...config.consumers,
    parse: (message, { topic }) => {
      const type = typeOf.get(topic);
      if (!type) throw new EventValidationError([`no event type for topic ${topic}`], '');
      return parseEventMessage(type, message);
    },
    handle: async (event, position) => {
      const outcome = await store.apply(event, { stream: `${clusterId}/${position.topic}`, ...position });
      recordOutcome(event, outcome);
      return outcome;
    },
    // A fetched batch of a partition is applied with a write per collection, rather than per message.
    handleBatch: async (messages) => {
      const items = messages.map(({ value, position }) => ({
        event: value,
        source: { stream: `${clusterId}/${position.topic}`, ...position },
      }));
      const outcomes = await store.applyBatch(items);
      for (const [i, { event }] of items.entries()) recordOutcome(event, outcomes[i]!);
      return outcomes;
    },
    // Any database error is waited out, never dead-lettered: a message replayed from the DLQ arrives at another
    // position and would count as a duplicate of its own half-applied first attempt.
    classify: (err) => (isDatabaseError(err) ? 'unavailable' : 'transient'),
  });
  const app = createAnalyticsApp({
    store,
    logger,
    verifyToken: deps.verifyToken ?? remoteTokenVerifier(config.auth),
    http: config.http,
    metricsToken: config.metrics.token,
    readiness: createReadiness({
      checks: { kafka: kafkaCheck(adminAccess), mongo: mongoCheck(db) },
      lag: { access: adminAccess, groupId, topics: [...typeOf.keys()] },
    }),
  });

  let server: Server | undefined;
  const stop = async () => {
    if (server) await closeServer(server);
    await consumer.stop();
    await kafkaAdmin.disconnect().catch(() => undefined);
  };
  try {
    await consumer.start();
    server = await listen(app, config.analytics.host, deps.port ?? config.analytics.port);
  } catch (err) {
    await stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url =
    deps.port === undefined ? config.analytics.publicUrl : `http://${config.analytics.host}:${port}`;
  return { url, store, consumer, stop };
}
