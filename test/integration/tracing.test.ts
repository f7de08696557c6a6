/**
 * One order's OpenTelemetry trace, end to end, with every process of the system running as its own process and
 * writing its spans with the file exporter: the HTTP request, the outbox relay, Kafka, the bridge, the workflow and
 * its activities, order-processed, the notification and analytics consumers and the webhook delivery, all in one
 * trace whose parent links are intact.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SpanRecord } from '../../core/tracing/file-exporter';
import { main as ordersCli } from '../../ops/main';
import { readSpans, tracesOfOrder } from '../../core/tracing/trace-files';
import { startIsolatedApp, type IsolatedApp } from '../../tools/stack/app';
import { loadStackConfig } from '../../tools/stack/config';
import { localTokens } from '../../tools/stack/issuer/keys';
import { stackPaths } from '../../tools/stack/paths';
import { bearer } from '../support/tokens';
import { until } from '../support/until';

jest.setTimeout(300_000);

const config = loadStackConfig();
const tokens = localTokens(stackPaths(config).issuer, config.auth);
const RUN = randomUUID().slice(0, 8);
const CUSTOMER = `trace-${RUN}`;

describe('one trace per order', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-traces-'));
  const output: string[] = [];
  const received: http.IncomingHttpHeaders[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => {
      received.push(req.headers);
      res.writeHead(204).end();
    });
  });
  let app: IsolatedApp | undefined;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    app = await startIsolatedApp(config, `trace-${RUN}`, {
      env: {
        OTEL_TRACES_EXPORTER: 'file',
        TRACES_DIR: dir,
        // The webhook receiver is this test, on loopback: let it through, as a local setup does.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        PAYMENT_LATENCY_MS: '5',
        LOG_LEVEL: 'info',
      },
      output: (name, line) => output.push(`${name} | ${line}`),
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stopAndClean();
    await new Promise((resolve) => receiver.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('follows an order from the HTTP request to the webhook delivery, parent links intact', async () => {
    const started = app!;
    const op = bearer(await tokens.operator());
    const customer = bearer(await tokens.customer(CUSTOMER));
    const hook = await fetch(`${started.notifications}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...op },
      body: JSON.stringify({
        customerId: CUSTOMER,
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      }),
    });
    expect(hook.status).toBe(201);

    const placed = await fetch(`${started.api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...customer },
      body: JSON.stringify({
        email: 'tracer@example.com',
        currency: 'EUR',
        items: [{ sku: 'KB-001', quantity: 1 }],
      }),
    });
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };

    await until(`order ${orderId} to complete`, async () => {
      const res = await fetch(`${started.api}/orders/${orderId}`, { headers: customer });
      return ((await res.json()) as { status: string }).status === 'completed' ? true : undefined;
    });
    await until('analytics to record the outcome', async () => {
      const res = await fetch(`${started.analytics}/analytics/orders/${orderId}`, { headers: op });
      return res.ok && ((await res.json()) as { processed: unknown }).processed ? true : undefined;
    });
    await until('the webhook delivery', async () => (received.length > 0 ? true : undefined));

    // Log lines about the order name its trace.
    const accepted = output.find((l) => l.startsWith('api ') && l.includes('"msg":"accepted"'));
    expect(accepted).toContain(`"orderId":"${orderId}"`);
    const published = output.find((l) => l.includes('"msg":"order-created published"'));
    expect(published).toContain(`"orderId":"${orderId}"`);

    // A graceful stop exports what each process still buffers.
    await started.stop();
    const traces = tracesOfOrder(readSpans(dir), orderId);
    expect(traces).toHaveLength(1);
    const trace = traces[0]!;
    const traceId = trace[0]!.traceId;
    expect(JSON.parse(accepted!.slice(accepted!.indexOf('{'))).traceId).toBe(traceId);
    expect(JSON.parse(published!.slice(published!.indexOf('{'))).traceId).toBe(traceId);

    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const find = (name: string, service: string, parent?: SpanRecord): SpanRecord => {
      const found = trace.filter(
        (s) => s.name === name && s.service === service && (!parent || s.parentSpanId === parent.spanId),
      );
      if (found.length === 0) {
        const tree = trace.map((s) => `${s.name} [${s.service}] ${s.spanId} <- ${s.parentSpanId ?? '-'}`);
        throw new Error(
          `no span ${name} [${service}] under ${parent?.name ?? 'anything'}:\n${tree.join('\n')}`,
        );
      }
      return found[0]!;
    };

    // The root is the API's request; every other span's parent is in the trace.
    const roots = trace.filter((s) => s.parentSpanId === undefined);
    expect(roots.map((s) => [s.name, s.service, s.kind])).toEqual([['POST /orders', 'api', 'SERVER']]);
    expect(trace.filter((s) => s.parentSpanId !== undefined && !byId.has(s.parentSpanId))).toEqual([]);

    // api → outbox relay → Kafka → bridge → Temporal.
    const request = roots[0]!;
    const relay = find('publish order-created', 'outbox-relay', request);
    expect(relay.kind).toBe('PRODUCER');
    const bridge = find('process order-created', 'bridge', relay);
    expect(bridge.kind).toBe('CONSUMER');
    find('process order-created', 'analytics', relay);
    const start = find('StartWorkflow:processOrder', 'bridge', bridge);
    const run = find('RunWorkflow:processOrder', 'worker-orders', start);

    // The workflow's activities, on the worker of their task queue.
    for (const [activity, worker] of [
      ['validateOrder', 'worker-orders'],
      ['reserveStock', 'worker-orders'],
      ['chargePayment', 'worker-payments'],
      ['publishOrderProcessed', 'worker-order-events'],
    ] as const) {
      const scheduled = find(`StartActivity:${activity}`, 'worker-orders', run);
      find(`RunActivity:${activity}`, worker, scheduled);
    }

    // order-processed → notifications (and its webhook delivery) and analytics.
    const publish = find(
      'publish order-processed',
      'worker-order-events',
      find('RunActivity:publishOrderProcessed', 'worker-order-events'),
    );
    const notified = find('process order-processed', 'notifications', publish);
    find('process order-processed', 'analytics', publish);
    const delivery = find('deliver webhook', 'notifications', notified);
    expect(delivery).toMatchObject({ status: 'UNSET', attributes: { 'order.id': orderId } });
    expect(trace.every((s) => s.traceId === traceId)).toBe(true);

    // What an operator sees.
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await ordersCli(['trace', orderId, '--dir', dir])).toBe(0);
      const printed = log.mock.calls.map((c) => String(c[0]));
      expect(printed[0]).toMatch(new RegExp(`^trace ${traceId}: ${trace.length} spans, \\d+ ms$`));
      expect(printed[1]).toMatch(/^ {2}POST \/orders {2}\[api\] {2}[\d.]+ ms$/);
      expect(printed.some((l) => /^ {6,}deliver webhook {2}\[notifications\]/.test(l))).toBe(true);
      process.stdout.write(`${printed.join('\n')}\n`);
    } finally {
      log.mockRestore();
    }
  });
});
