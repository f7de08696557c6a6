import { randomUUID } from 'node:crypto';
import { outboxModel, webhookDeliveryModel } from '../../../../consumers/notifications/models';
import {
  db,
  delivery,
  dispatcher,
  endpoint,
  notify,
  processed,
  registry,
  store,
  useWebhookDatabase,
  waitFor,
} from '../../../support/webhooks';

const source = (offset: number) => ({ topic: 'order-processed', partition: 3, offset: String(offset) });
const inFlight = () => outboxModel(db).find().lean();

/** Notifications stored a batch at a time, and deliveries in flight kept apart from the delivery history. */
describe('notification batches and the delivery outbox (real Mongo-wire server)', () => {
  useWebhookDatabase();

  it('stores a batch of notifications with one insert; a redelivery of it finds them, a copy is told apart', async () => {
    const events = [processed('c-batch'), processed('c-batch'), processed('c-batch')];
    const first = await store.storeMany(events.slice(0, 2).map((event, i) => ({ event, source: source(i) })));
    expect(first.map((s) => s.created)).toEqual([true, true]);

    const again = await store.storeMany(events.map((event, i) => ({ event, source: source(i) })));
    expect(again.map((s) => s.created)).toEqual([false, false, true]);
    expect(again.slice(0, 2).map((s) => s.notification)).toEqual(first.map((s) => s.notification));
    // The same event twice in one batch: stored once, from its first position.
    const twice = processed('c-batch');
    const copies = await store.storeMany([
      { event: twice, source: source(10) },
      { event: twice, source: source(11) },
    ]);
    expect(copies.map((s) => [s.created, s.notification.source.offset])).toEqual([
      [true, '10'],
      [false, '10'],
    ]);
  });

  it('a delivery leaves the outbox once delivered; its log stays; queueing its notification again sends nothing', async () => {
    const customerId = `c-outbox-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const webhook = await registry.registerWebhook({ customerId, url: receiver.url });
    const notification = await notify(customerId);
    expect(await registry.enqueueAll([{ notification, fresh: true }])).toBe(1);
    expect((await inFlight()).map((d) => d._id)).toEqual([`${notification._id}:${webhook._id}`]);

    const worker = dispatcher();
    worker.start();
    const id = `${notification._id}:${webhook._id}`;
    await waitFor('the delivery', async () =>
      (await delivery(id))?.status === 'delivered' ? true : undefined,
    );
    await waitFor('the outbox to empty', async () => ((await inFlight()).length === 0 ? true : undefined));
    // The message redelivered: its delivery is done, so it is neither queued nor sent again.
    expect(await registry.enqueueAll([{ notification, fresh: false }])).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    await worker.stop();
    await receiver.close();

    expect(await inFlight()).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(await registry.deliveries(webhook._id, { limit: 10 })).toEqual([
      expect.objectContaining({ _id: id, status: 'delivered', attempts: 1 }),
    ]);
  });

  it('a pending delivery whose outbox entry a crash kept out is put back by the redelivered message', async () => {
    const customerId = `c-crash-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const webhook = await registry.registerWebhook({ customerId, url: receiver.url });
    const notification = await notify(customerId);
    expect(await registry.enqueueAll([{ notification, fresh: true }])).toBe(1);
    // The crash: the delivery written, its outbox entry not.
    await outboxModel(db).deleteMany({});

    expect(await registry.enqueueAll([{ notification, fresh: false }])).toBe(0);
    expect(await inFlight()).toHaveLength(1);
    const worker = dispatcher();
    worker.start();
    const id = `${notification._id}:${webhook._id}`;
    await waitFor('the delivery', async () =>
      (await delivery(id))?.status === 'delivered' ? true : undefined,
    );
    await worker.stop();
    await receiver.close();
    expect(receiver.requests).toHaveLength(1);
  });

  it('adopts at start the pending deliveries queued before there was an outbox', async () => {
    const customerId = `c-adopt-${randomUUID().slice(0, 8)}`;
    const receiver = await endpoint(() => 200);
    const webhook = await registry.registerWebhook({ customerId, url: receiver.url });
    const notification = await notify(customerId);
    const id = `${notification._id}:${webhook._id}`;
    const at = new Date();
    await webhookDeliveryModel(db).create({
      _id: id,
      webhookId: webhook._id,
      notificationId: notification._id,
      customerId,
      url: receiver.url,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      deliveredAt: null,
      createdAt: at,
      log: [],
    });

    expect(await registry.adoptPendingDeliveries()).toBe(1);
    expect(await registry.adoptPendingDeliveries()).toBe(0);
    const worker = dispatcher();
    worker.start();
    await waitFor('the delivery', async () =>
      (await delivery(id))?.status === 'delivered' ? true : undefined,
    );
    await worker.stop();
    await receiver.close();
    expect(receiver.requests).toHaveLength(1);
  });
});
