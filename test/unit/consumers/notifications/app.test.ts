import express from 'express';
import request from 'supertest';
import type { Principal } from '../../../../core/http/auth';
import type { StreamTickets } from '../../../../consumers/notifications/tickets';
import { InvalidFieldError } from '../../../../core/errors';
import { createLogger } from '../../../../core/logger';
import { createNotificationsApp } from '../../../../consumers/notifications/app';
import type { NotificationStreams } from '../../../../consumers/notifications/stream';
import {
  WebhookLimitError,
  type RegisteredWebhook,
  type RotatedSecret,
  type WebhookRegistry,
} from '../../../../consumers/notifications/webhooks';

const WEBHOOK_ID = '3f1c2a4e-8b7d-4c6a-9e5f-1a2b3c4d5e6f';
const createdAt = new Date('2026-01-02T03:04:05.000Z');
const view = { _id: WEBHOOK_ID, customerId: 'c-1', url: 'https://hooks.example/x', active: true, createdAt };

/** The app over a registry whose answers each test chooses: what is checked here is the HTTP mapping. */
function appWith(registry: Partial<WebhookRegistry>) {
  const app = express();
  // Every request here is customer c-1's, who owns the webhooks the registry answers with.
  app.use((req, _res, next) => {
    req.headers.authorization ??= 'Bearer c-1';
    next();
  });
  const customer = async (token: string): Promise<Principal> => ({
    role: 'customer',
    subject: token,
    customerId: token,
  });
  app.use(
    createNotificationsApp({
      store: { history: async () => ({ items: [], nextCursor: null }) },
      webhooks: { ownerOf: async () => 'c-1', ...registry } as WebhookRegistry,
      verifyToken: customer,
      http: { rateLimitPerMinute: 0, corsOrigins: [] },
      tickets: {} as StreamTickets,
      scope: async (_principal, wanted) => wanted,
      streams: {
        handler: (_req: unknown, res: { end(): void }) => res.end(),
      } as unknown as NotificationStreams,
      readiness: async () => ({ ok: true, checks: {} }),
      logger: createLogger('notifications-app-test', 'silent'),
    }),
  );
  return app;
}

describe('webhook routes', () => {
  it('answer a registration with the secret, shown once', async () => {
    const registered: RegisteredWebhook = { ...view, secret: 'whsec_c2VjcmV0' };
    const res = await request(appWith({ registerWebhook: async () => registered }))
      .post('/webhooks')
      .send({ customerId: 'c-1', url: 'https://hooks.example/x' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/webhooks/${WEBHOOK_ID}`);
    expect(res.body).toEqual({
      id: WEBHOOK_ID,
      customerId: 'c-1',
      url: 'https://hooks.example/x',
      active: true,
      createdAt: createdAt.toISOString(),
      secret: 'whsec_c2VjcmV0',
    });
  });

  it('answer a refused URL with a 400 naming the field and why', async () => {
    const problem =
      'a public https endpoint, but hooks.example resolves to 127.0.0.1, a loopback address; ' +
      'webhooks may only target public addresses';
    const res = await request(
      appWith({
        registerWebhook: async (input) => {
          throw new InvalidFieldError('url', problem, input.url);
        },
      }),
    )
      .post('/webhooks')
      .send({ customerId: 'c-1', url: 'https://hooks.example/x' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'validation_failed',
      details: [{ field: 'url', problem: `expected ${problem}`, received: 'https://hooks.example/x' }],
    });
  });

  it('answer one webhook too many with 409 webhook_limit_reached, naming the cap', async () => {
    const res = await request(
      appWith({
        registerWebhook: async () => {
          throw new WebhookLimitError('c-1', 10);
        },
      }),
    )
      .post('/webhooks')
      .send({ customerId: 'c-1', url: 'https://hooks.example/x' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'webhook_limit_reached',
      message: 'customer c-1 already has 10 active webhooks, the most allowed; delete one first',
      details: [{ field: 'customerId', problem: 'already has 10 active webhooks, the most allowed' }],
    });
  });

  it('refuse a secret not in the Standard Webhooks form before the registry sees it', async () => {
    const registerWebhook = jest.fn();
    const res = await request(appWith({ registerWebhook }))
      .post('/webhooks')
      .send({ customerId: 'c-1', url: 'https://hooks.example/x', secret: 'a-long-enough-plain-secret' });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'secret' })]);
    expect(registerWebhook).not.toHaveBeenCalled();
  });

  it('rotate a secret: the new one once, and until when the previous one still signs', async () => {
    const rotated: RotatedSecret = {
      webhook: view,
      secret: 'whsec_bmV3',
      previousSecretExpiresAt: new Date('2026-01-03T03:04:05.000Z'),
    };
    const rotateSecret = jest.fn(async (id: string) => (id === WEBHOOK_ID ? rotated : undefined));
    const app = appWith({ rotateSecret });
    const res = await request(app).post(`/webhooks/${WEBHOOK_ID}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: WEBHOOK_ID,
      customerId: 'c-1',
      url: 'https://hooks.example/x',
      active: true,
      createdAt: createdAt.toISOString(),
      secret: 'whsec_bmV3',
      previousSecretExpiresAt: '2026-01-03T03:04:05.000Z',
    });

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await request(app).post(`/webhooks/${unknown}/rotate-secret`)).status).toBe(404);
    expect((await request(app).post('/webhooks/not-a-uuid/rotate-secret')).status).toBe(400);
    expect(rotateSecret.mock.calls).toEqual([[WEBHOOK_ID], [unknown]]);
  });
});
