import { randomUUID } from 'node:crypto';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import { createWebhookRegistry, WebhookLimitError } from '../../../../consumers/notifications/webhooks';
import { db, dns, registerWhilePublic, registryOptions, useWebhookDatabase } from '../../../support/webhooks';

/** Registering webhooks: only public https targets, and a cap on how many a customer keeps. */
describe('webhook deliveries (real Mongo-wire server, real HTTP endpoints)', () => {
  useWebhookDatabase();

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
});
