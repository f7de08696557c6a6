import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import { checkTarget, type TargetRules } from '../../../../core/net/public-target';
import type { NotificationDoc } from '../../../../consumers/notifications/models';
import { sendWebhook, type WebhookRequest } from '../../../../consumers/notifications/webhook-request';
import { generateSecret } from '../../../../consumers/notifications/webhook-secrets';

const notification: NotificationDoc = {
  _id: 'evt-0001',
  orderId: '6b0f8e0a-1111-4222-8333-944455566677',
  customerId: 'c-1',
  status: 'completed',
  title: 'Order 6b0f8e0a confirmed',
  body: 'Your order 6b0f8e0a is complete. Total charged: £1.00.',
  reason: null,
  totalCents: 100,
  currency: 'GBP',
  occurredAt: new Date('2026-01-02T03:04:05.000Z'),
  createdAt: new Date('2026-01-02T03:04:06.000Z'),
  source: { topic: 'order-processed', partition: 0, offset: '1', offsetNum: 1 },
};

interface Received {
  headers: Record<string, string>;
  body: string;
}

describe('sending one webhook (a listener on 127.0.0.1; no other address is ever connected to)', () => {
  let server: http.Server;
  let port: number;
  let answer = 200;
  const received: Received[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(answer, { 'content-type': 'text/plain' }).end('stack trace: secret internals');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Answers from `table`, which a test may change between registration and delivery. */
  const resolverOf = (table: Record<string, string>) => async (hostname: string) => {
    const address = table[hostname];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: 4 } satisfies LookupAddress];
  };
  const loopbackAllowed = (table: Record<string, string> = {}): TargetRules => ({
    policy: createAddressPolicy({ allowedCidrs: ['127.0.0.1/32'] }),
    allowHttp: true,
    resolve: resolverOf(table),
  });
  const requestTo = (url: string, secrets: string[]): WebhookRequest => ({
    url,
    secrets,
    notification,
    deliveryId: `${notification._id}:w-1`,
    attempt: 2,
    timestamp: new Date(),
    timeoutMs: 2_000,
  });

  it('is signed the Standard Webhooks way: the receiver verifies it with the secret', async () => {
    const secret = generateSecret();
    const outcome = await sendWebhook(
      requestTo(`http://receiver.example:${port}/hook`, [secret]),
      loopbackAllowed({ 'receiver.example': '127.0.0.1' }),
    );
    expect(outcome).toEqual({ statusCode: 200, durationMs: expect.any(Number) });
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [Received];
    expect(new Webhook(secret).verify(body, headers)).toEqual({
      id: notification._id,
      type: 'order.notification',
      createdAt: notification.createdAt.toISOString(),
      data: expect.objectContaining({ id: notification._id, orderId: notification.orderId }),
    });
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': notification._id,
      'webhook-delivery': `${notification._id}:w-1`,
      'webhook-attempt': '2',
    });
  });

  it('during a rotation, verifies with the new and with the previous secret', async () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    await sendWebhook(requestTo(`http://127.0.0.1:${port}/hook`, [current, previous]), loopbackAllowed());
    const [{ headers, body }] = received as [Received];
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it('records a failure as the status line only, never the body', async () => {
    answer = 500;
    const outcome = await sendWebhook(
      requestTo(`http://127.0.0.1:${port}/hook`, [generateSecret()]),
      loopbackAllowed(),
    );
    expect(outcome).toEqual({
      statusCode: 500,
      error: 'HTTP 500 Internal Server Error',
      durationMs: expect.any(Number),
    });
    answer = 307;
    expect(
      (await sendWebhook(requestTo(`http://127.0.0.1:${port}/hook`, [generateSecret()]), loopbackAllowed()))
        .error,
    ).toBe('HTTP 307 Temporary Redirect (redirects are not followed)');
  });

  it('refuses a name rebound to loopback after registration: nothing reaches the listener', async () => {
    // At registration the name is public, so it is accepted; no connection is made then.
    const dns: Record<string, string> = { 'rebind.example': '93.184.216.34' };
    const strict: TargetRules = { policy: createAddressPolicy(), allowHttp: true, resolve: resolverOf(dns) };
    const url = `http://rebind.example:${port}/hook`;
    await expect(checkTarget(new URL(url), strict)).resolves.toBeUndefined();

    dns['rebind.example'] = '127.0.0.1';
    const outcome = await sendWebhook(requestTo(url, [generateSecret()]), strict);
    expect(outcome).toEqual({
      error:
        'not sent: rebind.example resolves to 127.0.0.1, a loopback address; ' +
        'webhooks may only target public addresses',
      durationMs: expect.any(Number),
    });
    expect(received).toHaveLength(0);
  });
});
