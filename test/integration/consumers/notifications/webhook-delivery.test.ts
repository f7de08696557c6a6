import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import type { TargetRules } from '../../../../core/net/public-target';
import { webhookDeliveryModel, type WebhookDeliveryDoc } from '../../../../consumers/notifications/models';
import { createWebhookRegistry } from '../../../../consumers/notifications/webhooks';
import {
  db,
  delivery,
  dispatcher,
  dns,
  endpoint,
  headersOf,
  notify,
  processed,
  registerWhilePublic,
  registry,
  registryOptions,
  store,
  useWebhookDatabase,
  waitFor,
} from '../../../support/webhooks';

/** Delivering to customers' endpoints: retries with backoff, timeouts, giving up, no rebinding, no double sends. */
describe('webhook deliveries (real Mongo-wire server, real HTTP endpoints)', () => {
  useWebhookDatabase();

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
