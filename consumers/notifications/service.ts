import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { EventConsumer, type ConsumedMessage } from '../../core/kafka/event-consumer';
import { parseEventMessage, type OrderProcessedV1 } from '../../contracts/events';
import { closeServer, listen } from '../../core/http/server';
import { databaseFailure } from '../../core/mongo/connection';
import {
  createReadiness,
  kafkaAdminAccess,
  kafkaCheck,
  mongoCheck,
  type KafkaAdminAccess,
} from '../../core/readiness';
import { TOPICS } from '../../contracts/topics';
import type { ServiceContext } from '../../core/service';
import type { KAFKA, MONGO } from '../../core/connections';
import type { Config } from '../../core/config';
import { createAddressPolicy } from '../../core/net/address-policy';
import { ownAddresses } from '../../core/net/own-addresses';
import { systemResolve, type Resolve, type TargetRules } from '../../core/net/public-target';
import { createNotificationsApp } from './app';
import { WebhookDispatcher } from './dispatcher';
import { LiveFeed } from './live-feed';
import { createNotificationIndexes } from './models';
import { createNotificationStore, storeOutcome } from './store';
import { notificationStreams, type NotificationStreams } from './stream';
import { createWebhookRegistry } from './webhooks';
import { notificationScope } from './access';
import { streamTickets } from './tickets';
import { remoteTokenVerifier, type TokenVerifier } from '../../core/http/auth';
import { webhookKeyring } from './webhook-secrets';
import { trackSseClients } from './metrics';

/** Its connections are opened by the runner (main.ts), or by a test. */
export interface NotificationServiceDeps extends ServiceContext<{ db: typeof MONGO; kafka: typeof KAFKA }> {
  /** Overrides for tests: a private topic and group, port 0. */
  topic?: string;
  groupId?: string;
  port?: number;
  /** Tests verify tokens of their own issuer; otherwise the configured JWKS. */
  verifyToken?: TokenVerifier;
  /** Resolves webhook hosts, at registration and when connecting; the system resolver by default. */
  resolve?: Resolve;
}

export interface NotificationService {
  url: string;
  streams: NotificationStreams;
  consumer: EventConsumer<OrderProcessedV1>;
  stop(): Promise<void>;
}

/**
 * The notification service, wired: a durable consumer (its group shared by every replica) stores each
 * notification once and queues its webhook deliveries, a fetched batch at a time; a live feed per replica pushes
 * them, once stored, to the SSE clients connected here; a dispatcher sends the webhooks.
 */
export async function startNotificationService(deps: NotificationServiceDeps): Promise<NotificationService> {
  const { config, logger, kafka, db } = deps;
  const settings = config.notifications;
  const topic = deps.topic ?? TOPICS.orderProcessed;
  const groupId = deps.groupId ?? settings.groupId;
  // Before anything else: without its keys the service could neither store nor sign a webhook secret.
  const keyring = webhookKeyring(settings.webhooks.secretKeys);
  const targets = webhookTargets(config, deps.resolve ?? systemResolve);

  await createNotificationIndexes(db);
  const store = createNotificationStore(db);
  const { timeoutMs, maxAttempts, backoff, pollMs, concurrency } = settings.webhooks;
  const webhooks = createWebhookRegistry(db, {
    keyring,
    targets,
    maxPerCustomer: settings.webhooks.maxPerCustomer,
    rotationGraceMs: settings.webhooks.secretRotationGraceMs,
  });
  const adopted = await webhooks.adoptPendingDeliveries();
  if (adopted > 0) logger.info({ adopted }, 'pending webhook deliveries put in the outbox');
  const dispatcher = new WebhookDispatcher({
    connection: db,
    logger: logger.child({ component: 'webhooks' }),
    keyring,
    targets,
    options: {
      timeoutMs,
      maxAttempts,
      backoff,
      pollMs,
      concurrency,
      // Longer than a request may take, so no other replica sends the attempt while this one still might.
      leaseMs: timeoutMs * 2 + 5_000,
    },
  });
  const kafkaAdmin = kafka.admin();
  const adminAccess = kafkaAdminAccess(kafkaAdmin);
  const feed = new LiveFeed({
    kafka,
    logger,
    topic,
    groupPrefix: groupId,
    store,
    handled: (partition, offset) => committedPast(adminAccess, groupId, topic, partition, offset),
  });
  /** Stores the messages' notifications, queues their deliveries, and hands them to this replica's live feed. */
  const notify = async (messages: readonly ConsumedMessage<OrderProcessedV1>[]) => {
    const stored = await store.storeMany(
      messages.map(({ value, position }) => ({ event: value, source: position })),
    );
    const queued = stored.map(({ notification, created }, i) => ({
      notification,
      fresh: created,
      trace: messages[i]!.trace,
    }));
    if ((await webhooks.enqueueAll(queued)) > 0) dispatcher.wake();
    feed.stored(stored.map(({ notification }) => notification));
    return stored.map(({ notification, created }, i) =>
      storeOutcome(notification, created, messages[i]!.position),
    );
  };
  const consumer = new EventConsumer<OrderProcessedV1>({
    kafka,
    logger,
    name: 'notifications',
    groupId,
    topics: [topic],
    ...config.consumers,
    parse: (message) => parseEventMessage('order-processed', message),
    handle: async (value, position) => (await notify([{ value, position, trace: context.active() }]))[0]!,
    // A fetched batch of a partition is stored with a write per collection, rather than per message.
    handleBatch: notify,
    classify: databaseFailure,
  });
  const scope = notificationScope(store.ownerOf);
  const streams = notificationStreams({
    feed,
    store,
    heartbeatMs: settings.heartbeatMs,
    logger,
    scope,
    limits: settings.streamLimits,
  });
  const untrackSse = trackSseClients(streams.count);
  const app = createNotificationsApp({
    store,
    webhooks,
    streams,
    logger,
    scope,
    http: config.http,
    verifyToken: deps.verifyToken ?? remoteTokenVerifier(config.auth),
    tickets: streamTickets(db),
    metricsToken: config.metrics.token,
    readiness: createReadiness({
      checks: { kafka: kafkaCheck(adminAccess), mongo: mongoCheck(db) },
      lag: { access: adminAccess, groupId, topics: [topic] },
    }),
  });

  const started: (() => Promise<void>)[] = [];
  const stop = async () => {
    untrackSse();
    streams.closeAll();
    for (const undo of started.reverse()) await undo().catch((err: unknown) => logger.error({ err }, 'stop'));
    await kafkaAdmin.disconnect().catch(() => undefined);
  };
  let server: Server;
  try {
    await feed.start();
    started.push(() => feed.stop());
    await consumer.start();
    started.push(() => consumer.stop());
    dispatcher.start();
    started.push(() => dispatcher.stop());
    server = await listen(app, settings.host, deps.port ?? settings.port);
    started.push(() => closeServer(server));
  } catch (err) {
    await stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = deps.port === undefined ? settings.publicUrl : `http://${settings.host}:${port}`;
  return { url, streams, consumer, stop };
}

/** Whether `groupId` has committed past `offset` on the partition: it handled that message. */
async function committedPast(
  access: KafkaAdminAccess,
  groupId: string,
  topic: string,
  partition: number,
  offset: number,
): Promise<boolean> {
  const [committed] = await access((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  const at = committed?.partitions.find((p) => p.partition === partition);
  return at !== undefined && Number(at.offset) > offset;
}

/**
 * Where webhooks may point: public addresses only, never this machine or the system's own services, unless
 * WEBHOOK_ALLOWED_CIDRS lets a range through (local testing).
 */
function webhookTargets(config: Config, resolve: Resolve): TargetRules {
  const { allowHttp, allowedCidrs } = config.notifications.webhooks.targets;
  const listenHosts = [config.api.host, config.notifications.host, config.analytics.host];
  return {
    policy: createAddressPolicy({ allowedCidrs, ownAddresses: ownAddresses(listenHosts) }),
    allowHttp,
    resolve,
  };
}
