/**
 * The notification and analytics services' doors, tried from outside (real Kafka and Mongo-wire server): no token
 * gets nowhere, customer B gets nothing of customer A's (404, as if it did not exist), and analytics is for
 * operators.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { startAnalyticsService, type AnalyticsService } from '../../../consumers/analytics/service';
import { startNotificationService, type NotificationService } from '../../../consumers/notifications/service';
import { eventHeaders } from '../../../contracts/events';
import { dlqTopic } from '../../../contracts/topics';
import { loadConfig } from '../../../core/config';
import { connectSse } from '../../../core/http/sse-client';
import { createKafka, ensureTopics } from '../../../core/kafka/client';
import { createLogger } from '../../../core/logger';
import { connectMongo } from '../../../core/mongo/connection';
import { createdEvent, processedEvent } from '../../support/order-events';
import { bearer, testIssuer, type TestIssuer } from '../../support/tokens';

const RUN = randomUUID().slice(0, 8);
const topics = { orderCreated: `it-access-created-${RUN}`, orderProcessed: `it-access-processed-${RUN}` };
const config = loadConfig({
  ...process.env,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
});
const logger = createLogger('it-access', 'error');
const kafka = createKafka(config.kafka, logger);

describe('access to the notification and analytics services', () => {
  let root: Connection;
  let db: Connection;
  let tokens: TestIssuer;
  let notifications: NotificationService;
  let analytics: AnalyticsService;
  const ada = `ada-${RUN}`;
  const bob = `bob-${RUN}`;
  const created = createdEvent({ customerId: ada });
  let as: { ada: Record<string, string>; bob: Record<string, string>; op: Record<string, string> };

  const call = (
    base: string,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    await ensureTopics(kafka, [...Object.values(topics), ...Object.values(topics).map((t) => dlqTopic(t))], {
      partitions: 2,
      replicationFactor: 1,
    });
    root = await connectMongo(config.mongo);
    db = root.useDb(`it_access_${RUN}`, { useCache: false });
    tokens = await testIssuer();
    as = {
      ada: bearer(await tokens.customer(ada)),
      bob: bearer(await tokens.customer(bob)),
      op: bearer(await tokens.operator()),
    };
    const common = { config, logger, kafka, db, port: 0, verifyToken: tokens.verifier };
    notifications = await startNotificationService({
      ...common,
      topic: topics.orderProcessed,
      groupId: `it-access-n-${RUN}`,
    });
    analytics = await startAnalyticsService({ ...common, topics, groupId: `it-access-a-${RUN}` });

    const processed = processedEvent(created, { status: 'completed', processedAt: new Date().toISOString() });
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: topics.orderProcessed,
      acks: -1,
      messages: [
        { key: processed.orderId, value: JSON.stringify(processed), headers: eventHeaders(processed) },
      ],
    });
    await producer.disconnect();
    // Ada's notification is stored before the tests look for it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const page = (await (await call(notifications.url, 'GET', '/notifications', as.ada)).json()) as {
        items: unknown[];
      };
      if (page.items.length === 1) break;
      if (Date.now() > deadline) throw new Error("ada's notification was not stored within 30 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    await notifications?.stop();
    await analytics?.stop();
    await db?.dropDatabase();
    await root?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [...Object.values(topics), ...Object.values(topics).map((t) => dlqTopic(t))] })
      .catch(() => undefined);
    await admin.disconnect();
  });

  it('without a token every endpoint but health and readiness answers 401', async () => {
    const id = randomUUID();
    const protectedCalls: [string, string, string][] = [
      [notifications.url, 'GET', '/notifications'],
      [notifications.url, 'GET', '/notifications/stream'],
      [notifications.url, 'POST', '/notifications/stream-tickets'],
      [notifications.url, 'POST', '/webhooks'],
      [notifications.url, 'GET', '/webhooks'],
      [notifications.url, 'DELETE', `/webhooks/${id}`],
      [notifications.url, 'GET', `/webhooks/${id}/deliveries`],
      [analytics.url, 'GET', '/analytics/summary'],
      [analytics.url, 'GET', '/analytics/timeseries'],
      [analytics.url, 'GET', '/analytics/top-skus'],
      [analytics.url, 'GET', `/analytics/orders/${id}`],
    ];
    for (const [base, method, path] of protectedCalls) {
      const res = await call(base, method, path);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    for (const base of [notifications.url, analytics.url]) {
      expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    }
  });

  it("customer B cannot read or stream customer A's notifications", async () => {
    const mine = (await (await call(notifications.url, 'GET', '/notifications', as.bob)).json()) as {
      items: unknown[];
    };
    expect(mine.items).toEqual([]);
    expect((await call(notifications.url, 'GET', `/notifications?customerId=${ada}`, as.bob)).status).toBe(
      403,
    );
    const stream = await call(
      notifications.url,
      'GET',
      `/notifications/stream?orderId=${created.orderId}`,
      as.bob,
    );
    expect(stream.status).toBe(404);
    expect(await stream.json()).toMatchObject({ error: 'not_found', message: `no order ${created.orderId}` });
    // Ada reads hers; an operator reads anyone's.
    const hers = (await (await call(notifications.url, 'GET', '/notifications', as.ada)).json()) as {
      items: { orderId: string }[];
    };
    expect(hers.items.map((n) => n.orderId)).toEqual([created.orderId]);
    expect((await call(notifications.url, 'GET', `/notifications?customerId=${ada}`, as.op)).status).toBe(
      200,
    );
  });

  it("customer B cannot see, delete or read the deliveries of customer A's webhook: 404", async () => {
    const registered = await call(notifications.url, 'POST', '/webhooks', as.ada, {
      url: 'http://127.0.0.1:9/hook',
    });
    expect(registered.status).toBe(201);
    const webhook = (await registered.json()) as { id: string; customerId: string };
    expect(webhook.customerId).toBe(ada);

    const unknown = await call(notifications.url, 'DELETE', `/webhooks/${randomUUID()}`, as.bob);
    const deleted = await call(notifications.url, 'DELETE', `/webhooks/${webhook.id}`, as.bob);
    expect(deleted.status).toBe(404);
    const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
    expect(await errorOf(deleted)).toBe(await errorOf(unknown));
    expect((await call(notifications.url, 'GET', `/webhooks/${webhook.id}/deliveries`, as.bob)).status).toBe(
      404,
    );
    expect((await call(notifications.url, 'GET', `/webhooks?customerId=${ada}`, as.bob)).status).toBe(403);
    const bobs = (await (await call(notifications.url, 'GET', '/webhooks', as.bob)).json()) as unknown[];
    expect(bobs).toEqual([]);
    // Bob cannot subscribe to Ada's notifications either.
    const subscribe = await call(notifications.url, 'POST', '/webhooks', as.bob, {
      customerId: ada,
      url: 'http://127.0.0.1:9/bob',
    });
    expect(subscribe.status).toBe(403);

    // Ada's webhook is untouched by all of that.
    const adas = (await (await call(notifications.url, 'GET', '/webhooks', as.ada)).json()) as {
      id: string;
    }[];
    expect(adas.map((w) => w.id)).toEqual([webhook.id]);
  });

  it('a stream ticket opens one stream, once, for the customer it was issued to', async () => {
    const issued = await call(notifications.url, 'POST', '/notifications/stream-tickets', as.ada);
    expect(issued.status).toBe(201);
    const { ticket, expiresAt } = (await issued.json()) as { ticket: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);

    const url = `${notifications.url}/notifications/stream?ticket=${ticket}&lastEventId=${encodeURIComponent('0:-1,1:-1')}`;
    const client = await connectSse(url);
    try {
      // From the beginning of both partitions: Ada's notification, and nothing of anyone else's.
      await client.waitFor('a notification', (events) => events.some((e) => e.event === 'notification'));
      const ids = client.events
        .filter((e) => e.event === 'notification')
        .map((e) => (JSON.parse(e.data) as { orderId: string }).orderId);
      expect(ids).toEqual([created.orderId]);
    } finally {
      client.close();
    }
    expect((await call(notifications.url, 'GET', `/notifications/stream?ticket=${ticket}`)).status).toBe(401);
    expect(
      (await call(notifications.url, 'GET', `/notifications/stream?ticket=${'x'.repeat(43)}`)).status,
    ).toBe(401);
  });

  it('analytics is for operators: a customer gets 403 on every report', async () => {
    for (const path of [
      '/analytics/summary',
      '/analytics/top-skus',
      `/analytics/orders/${created.orderId}`,
    ]) {
      expect({ path, status: (await call(analytics.url, 'GET', path, as.ada)).status }).toEqual({
        path,
        status: 403,
      });
    }
    expect((await call(analytics.url, 'GET', '/analytics/summary', as.op)).status).toBe(200);
  });
});
