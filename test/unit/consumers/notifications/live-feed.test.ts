import type { ConsumerRunConfig, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { eventHeaders, type OrderProcessedV1 } from '../../../../contracts/events';
import { LiveFeed, type LiveNotification } from '../../../../consumers/notifications/live-feed';
import type { NotificationDoc } from '../../../../consumers/notifications/models';
import { createdEvent, processedEvent, rawMessage } from '../../../support/order-events';

const TOPIC = 'order-processed';

/** A Kafka whose consumer hands its eachMessage handler to the test; every partition starts empty. */
function fakeKafka() {
  let runConfig: ConsumerRunConfig | undefined;
  const joinHandlers: (() => void)[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => [
        { partition: 0, high: '0' },
        { partition: 1, high: '0' },
      ],
    }),
    consumer: () => ({
      events: { CRASH: 'crash', GROUP_JOIN: 'join' },
      on: (event: string, handler: () => void) => {
        if (event === 'join') joinHandlers.push(handler);
      },
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: ConsumerRunConfig) => {
        runConfig = config;
        for (const h of joinHandlers) h();
      },
      seek: () => undefined,
      disconnect: async () => undefined,
    }),
  } as unknown as Kafka;
  const deliver = (partition: number, message: KafkaMessage) =>
    runConfig!.eachMessage!({ topic: TOPIC, partition, message } as EachMessagePayload);
  return { kafka, deliver };
}

function event(): OrderProcessedV1 {
  return processedEvent(createdEvent({ customerId: 'c-feed' }));
}

const message = (e: OrderProcessedV1, offset: number) =>
  rawMessage(e.orderId, JSON.stringify(e), String(offset), eventHeaders(e));

/** The notification the durable consumer stores for `e`, first read at (partition, offset). */
const storedAt = (e: OrderProcessedV1, partition: number, offset: number) =>
  ({
    _id: e.eventId,
    orderId: e.orderId,
    customerId: e.customerId,
    source: { topic: TOPIC, partition, offset: String(offset), offsetNum: offset },
  }) as NotificationDoc;

async function feedWith(
  byId: (eventId: string) => Promise<NotificationDoc | null>,
  handled?: (partition: number, offset: number) => Promise<boolean>,
) {
  const { kafka, deliver } = fakeKafka();
  const feed = new LiveFeed({
    kafka,
    logger: pino({ level: 'silent' }),
    topic: TOPIC,
    groupPrefix: 'unit',
    store: { byId },
    handled,
    backoff: { initialMs: 1, maxMs: 2 },
  });
  await feed.start();
  const heard: LiveNotification[] = [];
  feed.subscribe((n) => heard.push(n));
  return { feed, deliver, heard };
}

describe('the live feed (fake Kafka): it only reads, and announces what is stored', () => {
  it('waits until the durable consumer has stored a notification, then announces it at its position', async () => {
    const e = event();
    let reads = 0;
    const { feed, deliver, heard } = await feedWith(async () => (++reads < 3 ? null : storedAt(e, 1, 0)));
    await deliver(1, message(e, 0));

    expect(reads).toBe(3);
    expect(heard).toEqual([{ notification: storedAt(e, 1, 0), partition: 1, offset: 0 }]);
    expect(feed.current()).toEqual(
      new Map([
        [0, -1],
        [1, 0],
      ]),
    );
    await feed.stop();
  });

  it('takes what this replica stored from its hand, without reading it', async () => {
    const [a, b] = [event(), event()];
    const byId = jest.fn(async (_eventId: string): Promise<NotificationDoc | null> => null);
    const { feed, deliver, heard } = await feedWith(byId);
    feed.stored([storedAt(a, 0, 0)]);
    await deliver(0, message(a, 0));
    // Handed over while the feed waits for it.
    const waiting = deliver(0, message(b, 1));
    await new Promise((r) => setTimeout(r, 10));
    feed.stored([storedAt(b, 0, 1)]);
    await waiting;

    expect(heard.map((n) => n.notification._id)).toEqual([a.eventId, b.eventId]);
    expect(byId.mock.calls.every(([id]) => id === b.eventId)).toBe(true);
    await feed.stop();
  });

  it('announces a second copy of an event (a retried publish) not again', async () => {
    const e = event();
    const { feed, deliver, heard } = await feedWith(async () => storedAt(e, 0, 0));
    await deliver(0, message(e, 0));
    await deliver(0, message(e, 1));

    expect(heard.map((n) => n.offset)).toEqual([0]);
    expect(feed.current().get(0)).toBe(1);
    await feed.stop();
  });

  it('passes over a message the durable consumer handled without storing (dead-lettered), and goes on', async () => {
    const [lost, next] = [event(), event()];
    const { feed, deliver, heard } = await feedWith(
      async (id) => (id === next.eventId ? storedAt(next, 0, 1) : null),
      async (partition, offset) => partition === 0 && offset === 0,
    );
    await deliver(0, message(lost, 0));
    await deliver(0, message(next, 1));

    expect(heard.map((n) => n.notification._id)).toEqual([next.eventId]);
    await feed.stop();
  });

  it('stops waiting when stopped, leaving the position where it was', async () => {
    const { feed, deliver, heard } = await feedWith(async () => null);
    const waiting = deliver(0, message(event(), 0));
    await feed.stop();
    await waiting;

    expect(heard).toEqual([]);
    expect(feed.current().get(0)).toBe(-1);
  });
});
