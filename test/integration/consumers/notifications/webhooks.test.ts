import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../../../core/config';
import type { OrderProcessedV1 } from '../../../../contracts/events';
import { generateKey, parseKeyring } from '../../../../core/crypto/keyring';
import { createLogger } from '../../../../core/logger';
import { connectMongo } from '../../../../core/mongo/connection';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import type { TargetRules } from '../../../../core/net/public-target';
import {
  createNotificationIndexes,
  webhookDeliveryModel,
  type SealedSecret,
  type WebhookDeliveryDoc,
} from '../../../../consumers/notifications/models';
import { createNotificationStore, type NotificationStore } from '../../../../consumers/notifications/store';
import { WebhookDispatcher, type DispatcherOptions } from '../../../../consumers/notifications/dispatcher';
import { openSecret } from '../../../../consumers/notifications/webhook-secrets';
import {
  createWebhookRegistry,
  WebhookLimitError,
  type WebhookRegistry,
  type WebhookRegistryOptions,
} from '../../../../consumers/notifications/webhooks';
import { until } from '../../../support/until';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number | 'never';
}

/**
 * Host names the tests use, resolved from this table only (real DNS is never asked). While `registering` is set a
 * name may resolve to a public address, for registration's check; at any other time every name resolves to
 * 127.0.0.1, so no delivery in these tests can ever connect anywhere but this machine's loopback listeners.
 */
const dns = {
  registering: false,
  publicAtRegistration: new Set<string>(),
  async resolve(hostname: string): Promise<LookupAddress[]> {
    const address = dns.registering && dns.publicAtRegistration.has(hostname) ? '93.184.216.34' : '127.0.0.1';
    return [{ address, family: 4 }];
  },
};

/** Registers while the table answers with public addresses, then turns them back to loopback. */
async function registerWhilePublic<T>(register: () => Promise<T>): Promise<T> {
  dns.registering = true;
  try {
    return await register();
  } finally {
    dns.registering = false;
  }
}

/** What the test receivers listen on: http on 127.0.0.1, let through explicitly as local setups do. */
const loopbackAllowed: TargetRules = {
  policy: createAddressPolicy({ allowedCidrs: ['127.0.0.1/32'] }),
  allowHttp: true,
  resolve: dns.resolve,
};

const headersOf = (r: Received) => r.headers as Record<string, string>;

/** A customer's endpoint on 127.0.0.1: `answer(n)` is the status of the n-th request (1-based), or never. */
async function endpoint(answer: (n: number) => number | 'never') {
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
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) =>
  until(what, probe, { timeoutMs: 10_000, everyMs: 20 });

function processed(customerId: string): OrderProcessedV1 {
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

describe('webhook deliveries (real Mongo-wire server, real HTTP endpoints)', () => {
  let root: Connection;
  let db: Connection;
  let store: NotificationStore;
  let registry: WebhookRegistry;
  let offset = 0;
  const logger = createLogger('webhooks-test', 'silent');
  const keyring = parseKeyring(`k1:${generateKey()}`, 'WEBHOOK_SECRET_KEYS');
  const registryOptions: WebhookRegistryOptions = {
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
  const dispatcher = (overrides: Partial<DispatcherOptions> = {}, targets: TargetRules = loopbackAllowed) =>
    new WebhookDispatcher({
      connection: db,
      logger,
      keyring,
      targets,
      options: { ...options, ...overrides },
    });
  const delivery = (id: string) => webhookDeliveryModel(db).findById(id).lean<WebhookDeliveryDoc>();
  const notify = async (customerId: string) =>
    (
      await store.store(processed(customerId), {
        topic: 'order-processed',
        partition: 0,
        offset: String(offset++),
      })
    ).notification;

  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_notif_${randomUUID().slice(0, 8)}`, { useCache: false });
    await createNotificationIndexes(db);
    store = createNotificationStore(db);
    registry = createWebhookRegistry(db, registryOptions);
  });

  // Each test's dispatcher polls the whole queue: leave nothing pending for the next one.
  afterEach(async () => {
    await webhookDeliveryModel(db).updateMany({ status: 'pending' }, { $set: { status: 'failed' } });
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  it('registers public https webhooks, naming the field of anything else', async () => {
    const strict = createWebhookRegistry(db, {
      ...registryOptions,
      targets: { policy: createAddressPolicy(), allowHttp: false, resolve: dns.resolve },
    });
    dns.publicAtRegistration.add('hooks.example');
    const hook = await registerWhilePublic(() =>
      strict.registerWebhook({ customerId: 'c-reg', url: 'https://hooks.example/hook' }),
    );
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook.active).toBe(true);
    for (const url of [
      'ftp://example.com/hook',
      'not a url',
      '/relative',
      'javascript:alert(1)',
      'http://hooks.example/hook',
      'https://127.0.0.1/hook',
      'https://[::ffff:127.0.0.1]/hook',
    ]) {
      await expect(
        registerWhilePublic(() => strict.registerWebhook({ customerId: 'c-reg', url })),
      ).rejects.toMatchObject({ name: 'InvalidFieldError', field: 'url', received: url });
    }
    // Outside registration the name resolves to loopback: refused, saying so.
    await expect(
      strict.registerWebhook({ customerId: 'c-reg', url: 'https://hooks.example/other' }),
    ).rejects.toThrow('hooks.example resolves to 127.0.0.1, a loopback address');
    await expect(
      strict.registerWebhook({ customerId: 'c-reg', url: 'https://93.184.216.34/', secret: 'short' }),
    ).rejects.toMatchObject({ field: 'secret' });
    const listed = await strict.listWebhooks('c-reg');
    expect(listed.map((w) => w._id)).toEqual([hook._id]);
    expect(Object.keys(listed[0]!).sort()).toEqual(['_id', 'active', 'createdAt', 'customerId', 'url']);
  });

  it('stores secrets sealed, never in clear, bound to their webhook', async () => {
    const customerId = `c-sealed-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const a = await registry.registerWebhook({ customerId, url: receiver.url });
    const b = await registry.registerWebhook({ customerId, url: receiver.url });
    const raw = db.db!.collection<{ _id: string; secret: SealedSecret }>('webhooks');
    const stored = (await raw.findOne({ _id: a._id }))!;
    expect(Object.keys(stored.secret).sort()).toEqual(['data', 'iv', 'keyId']);
    const text = JSON.stringify(stored);
    expect(text).not.toContain(a.secret);
    expect(text).not.toContain(a.secret.slice('whsec_'.length));
    expect(openSecret(keyring, a._id, stored.secret)).toBe(a.secret);

    // A's sealed secret copied onto B: it does not open there, so B's deliveries are not signed with it.
    expect(() => openSecret(keyring, b._id, stored.secret)).toThrow();
    await raw.updateOne({ _id: b._id }, { $set: { secret: stored.secret } });
    await registry.deleteWebhook(a._id);
    const notification = await notify(customerId);
    expect(await registry.enqueueDeliveries(notification)).toBe(1);
    const worker = dispatcher({ maxAttempts: 1 });
    worker.start();
    const failed = await waitFor('the delivery to fail', async () => {
      const d = await delivery(`${notification._id}:${b._id}`);
      return d?.status === 'failed' ? d : undefined;
    });
    await worker.stop();
    await receiver.close();
    expect(failed.log).toEqual([
      expect.objectContaining({ error: 'not sent: the signing secret is unavailable' }),
    ]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('caps active webhooks per customer, even against concurrent registrations', async () => {
    const capped = createWebhookRegistry(db, { ...registryOptions, maxPerCustomer: 3 });
    const customerId = `c-cap-${randomUUID().slice(0, 8)}`;
    const url = 'http://127.0.0.1:9/hook';
    const first = await capped.registerWebhook({ customerId, url });
    await capped.registerWebhook({ customerId, url });
    await capped.registerWebhook({ customerId, url });
    await expect(capped.registerWebhook({ customerId, url })).rejects.toThrow(WebhookLimitError);
    await expect(capped.registerWebhook({ customerId, url })).rejects.toMatchObject({ max: 3, customerId });

    // A deleted one frees its place.
    await capped.deleteWebhook(first._id);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => capped.registerWebhook({ customerId, url })),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    expect(accepted.length).toBeLessThanOrEqual(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WebhookLimitError);
    expect((await capped.listWebhooks(customerId)).length).toBe(2 + accepted.length);
  });

  it('refuses, when connecting, a name that resolved to a public address at registration and now to 127.0.0.1', async () => {
    const customerId = `c-rebind-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const port = new URL(receiver.url).port;
    // No exception for loopback here: only http is let through, for the test listener.
    const strict: TargetRules = { policy: createAddressPolicy(), allowHttp: true, resolve: dns.resolve };
    const rebinding = createWebhookRegistry(db, { ...registryOptions, targets: strict });
    dns.publicAtRegistration.add('rebind.example');
    const webhook = await registerWhilePublic(() =>
      rebinding.registerWebhook({ customerId, url: `http://rebind.example:${port}/hook` }),
    );

    const notification = await notify(customerId);
    expect(await rebinding.enqueueDeliveries(notification)).toBe(1);
    const worker = dispatcher({ maxAttempts: 1 }, strict);
    worker.start();
    const failed = await waitFor('the delivery to be refused', async () => {
      const d = await delivery(`${notification._id}:${webhook._id}`);
      return d?.status === 'failed' ? d : undefined;
    });
    await worker.stop();
    await receiver.close();

    expect(receiver.requests).toHaveLength(0);
    expect(failed.log).toEqual([
      expect.objectContaining({
        attempt: 1,
        error:
          'not sent: rebind.example resolves to 127.0.0.1, a loopback address; ' +
          'webhooks may only target public addresses',
      }),
    ]);
    expect(failed.log[0]!.statusCode).toBeUndefined();
  });

  it('signs with the new and the previous secret during a rotation, then with the new one only', async () => {
    const customerId = `c-rotate-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const graceMs = 3_000;
    const rotating = createWebhookRegistry(db, { ...registryOptions, rotationGraceMs: graceMs });
    // Through a host name, so the lookup that checks addresses at connection time is on the path.
    const url = receiver.url.replace('127.0.0.1', 'receiver.example');
    const webhook = await rotating.registerWebhook({ customerId, url });
    const before = Date.now();
    const rotated = (await rotating.rotateSecret(webhook._id))!;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(webhook.secret);
    expect(rotated.previousSecretExpiresAt.getTime()).toBeGreaterThanOrEqual(before + graceMs);
    expect(await rotating.rotateSecret(randomUUID())).toBeUndefined();

    const worker = dispatcher();
    worker.start();
    const deliver = async () => {
      const notification = await notify(customerId);
      await rotating.enqueueDeliveries(notification);
      worker.wake();
      await waitFor('the delivery', async () =>
        (await delivery(`${notification._id}:${webhook._id}`))?.status === 'delivered' ? true : undefined,
      );
      return receiver.requests.at(-1)!;
    };

    const during = await deliver();
    expect(headersOf(during)['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(rotated.secret).verify(during.body, headersOf(during))).toBeTruthy();
    expect(new Webhook(webhook.secret).verify(during.body, headersOf(during))).toBeTruthy();

    await new Promise((r) =>
      setTimeout(r, Math.max(0, rotated.previousSecretExpiresAt.getTime() - Date.now())),
    );
    const after = await deliver();
    await worker.stop();
    await receiver.close();
    expect(headersOf(after)['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(new Webhook(rotated.secret).verify(after.body, headersOf(after))).toBeTruthy();
    expect(() => new Webhook(webhook.secret).verify(after.body, headersOf(after))).toThrow();
  });

  it('retries a failing endpoint with backoff until it answers 2xx, signing every attempt', async () => {
    const customerId = `c-retry-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint((n) => (n <= 3 ? 500 : 200));
    const webhook = await registry.registerWebhook({ customerId, url: receiver.url });
    const deleted = await registry.registerWebhook({ customerId, url: receiver.url });
    expect(await registry.deleteWebhook(deleted._id)).toBe(true);

    const event = processed(customerId);
    const { notification } = await store.store(event, {
      topic: 'order-processed',
      partition: 1,
      offset: '7',
    });
    expect(await registry.enqueueDeliveries(notification)).toBe(1);
    // The same event redelivered: same notification, nothing new queued.
    const again = await store.store(event, { topic: 'order-processed', partition: 1, offset: '9' });
    expect(again.created).toBe(false);
    expect(await registry.enqueueDeliveries(again.notification)).toBe(0);

    const worker = dispatcher();
    worker.start();
    const deliveryId = `${notification._id}:${webhook._id}`;
    const done = await waitFor('the delivery to be delivered', async () => {
      const d = await delivery(deliveryId);
      return d?.status === 'delivered' ? d : undefined;
    });
    await new Promise((r) => setTimeout(r, 300)); // time for any wrong extra send
    await worker.stop();
    await receiver.close();

    expect(receiver.requests.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    for (const [i, request] of receiver.requests.entries()) {
      expect(new Webhook(webhook.secret).verify(request.body, headersOf(request))).toBeTruthy();
      expect(() => new Webhook(deleted.secret).verify(request.body, headersOf(request))).toThrow();
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'webhook-id': notification._id,
        'webhook-delivery': deliveryId,
        'webhook-attempt': String(i + 1),
      });
      expect(request.body).toBe(receiver.requests[0]!.body); // byte-identical across attempts
    }
    expect(JSON.parse(receiver.requests[3]!.body)).toEqual({
      id: notification._id,
      type: 'order.notification',
      createdAt: notification.createdAt.toISOString(),
      data: expect.objectContaining({
        id: notification._id,
        orderId: event.orderId,
        status: 'completed',
        title: notification.title,
        body: expect.stringContaining('£1.00'),
      }),
    });

    expect(done).toMatchObject({ status: 'delivered', attempts: 4, deliveredAt: expect.any(Date) });
    expect(done.log.map((e) => [e.attempt, e.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    // The status line only: nothing of the receiver's body is kept.
    expect(done.log[0]!.error).toBe('HTTP 500 Internal Server Error');
    expect(done.log[3]!.error).toBeUndefined();
    // Backoff 50, 100, 200 ms between the attempts.
    const gaps = done.log.slice(1).map((e, i) => e.at.getTime() - done.log[i]!.at.getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(50);
    expect(gaps[1]).toBeGreaterThanOrEqual(100);
    expect(gaps[2]).toBeGreaterThanOrEqual(200);

    expect(await registry.enqueueDeliveries(notification)).toBe(0);
    expect(await webhookDeliveryModel(db).countDocuments({ notificationId: notification._id })).toBe(1);
    expect((await registry.deliveries(webhook._id, { limit: 10 })).map((d) => d._id)).toEqual([deliveryId]);
    expect(await registry.deliveries(deleted._id, { limit: 10 })).toEqual([]);
  });

  it('a hanging endpoint does not hold up another webhook beyond the request timeout', async () => {
    const customerId = `c-hang-${randomUUID().slice(0, 8)}`;
    const hanging = await endpoint(() => 'never');
    const healthy = await endpoint(() => 204);
    const slow = await registry.registerWebhook({ customerId, url: hanging.url });
    const fine = await registry.registerWebhook({ customerId, url: healthy.url });
    // Three notifications: the hanging endpoint has more work than the dispatcher has slots.
    const notifications = [await notify(customerId), await notify(customerId), await notify(customerId)];
    for (const n of notifications) expect(await registry.enqueueDeliveries(n)).toBe(2);

    const timeoutMs = 1_500;
    const worker = dispatcher({ concurrency: 2, timeoutMs, leaseMs: 3_000 });
    const started = Date.now();
    worker.start();
    await waitFor('the healthy webhook to get all three', async () =>
      (await webhookDeliveryModel(db).countDocuments({ webhookId: fine._id, status: 'delivered' })) === 3
        ? true
        : undefined,
    );
    expect(Date.now() - started).toBeLessThan(timeoutMs);
    expect(healthy.requests).toHaveLength(3);

    const timedOut = await waitFor('the hanging attempt to time out', async () => {
      const [d] = await webhookDeliveryModel(db)
        .find({ webhookId: slow._id, attempts: 1 })
        .lean<WebhookDeliveryDoc[]>();
      return d;
    });
    await worker.stop();
    await Promise.all([hanging.close(), healthy.close()]);

    expect(timedOut).toMatchObject({ status: 'pending', attempts: 1 });
    expect(timedOut.log[0]).toMatchObject({ attempt: 1, error: `no answer within ${timeoutMs} ms` });
    expect(timedOut.log[0]!.durationMs).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(timedOut.nextAttemptAt.getTime()).toBeGreaterThan(timedOut.log[0]!.at.getTime());
  });

  it('gives up after maxAttempts, and drops deliveries to a deleted webhook without sending', async () => {
    const customerId = `c-giveup-${randomUUID().slice(0, 8)}`;
    const gone = await endpoint(() => 200);
    await gone.close(); // nothing listens on that port any more
    const refused = await registry.registerWebhook({ customerId, url: gone.url });
    const receiver = await endpoint(() => 200);
    const removed = await registry.registerWebhook({ customerId, url: receiver.url });
    const notification = await notify(customerId);
    expect(await registry.enqueueDeliveries(notification)).toBe(2);
    await registry.deleteWebhook(removed._id);

    const worker = dispatcher({ maxAttempts: 2 });
    worker.start();
    const [failed, dropped] = await waitFor('both deliveries to end', async () => {
      const both = await Promise.all([
        delivery(`${notification._id}:${refused._id}`),
        delivery(`${notification._id}:${removed._id}`),
      ]);
      return both.every((d) => d?.status === 'failed') ? (both as WebhookDeliveryDoc[]) : undefined;
    });
    await worker.stop();
    await receiver.close();

    expect(failed!.attempts).toBe(2);
    expect(failed!.log).toHaveLength(2);
    expect(failed!.log[0]!.error).toMatch(/ECONNREFUSED/);
    expect(dropped!.attempts).toBe(0);
    expect(dropped!.log).toEqual([expect.objectContaining({ error: 'not sent: the webhook was deleted' })]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('two dispatcher replicas never send the same delivery twice', async () => {
    const customerId = `c-replicas-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const webhook = await registry.registerWebhook({ customerId, url: receiver.url });
    for (let i = 0; i < 12; i++) await registry.enqueueDeliveries(await notify(customerId));

    const replicas = [dispatcher({ maxPerWebhook: 4 }), dispatcher({ maxPerWebhook: 4 })];
    for (const r of replicas) r.start();
    await waitFor('all twelve delivered', async () =>
      (await webhookDeliveryModel(db).countDocuments({ webhookId: webhook._id, status: 'delivered' })) === 12
        ? true
        : undefined,
    );
    await Promise.all(replicas.map((r) => r.stop()));
    await receiver.close();

    const ids = receiver.requests.map((r) => r.headers['webhook-delivery']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });
});
