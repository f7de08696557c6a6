import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SealedSecret } from '../../../../consumers/notifications/models';
import { openSecret } from '../../../../consumers/notifications/webhook-secrets';
import { createWebhookRegistry } from '../../../../consumers/notifications/webhooks';
import {
  db,
  delivery,
  dispatcher,
  endpoint,
  headersOf,
  keyring,
  notify,
  registry,
  registryOptions,
  useWebhookDatabase,
  waitFor,
} from '../../../support/webhooks';

/** Webhook signing secrets: sealed at rest and bound to their webhook, and rotated with a grace period. */
describe('webhook deliveries (real Mongo-wire server, real HTTP endpoints)', () => {
  useWebhookDatabase();

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
});
