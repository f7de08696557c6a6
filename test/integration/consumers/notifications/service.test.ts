/**
 * The notification service against the real stack: two replicas on a private topic and group, SSE clients on
 * either, a webhook receiver, and Kafka redeliveries and poison messages.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../../../core/config';
import { readDlqHeaders } from '../../../../core/kafka/dlq';
import { eventHeaders, type OrderProcessedV1 } from '../../../../contracts/events';
import { createKafka, ensureTopics } from '../../../../core/kafka/client';
import { createLogger } from '../../../../core/logger';
import { connectMongo } from '../../../../core/mongo/connection';
import { dlqTopic } from '../../../../contracts/topics';
import {
  startNotificationService,
  type NotificationService,
} from '../../../../consumers/notifications/service';
import { Webhook } from 'standardwebhooks';
import { generateKey } from '../../../../core/crypto/keyring';
import { connectSse, type SseClient, type SseEvent } from '../../../../core/http/sse-client';
import { createdEvent, processedEvent } from '../../../support/order-events';
import { bearer, testIssuer, type TestIssuer } from '../../../support/tokens';

const RUN = randomUUID().slice(0, 8);
const topic = `it-notifications-${RUN}`;
const groupId = `it-notifications-${RUN}`;
const config = loadConfig({
  ...process.env,
  WEBHOOK_BACKOFF_INITIAL_MS: '50',
  WEBHOOK_BACKOFF_MAX_MS: '200',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '2000',
  CONSUMER_MAX_ATTEMPTS: '2',
  WEBHOOK_SECRET_KEYS: `k1:${generateKey()}`,
  // The test receivers listen on plain http on 127.0.0.1, let through explicitly as local setups do.
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
  WEBHOOK_MAX_PER_CUSTOMER: '2',
});
const kafka = createKafka(config.kafka, createLogger('it-notifications-kafka', 'error'));

function processedFor(
  customerId: string,
  status: OrderProcessedV1['status'] = 'completed',
): OrderProcessedV1 {
  return processedEvent(createdEvent({ customerId }), { status, processedAt: new Date().toISOString() });
}

const notifications = (c: SseClient) => c.events.filter((e) => e.event === 'notification');
const ids = (events: SseEvent[]) => events.map((e) => (JSON.parse(e.data) as { id: string }).id);
const ready = (c: SseClient) => c.waitFor('ready', (events) => events.some((e) => e.event === 'ready'));

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

describe('notification service (real Kafka and Mongo-wire server, two replicas)', () => {
  let root: Connection;
  let db: Connection;
  let producer: Producer;
  const replicas: NotificationService[] = [];
  const clients: SseClient[] = [];
  let tokens: TestIssuer;
  /** An operator's Authorization header: these tests read any customer's notifications. */
  let op: Record<string, string>;

  async function publish(events: OrderProcessedV1[]) {
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.orderId, value: JSON.stringify(e), headers: eventHeaders(e) })),
    });
  }

  async function stream(replica: NotificationService, query: string, lastEventId?: string) {
    const client = await connectSse(`${replica.url}/notifications/stream?${query}`, lastEventId, op);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    tokens = await testIssuer();
    op = bearer(await tokens.operator());
    await ensureTopics(kafka, [topic, dlqTopic(topic)], { partitions: 6, replicationFactor: 1 });
    root = await connectMongo(config.mongo);
    db = root.useDb(`it_notifications_${RUN}`, { useCache: false });
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    const logger = createLogger('it-notifications', process.env.IT_LOG_LEVEL ?? 'warn');
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startNotificationService({
          config,
          logger,
          kafka,
          db,
          topic,
          groupId,
          port: 0,
          verifyToken: tokens.verifier,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const r of replicas) await r.stop();
    await producer?.disconnect();
    await db?.dropDatabase();
    await root?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, dlqTopic(topic)] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  it("pushes every notification of a customer to clients on either replica, none of another's", async () => {
    const [a, b] = replicas as [NotificationService, NotificationService];
    const ada = `ada-${RUN}`;
    const bob = `bob-${RUN}`;
    const onA = await stream(a, `customerId=${ada}`);
    const onB = await stream(b, `customerId=${ada}`);
    const bobOnB = await stream(b, `customerId=${bob}`);
    await Promise.all([ready(onA), ready(onB), ready(bobOnB)]);

    const adas = Array.from({ length: 40 }, (_, i) =>
      processedFor(ada, (['completed', 'rejected', 'cancelled', 'failed'] as const)[i % 4]),
    );
    const bobs = Array.from({ length: 10 }, () => processedFor(bob));
    const all = [...adas, ...bobs].sort(() => Math.random() - 0.5);
    for (let i = 0; i < all.length; i += 5) await publish(all.slice(i, i + 5));

    const want = adas.map((e) => e.eventId).sort();
    for (const client of [onA, onB]) {
      await client.waitFor(
        '40 notifications',
        (ev) => ev.filter((e) => e.event === 'notification').length >= 40,
      );
    }
    await bobOnB.waitFor(
      '10 notifications',
      (ev) => ev.filter((e) => e.event === 'notification').length >= 10,
    );
    // Give a stray extra every chance to arrive before judging.
    await new Promise((r) => setTimeout(r, 500));
    expect(ids(notifications(onA)).sort()).toEqual(want);
    expect(ids(notifications(onB)).sort()).toEqual(want);
    expect(ids(notifications(bobOnB)).sort()).toEqual(bobs.map((e) => e.eventId).sort());

    const rejected = notifications(onA)
      .map((e) => JSON.parse(e.data) as { status: string; body: string })
      .find((n) => n.status === 'rejected')!;
    expect(rejected.body).toContain('OutOfStock!');

    // Event time → client, across both replicas' clients.
    const occurred = new Map(all.map((e) => [e.eventId, Date.parse(e.occurredAt)]));
    const latencies = [...notifications(onA), ...notifications(onB)]
      .map((e) => e.receivedAt - occurred.get((JSON.parse(e.data) as { id: string }).id)!)
      .sort((x, y) => x - y);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    console.log(
      `notification latency event → SSE client: p50 ${p50} ms, p99 ${p99} ms (n=${latencies.length})`,
    );
    expect(p99).toBeLessThan(5_000);
  });

  it('a client that reconnects with Last-Event-ID, to the other replica, gets exactly what it missed', async () => {
    const [a, b] = replicas as [NotificationService, NotificationService];
    const cy = `cy-${RUN}`;
    const first = await stream(a, `customerId=${cy}`);
    await ready(first);
    const before = Array.from({ length: 6 }, () => processedFor(cy));
    await publish(before);
    await first.waitFor('6', (ev) => ev.filter((e) => e.event === 'notification').length === 6);
    const lastId = notifications(first).at(-1)!.id!;
    first.close();

    const missed = Array.from({ length: 9 }, () => processedFor(cy));
    await publish(missed);
    // Let the service store them before the client is back, so they come from the store, not the live feed.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = Array.from({ length: 3 }, () => processedFor(cy));

    const again = await stream(b, `customerId=${cy}`, lastId);
    await publish(after);
    await again.waitFor('12', (ev) => ev.filter((e) => e.event === 'notification').length >= 12);
    await new Promise((r) => setTimeout(r, 500));
    expect(ids(notifications(again)).sort()).toEqual([...missed, ...after].map((e) => e.eventId).sort());
  });

  it('a redelivered or re-published event is stored and pushed once; history lists it once', async () => {
    const [a] = replicas as [NotificationService];
    const dee = `dee-${RUN}`;
    const client = await stream(a, `customerId=${dee}`);
    await ready(client);
    const counts = () => {
      const sum = (key: string) => replicas.reduce((n, r) => n + (r.consumer.stats()[key] ?? 0), 0);
      return { stored: sum('stored') + sum('alreadyStored'), duplicate: sum('duplicate') };
    };
    const before = counts();
    const event = processedFor(dee);
    await publish([event]);
    await publish([event]);
    await client.waitFor('1', (ev) => ev.some((e) => e.event === 'notification'));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(ids(notifications(client))).toEqual([event.eventId]);
    // The first copy counts as stored (by the durable consumer: the live feeds only read), the second as the
    // duplicate it is.
    const after = counts();
    expect({ stored: after.stored - before.stored, duplicate: after.duplicate - before.duplicate }).toEqual({
      stored: 1,
      duplicate: 1,
    });

    const res = await fetch(`${a.url}/notifications?customerId=${dee}`, { headers: op });
    const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page).toEqual({ items: [expect.objectContaining({ id: event.eventId })], nextCursor: null });
  });

  it('per-order streams, 400s that name the field, and readiness with consumer lag', async () => {
    const [a] = replicas as [NotificationService];
    const event = processedFor(`eve-${RUN}`);
    const client = await stream(a, `orderId=${event.orderId}`);
    await ready(client);
    await publish([processedFor(`eve-${RUN}`), event]);
    await client.waitFor('its order', (ev) => ev.some((e) => e.event === 'notification'));
    await new Promise((r) => setTimeout(r, 500));
    expect(ids(notifications(client))).toEqual([event.eventId]);

    const bad = await fetch(`${a.url}/notifications/stream`, { headers: op });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      details: [{ field: 'customerId', problem: 'expected customerId or orderId' }],
    });
    const badId = await fetch(`${a.url}/notifications/stream?customerId=x`, {
      headers: { 'Last-Event-ID': 'garbage', ...op },
    });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ details: [{ field: 'Last-Event-ID' }] });

    const readyz = (await (await fetch(`${a.url}/readyz`)).json()) as {
      ok: boolean;
      consumerLag: Record<string, { total: number }>;
    };
    expect(readyz.ok).toBe(true);
    expect(readyz.consumerLag[topic]).toEqual(expect.objectContaining({ total: expect.any(Number) }));
  });

  it("follows every customer's notifications for an operator who asks for all, and for nobody else", async () => {
    const [a] = replicas as [NotificationService];
    const client = await stream(a, 'all=true');
    await ready(client);
    const events = [processedFor(`gil-${RUN}`), processedFor(`hal-${RUN}`)];
    await publish(events);
    await client.waitFor('both customers', () =>
      events.every((e) => ids(notifications(client)).includes(e.eventId)),
    );

    const customer = bearer(await tokens.customer(`gil-${RUN}`));
    const refused = await fetch(`${a.url}/notifications/stream?all=true`, { headers: customer });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden' });
  });

  it('dead-letters a poison message with headers and keeps going', async () => {
    const [a] = replicas as [NotificationService];
    const fay = `fay-${RUN}`;
    const client = await stream(a, `customerId=${fay}`);
    await ready(client);
    const poisonKey = randomUUID();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: poisonKey, value: '{"type":"order-processed"}' }],
    });
    const good = processedFor(fay);
    await publish([good]);
    await client.waitFor('the good one', (ev) => ev.some((e) => e.event === 'notification'));

    const consumer = kafka.consumer({ groupId: `it-dlq-read-${RUN}` });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic(topic), fromBeginning: true });
    const letter = await new Promise<{ key: string; headers: ReturnType<typeof readDlqHeaders> }>(
      (resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            resolve({ key: message.key!.toString(), headers: readDlqHeaders(message.headers) });
          },
        });
      },
    );
    await consumer.disconnect();
    expect(letter.key).toBe(poisonKey);
    expect(letter.headers).toMatchObject({ originalTopic: topic, consumer: groupId });
    expect(letter.headers.error).toMatch(/eventId/);
  });

  it('a webhook that fails 3 times then succeeds receives the notification exactly once, signed', async () => {
    const [a] = replicas as [NotificationService];
    const received: { body: string; headers: Record<string, string>; status: number }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const status = received.length < 3 ? 500 : 200;
        received.push({ body, headers: req.headers as Record<string, string>, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const gus = `gus-${RUN}`;
      const registered = await fetch(`${a.url}/webhooks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...op },
        body: JSON.stringify({
          customerId: gus,
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        }),
      });
      expect(registered.status).toBe(201);
      const webhook = (await registered.json()) as { id: string; secret: string };
      expect(webhook.secret).toMatch(/^whsec_/);

      const event = processedFor(gus);
      await publish([event, event]);
      const deadline = Date.now() + 30_000;
      while (!received.some((r) => r.status === 200) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      expect(received.map((r) => r.status)).toEqual([500, 500, 500, 200]);
      for (const r of received) {
        expect(new Webhook(webhook.secret).verify(r.body, r.headers)).toMatchObject({
          id: event.eventId,
          data: { orderId: event.orderId },
        });
        expect(r.headers['webhook-id']).toBe(event.eventId);
      }
      const log = (await (
        await fetch(`${a.url}/webhooks/${webhook.id}/deliveries`, { headers: op })
      ).json()) as {
        status: string;
        attempts: number;
        log: { error?: string }[];
      }[];
      expect(log).toEqual([expect.objectContaining({ status: 'delivered', attempts: 4 })]);
      expect(log[0]!.log[0]!.error).toBe('HTTP 500 Internal Server Error');

      // Rotated on one replica, the next delivery (from either) verifies with the old and the new secret.
      const rotation = await fetch(`${a.url}/webhooks/${webhook.id}/rotate-secret`, {
        method: 'POST',
        headers: op,
      });
      expect(rotation.status).toBe(200);
      const rotated = (await rotation.json()) as {
        id: string;
        secret: string;
        previousSecretExpiresAt: string;
      };
      expect(rotated).toMatchObject({ id: webhook.id, secret: expect.stringMatching(/^whsec_/) });
      expect(Date.parse(rotated.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      const next = processedFor(gus);
      await publish([next]);
      const until = Date.now() + 30_000;
      while (received.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const last = received[4]!;
      expect(new Webhook(rotated.secret).verify(last.body, last.headers)).toMatchObject({ id: next.eventId });
      expect(new Webhook(webhook.secret).verify(last.body, last.headers)).toMatchObject({ id: next.eventId });
    } finally {
      server.close();
    }
  });

  it('refuses a webhook to a non-public address (400 naming url) and one past the cap (409)', async () => {
    const [, b] = replicas as [NotificationService, NotificationService];
    const register = (customerId: string, url: string) =>
      fetch(`${b.url}/webhooks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...op },
        body: JSON.stringify({ customerId, url }),
      });
    const refused = await register(`ivy-${RUN}`, 'https://[::1]/hook');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: 'validation_failed',
      details: [
        {
          field: 'url',
          problem: expect.stringContaining(
            '::1 is a loopback address; webhooks may only target public addresses',
          ),
        },
      ],
    });

    const cap = `cap-${RUN}`;
    expect((await register(cap, 'http://127.0.0.1:9/a')).status).toBe(201);
    expect((await register(cap, 'http://127.0.0.1:9/b')).status).toBe(201);
    const over = await register(cap, 'http://127.0.0.1:9/c');
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({
      error: 'webhook_limit_reached',
      message: expect.stringContaining('already has 2 active webhooks'),
    });
  });
});
