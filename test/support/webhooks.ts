/**
 * What the webhook suites share: customers' endpoints on 127.0.0.1, host names resolved from a table of the tests'
 * own, order-processed events, and the notification store, webhook registry and dispatcher on a database of their own.
 */
import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../core/config';
import type { OrderProcessedV1 } from '../../contracts/events';
import { generateKey, parseKeyring } from '../../core/crypto/keyring';
import { createLogger } from '../../core/logger';
import { connectMongo } from '../../core/mongo/connection';
import { createAddressPolicy } from '../../core/net/address-policy';
import type { TargetRules } from '../../core/net/public-target';
import {
  createNotificationIndexes,
  outboxModel,
  webhookDeliveryModel,
  type WebhookDeliveryDoc,
} from '../../consumers/notifications/models';
import { createNotificationStore, type NotificationStore } from '../../consumers/notifications/store';
import { WebhookDispatcher, type DispatcherOptions } from '../../consumers/notifications/dispatcher';
import {
  createWebhookRegistry,
  type WebhookRegistry,
  type WebhookRegistryOptions,
} from '../../consumers/notifications/webhooks';
import { until } from './until';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number | 'never';
}

/**
 * Host names the tests use, resolved from this table only (real DNS is never asked). While `registering` is set a
 * name may resolve to a public address, for registration's check; at any other time every name resolves to
 * 127.0.0.1, so no delivery in these tests can ever connect anywhere but this machine's loopback listeners.
 */
export const dns = {
  registering: false,
  publicAtRegistration: new Set<string>(),
  async resolve(hostname: string): Promise<LookupAddress[]> {
    const address = dns.registering && dns.publicAtRegistration.has(hostname) ? '93.184.216.34' : '127.0.0.1';
    return [{ address, family: 4 }];
  },
};

/** Registers while the table answers with public addresses, then turns them back to loopback. */
export async function registerWhilePublic<T>(register: () => Promise<T>): Promise<T> {
  dns.registering = true;
  try {
    return await register();
  } finally {
    dns.registering = false;
  }
}

/** What the test receivers listen on: http on 127.0.0.1, let through explicitly as local setups do. */
export const loopbackAllowed: TargetRules = {
  policy: createAddressPolicy({ allowedCidrs: ['127.0.0.1/32'] }),
  allowHttp: true,
  resolve: dns.resolve,
};

export const headersOf = (r: Received) => r.headers as Record<string, string>;

/** A customer's endpoint on 127.0.0.1: `answer(n)` is the status of the n-th request (1-based), or never. */
export async function endpoint(answer: (n: number) => number | 'never') {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(requests.length + 1);
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      if (status !== 'never') res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/orders`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deliveries happen within milliseconds here: poll often, and give up soon. */
export const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) =>
  until(what, probe, { timeoutMs: 10_000, everyMs: 20 });

export function processed(customerId: string): OrderProcessedV1 {
  const orderId = randomUUID();
  return {
    eventId: randomUUID(),
    type: 'order-processed',
    version: 1,
    occurredAt: new Date().toISOString(),
    orderId,
    customerId,
    status: 'completed',
    reason: null,
    currency: 'GBP',
    totalCents: 100,
    items: [],
    processingMs: 80,
    workflowId: `order-${orderId}`,
    runId: randomUUID(),
  };
}

let root: Connection;
export let db: Connection;
export let store: NotificationStore;
export let registry: WebhookRegistry;
let offset = 0;
const logger = createLogger('webhooks-test', 'silent');
export const keyring = parseKeyring(`k1:${generateKey()}`, 'WEBHOOK_SECRET_KEYS');
export const registryOptions: WebhookRegistryOptions = {
  keyring,
  targets: loopbackAllowed,
  maxPerCustomer: 10,
  rotationGraceMs: 60_000,
};
const options: DispatcherOptions = {
  pollMs: 20,
  concurrency: 4,
  timeoutMs: 2_000,
  maxAttempts: 5,
  backoff: { initialMs: 50, maxMs: 200 },
  leaseMs: 5_000,
};
export const dispatcher = (
  overrides: Partial<DispatcherOptions> = {},
  targets: TargetRules = loopbackAllowed,
) =>
  new WebhookDispatcher({
    connection: db,
    logger,
    keyring,
    targets,
    options: { ...options, ...overrides },
  });
export const delivery = (id: string) => webhookDeliveryModel(db).findById(id).lean<WebhookDeliveryDoc>();
export const notify = async (customerId: string) =>
  (
    await store.store(processed(customerId), {
      topic: 'order-processed',
      partition: 0,
      offset: String(offset++),
    })
  ).notification;

/**
 * Before the calling describe's tests, a database of their own with the notification store and the webhook registry
 * on it; after each test, nothing left pending; after them all, the database dropped. The suites import `db`,
 * `store` and `registry` as live bindings, so they read them as they are once set.
 */
export function useWebhookDatabase(): void {
  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_notif_${randomUUID().slice(0, 8)}`, { useCache: false });
    await createNotificationIndexes(db);
    store = createNotificationStore(db);
    registry = createWebhookRegistry(db, registryOptions);
  });

  // Each test's dispatcher polls the whole outbox: leave nothing in flight for the next one.
  afterEach(async () => {
    await outboxModel(db).deleteMany({});
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });
}
