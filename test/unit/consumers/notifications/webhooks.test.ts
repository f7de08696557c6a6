import type { LookupAddress } from 'node:dns';
import mongoose from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '../../../../core/config';
import { generateKey, parseKeyring } from '../../../../core/crypto/keyring';
import { backoffDelay } from '../../../../core/backoff';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import type { Resolve } from '../../../../core/net/public-target';
import { RegisterWebhookRequest } from '../../../../contracts/http/notifications/schemas';
import {
  checkSecret,
  generateSecret,
  openSecret,
  sealSecret,
  signatureHeader,
  signingSecrets,
  webhookKeyring,
} from '../../../../consumers/notifications/webhook-secrets';
import { createWebhookRegistry } from '../../../../consumers/notifications/webhooks';

const keyring = parseKeyring(`k1:${generateKey()}`, 'WEBHOOK_SECRET_KEYS');

describe('webhook secrets', () => {
  it('are generated in the Standard Webhooks form, 32 random bytes each', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
    expect(checkSecret(secret)).toBe(secret);
    expect(
      RegisterWebhookRequest.safeParse({ customerId: 'c', url: 'https://a.example', secret }).success,
    ).toBe(true);
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['too short', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
    ['too long', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['not base64', `whsec_${'!'.repeat(44)}`],
    ['not canonical base64', `whsec_${Buffer.alloc(32, 1).toString('base64').replace('=', '')}#`],
  ])('refuse a caller-supplied secret with %s, without echoing it', (_why, secret) => {
    expect(() => checkSecret(secret)).toThrow(
      expect.objectContaining({ name: 'InvalidFieldError', field: 'secret', received: '(hidden)' }),
    );
  });

  it('are sealed, not stored in clear, and open only for the webhook they belong to', () => {
    const secret = generateSecret();
    const sealed = sealSecret(keyring, 'webhook-a', secret);
    expect(sealed.keyId).toBe('k1');
    expect(JSON.stringify(sealed)).not.toContain(secret.slice(6));
    expect(openSecret(keyring, 'webhook-a', sealed)).toBe(secret);
    expect(() => openSecret(keyring, 'webhook-b', sealed)).toThrow();
    expect(() => openSecret(parseKeyring(`k1:${generateKey()}`, 'K'), 'webhook-a', sealed)).toThrow();
  });

  it('refuse to start the service without WEBHOOK_SECRET_KEYS, or with a malformed one, naming it', () => {
    for (const spec of [undefined, '', '  ']) {
      expect(() => webhookKeyring(spec)).toThrow(ConfigError);
      expect(() => webhookKeyring(spec)).toThrow(/WEBHOOK_SECRET_KEYS: not set/);
    }
    const key = generateKey();
    expect(() => webhookKeyring(`k1:${key.slice(4)}`)).toThrow(/WEBHOOK_SECRET_KEYS: entry 1 \(k1\)/);
    expect(() => webhookKeyring(`k1:${key.slice(4)}`)).not.toThrow(key.slice(4));
    expect(webhookKeyring(`k2:${key},k1:${generateKey()}`).activeId).toBe('k2');
  });
});

describe('webhook signatures (verified with the standardwebhooks library, as receivers do)', () => {
  const body = JSON.stringify({ id: 'n-1', type: 'order.notification', data: { total: '€12.50' } });
  const now = new Date();
  const headersFor = (signature: string, at: Date = now) => ({
    'webhook-id': 'n-1',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  });

  it('verify with the secret, and bind the id, the timestamp and the body', () => {
    const secret = generateSecret();
    const headers = headersFor(signatureHeader([secret], 'n-1', now, body));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow('No matching signature');
    expect(() => new Webhook(secret).verify(body.replace('12.50', '1.25'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'n-2' })).toThrow();
    const later = String(Number(headers['webhook-timestamp']) + 60);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': later })).toThrow();
  });

  it('are refused by receivers once too old', () => {
    const secret = generateSecret();
    const old = new Date(now.getTime() - 10 * 60_000);
    const headers = headersFor(signatureHeader([secret], 'n-1', old, body), old);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow('Message timestamp too old');
  });

  it('carry one signature per secret during a rotation, each verifying on its own', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const headers = headersFor(signatureHeader([current, previous], 'n-1', now, body));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it('are made with the previous secret only until its grace period ends', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const until = new Date('2030-01-01T00:00:00Z');
    const webhook = {
      _id: 'webhook-a',
      secret: sealSecret(keyring, 'webhook-a', current),
      previousSecret: sealSecret(keyring, 'webhook-a', previous),
      previousSecretExpiresAt: until,
    };
    expect(signingSecrets(keyring, webhook, new Date(until.getTime() - 1))).toEqual([current, previous]);
    expect(signingSecrets(keyring, webhook, until)).toEqual([current]);
    expect(signingSecrets(keyring, { ...webhook, previousSecret: null }, new Date(0))).toEqual([current]);
    // A secret moved over from another webhook does not open.
    expect(() =>
      signingSecrets(keyring, { ...webhook, secret: sealSecret(keyring, 'webhook-b', current) }, new Date(0)),
    ).toThrow();
  });
});

describe('registering a webhook: where it may point (stubbed resolver, no connection made)', () => {
  // Never connected: each refusal below happens before the registry touches the database.
  const connection = mongoose.createConnection();
  afterAll(() => connection.close());

  const resolve: Resolve = async (hostname) => {
    const table: Record<string, string[]> = {
      'loopback.example': ['127.0.0.1'],
      'internal.example': ['10.0.0.8'],
      'mixed.example': ['93.184.216.34', '2606:4700::1', '172.16.5.4'],
      'v6-private.example': ['fc00::1'],
    };
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const registry = (allowHttp = false) =>
    createWebhookRegistry(connection, {
      keyring,
      targets: { policy: createAddressPolicy(), allowHttp, resolve },
      maxPerCustomer: 10,
      rotationGraceMs: 60_000,
    });

  it.each([
    ['https://loopback.example/hook', 'loopback.example resolves to 127.0.0.1, a loopback address'],
    ['https://internal.example/hook', 'internal.example resolves to 10.0.0.8, a private address'],
    ['https://mixed.example/hook', 'mixed.example resolves to 172.16.5.4, a private address'],
    [
      'https://v6-private.example/hook',
      'v6-private.example resolves to fc00::1, a private (unique local) address',
    ],
    ['https://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['https://[::1]/hook', '::1 is a loopback address'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
    ['https://nowhere.example/hook', 'nowhere.example does not resolve (ENOTFOUND)'],
  ])('refuses %s naming the url field: %s', async (url, why) => {
    const attempt = registry().registerWebhook({ customerId: 'c-1', url });
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidFieldError', field: 'url', received: url });
    await expect(attempt).rejects.toThrow(why);
  });

  it('says webhooks may only target public addresses, in the 400 detail', async () => {
    const err = await registry()
      .registerWebhook({ customerId: 'c-1', url: 'https://loopback.example/hook' })
      .catch((e: { detail(): unknown }) => e);
    expect((err as { detail(): unknown }).detail()).toEqual({
      field: 'url',
      problem:
        'expected a public https endpoint, but loopback.example resolves to 127.0.0.1, a loopback address; ' +
        'webhooks may only target public addresses',
      received: 'https://loopback.example/hook',
    });
  });

  it('refuses plain http unless WEBHOOK_ALLOW_HTTP, and still checks the address when it is allowed', async () => {
    await expect(
      registry().registerWebhook({ customerId: 'c-1', url: 'http://93.184.216.34/hook' }),
    ).rejects.toMatchObject({
      field: 'url',
      message: expect.stringMatching(/plain http:\/\/ is not accepted/),
    });
    await expect(
      registry(true).registerWebhook({ customerId: 'c-1', url: 'http://internal.example/hook' }),
    ).rejects.toMatchObject({
      field: 'url',
      message: expect.stringContaining('10.0.0.8, a private address'),
    });
  });

  it('refuses other schemes, credentials in the URL and a malformed secret', async () => {
    for (const url of ['ftp://example.com/hook', 'not a url', 'https://user:pw@93.184.216.34/']) {
      await expect(registry().registerWebhook({ customerId: 'c-1', url })).rejects.toMatchObject({
        field: 'url',
      });
    }
    await expect(
      registry().registerWebhook({ customerId: 'c-1', url: 'https://93.184.216.34/', secret: 'short' }),
    ).rejects.toMatchObject({ field: 'secret' });
  });
});

describe('webhook retry backoff', () => {
  it('doubles from initialMs after each failure, capped at maxMs', () => {
    const backoff = { initialMs: 50, maxMs: 400 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, backoff))).toEqual([50, 100, 200, 400, 400, 400]);
  });

  it('never exceeds the cap, even after very many failures', () => {
    expect(backoffDelay(2000, { initialMs: 1000, maxMs: 3_600_000 })).toBe(3_600_000);
  });
});
