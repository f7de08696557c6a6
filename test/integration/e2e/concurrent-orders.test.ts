/**
 * End to end against the real stack with every process of the system running as its own process: 200 orders at
 * once, each processed exactly once, seen by an SSE client and counted by analytics.
 */
import { TOPICS } from '../../../contracts/topics';
import { connectSse } from '../../../core/http/sse-client';
import {
  analyticsSummary,
  caughtUp,
  DECLINED,
  finalStatus,
  notifications,
  op,
  post,
  processedEvents,
  processedFrom,
  readTopic,
  RUN,
  runsOf,
  runThePipeline,
} from '../../support/pipeline';

jest.setTimeout(600_000);

describe('order pipeline end to end', () => {
  runThePipeline();

  it('200 concurrent orders: each completes (or is rejected as expected) with one run and one order-processed', async () => {
    const orders = Array.from({ length: 200 }, (_, i) => ({
      customerId: i % 20 === 0 ? DECLINED : `e2e-${RUN}-${i % 7}`,
      email: `buyer${i}@example.com`,
      currency: (['EUR', 'USD', 'GBP'] as const)[i % 3]!,
      items: [
        { sku: 'KB-001', quantity: 1 + (i % 3) },
        { sku: 'CB-005', quantity: 2 },
      ],
    }));
    const watched = `e2e-${RUN}-3`;
    const sse = await connectSse(
      `${notifications}/notifications/stream?customerId=${watched}`,
      undefined,
      op,
    );
    await sse.waitFor('the stream to be live', (events) => events.some((e) => e.event === 'ready'));
    // Start from a quiet system: whatever the topics held before this run has been consumed.
    await caughtUp(notifications, [TOPICS.orderProcessed]);
    const before = await analyticsSummary();

    const started = Date.now();
    const responses = await Promise.all(orders.map((o, i) => post(o, { 'Idempotency-Key': `${RUN}-${i}` })));
    expect(responses.map((r) => r.status)).toEqual(orders.map(() => 202));
    const accepted = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      orderId: string;
      totalCents: number;
    }>;
    const ids = accepted.map((a) => a.orderId);
    expect(new Set(ids).size).toBe(200);

    const outcomes = await Promise.all(ids.map((id) => finalStatus(id)));
    const elapsed = Date.now() - started;
    console.log(`200 orders accepted and processed end to end in ${(elapsed / 1000).toFixed(1)} s`);
    outcomes.forEach((o, i) => {
      if (orders[i]!.customerId === DECLINED)
        expect(o).toMatchObject({ status: 'rejected', reason: { type: 'PaymentDeclined' } });
      else expect(o.status).toBe('completed');
    });

    // Exactly one order-processed event per order, matching the order, and exactly one workflow run.
    // (Each workflow publishes before it completes, so every event is in Kafka by now.)
    const events = await processedEvents();
    for (const [i, id] of ids.entries()) {
      const ofOrder = events.get(id) ?? [];
      expect(ofOrder).toHaveLength(1);
      expect(ofOrder[0]).toMatchObject({
        orderId: id,
        status: outcomes[i]!.status,
        totalCents: accepted[i]!.totalCents,
      });
    }
    const runs = await Promise.all(ids.slice(0, 40).map(runsOf));
    expect(runs).toEqual(ids.slice(0, 40).map(() => 1));

    // Analytics: exactly these orders were added, by status and by revenue.
    const after = await analyticsSummary();
    const revenue: Record<string, number> = { ...before.revenueCents };
    outcomes.forEach((o, i) => {
      if (o.status !== 'completed') return;
      const currency = orders[i]!.currency;
      revenue[currency] = (revenue[currency] ?? 0) + accepted[i]!.totalCents;
    });
    expect(after.orders).toMatchObject({
      created: before.orders.created + 200,
      completed: before.orders.completed + 190,
      rejected: before.orders.rejected + 10,
      cancelled: before.orders.cancelled,
      failed: before.orders.failed,
    });
    expect(after.revenueCents).toEqual(revenue);
    expect(after.latencyMs.count).toBe(before.latencyMs.count + 200);

    // Notifications: the watched customer's client got one per order of theirs, and nothing else.
    const theirs = ids.filter((_, i) => orders[i]!.customerId === watched);
    await sse.waitFor(
      `${theirs.length} notifications`,
      (events) => events.filter((e) => e.event === 'notification').length >= theirs.length,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const received = sse.events.filter((e) => e.event === 'notification');
    sse.close();
    const notified = received.map((e) => ({
      ...(JSON.parse(e.data) as { orderId: string; occurredAt: string }),
      e,
    }));
    expect(notified.map((n) => n.orderId).sort()).toEqual([...theirs].sort());
    // Two clocks: from the outcome (the event's occurredAt, decided in the workflow) and from its publication to Kafka.
    const publishedAt = new Map(
      (await readTopic(TOPICS.orderProcessed, processedFrom)).map((m) => [m.key, m.timestamp]),
    );
    const stats = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
    };
    console.log(
      `notifications of ${notified.length} orders: outcome → SSE client ${stats(
        notified.map((n) => n.e.receivedAt - Date.parse(n.occurredAt)),
      )}; published → SSE client ${stats(notified.map((n) => n.e.receivedAt - publishedAt.get(n.orderId)!))}`,
    );
  });
});
