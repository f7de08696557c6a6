/**
 * Every process of the system, started as its own process on ports, a database and consumer groups of its own,
 * serves /metrics: after a few orders (one declined, one with a webhook, an SSE client connected), each named series
 * is there with the values the load must have produced, and the endpoint refuses a request without a token (401)
 * and a customer's (403).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { connectSse } from '../../core/http/sse-client';
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
const CUSTOMER = `metrics-${RUN}`;
const DECLINED = `metrics-${RUN}-declined`;

const PROCESSES = [
  'api',
  'outbox-relay',
  'bridge',
  'notifications',
  'analytics',
  'worker-orders',
  'worker-payments',
  'worker-order-events',
] as const;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (the subset of the format prom-client and the Temporal SDK write). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.length === 0 ? undefined : found.reduce((n, s) => n + s.value, 0);
}

describe('metrics of every process', () => {
  let app: IsolatedApp;
  let op: Record<string, string>;
  let customer: Record<string, string>;
  const output: string[] = [];
  const hooks: string[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hooks.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    });
  });
  const scraped = new Map<string, Sample[]>();

  beforeAll(async () => {
    op = bearer(await tokens.operator());
    customer = bearer(await tokens.customer(CUSTOMER));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    app = await startIsolatedApp(config, `metrics-${RUN}`, {
      env: {
        PAYMENT_DECLINE_CUSTOMERS: DECLINED,
        PAYMENT_LATENCY_MS: '5',
        LOG_LEVEL: 'warn',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      },
      output: (name, line) => output.push(`${name} | ${line}`),
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stopAndClean();
    receiver.close();
    const errors = output.filter((l) => /"level":(50|60)/.test(l));
    if (errors.length > 0) console.log(`process errors during the run:\n${errors.slice(-20).join('\n')}`);
  }, 120_000);

  it('serves a /metrics URL for every process', () => {
    expect(Object.keys(app.metrics).sort()).toEqual([...PROCESSES].sort());
  });

  it('refuses /metrics without a token (401) and with a customer token (403), on every process', async () => {
    for (const name of PROCESSES) {
      const url = app.metrics[name]!;
      const none = await fetch(url);
      expect([name, none.status]).toEqual([name, 401]);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(await none.text()).not.toContain('process_cpu');
      const asCustomer = await fetch(url, { headers: customer });
      expect([name, asCustomer.status]).toEqual([name, 403]);
      const wrongScrapeToken = await fetch(url, { headers: bearer(`x${process.env.METRICS_TOKEN}`) });
      expect([name, wrongScrapeToken.status]).toEqual([name, 401]);
      const scraper = await fetch(url, { headers: bearer(process.env.METRICS_TOKEN!) });
      expect([name, scraper.status]).toEqual([name, 200]);
    }
  });

  it('shows the load: orders, payments, events, webhooks, streams and the Temporal SDK', async () => {
    const { notifications, api } = app;
    const hook = await fetch(`${notifications}/webhooks`, {
      method: 'POST',
      headers: { ...customer, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }),
    });
    expect(hook.status).toBe(201);
    const sse = await connectSse(`${notifications}/notifications/stream`, undefined, customer);
    await sse.waitFor('the stream to be live', (events) => events.some((e) => e.event === 'ready'));

    let placed = 0;
    const place = async (customerId: string) => {
      const res = await fetch(`${api}/orders`, {
        method: 'POST',
        headers: { ...op, 'content-type': 'application/json', 'Idempotency-Key': `${RUN}-${placed}` },
        body: JSON.stringify({
          customerId,
          email: 'ada@example.com',
          currency: 'EUR',
          items: [{ sku: 'KB-001', quantity: 1 }],
        }),
      });
      expect(res.status).toBe(202);
      placed += 1;
      return ((await res.json()) as { orderId: string }).orderId;
    };
    const finished = async (orderIds: string[]) => {
      for (const orderId of orderIds) {
        await until(`order ${orderId} to finish`, async () => {
          const order = (await (await fetch(`${api}/orders/${orderId}`, { headers: op })).json()) as {
            status: string;
          };
          return ['completed', 'rejected', 'failed', 'cancelled'].includes(order.status) ? order : undefined;
        });
      }
    };
    const orders = [await place(CUSTOMER), await place(CUSTOMER), await place(DECLINED)];
    // A customer reading their order: a route with a parameter, as a customer.
    expect((await fetch(`${api}/orders/${orders[0]}`, { headers: customer })).status).toBe(200);
    await finished(orders);

    // The task queues are the stack's: workers of another system running beside this one (npm start, another
    // test run) may take some of these orders' tasks. A few more orders, until each worker here has run some.
    const workerSeries: Record<string, string> = {
      'worker-orders': 'temporal_workflow_completed_total',
      'worker-payments': 'payment_outcomes_total',
      'worker-order-events': 'temporal_activity_execution_latency_seconds_count',
    };
    for (let round = 0; ; round++) {
      const idle: string[] = [];
      for (const [worker, series] of Object.entries(workerSeries)) {
        const samples = parse(await (await fetch(app.metrics[worker]!, { headers: op })).text());
        if (!((total(samples, series) ?? 0) > 0)) idle.push(worker);
      }
      if (idle.length === 0) break;
      if (round === 5) throw new Error(`no task reached ${idle.join(', ')} in ${placed} orders`);
      await finished([await place(CUSTOMER), await place(CUSTOMER)]);
    }

    await sse.waitFor(
      'two notifications',
      (events) => events.filter((e) => e.event === 'notification').length >= 2,
    );
    await until('the webhook deliveries', async () => (hooks.length >= 2 ? true : undefined), {
      timeoutMs: 60_000,
    });
    // Analytics counts each outcome when it applies its order-processed (every system's: the topic is shared).
    await until('analytics to count the outcomes', async () => {
      const res = await fetch(app.metrics.analytics!, { headers: op });
      const n = total(parse(await res.text()), 'orders_final_total') ?? 0;
      return n >= placed ? true : undefined;
    });

    for (const name of PROCESSES) {
      const res = await fetch(app.metrics[name]!, { headers: op });
      expect([name, res.status]).toEqual([name, 200]);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const samples = parse(await res.text());
      scraped.set(name, samples);
      // Node's own process metrics, named for the process.
      expect([name, total(samples, 'process_cpu_seconds_total', { service: name })! > 0]).toEqual([
        name,
        true,
      ]);
    }
    sse.close();

    const at = (name: string) => scraped.get(name)!;
    const { bridge, notifications: notificationsGroup, analytics: analyticsGroup } = app.groups;
    // Series another system beside this one can add to (its orders' events are on the same topics) are checked
    // as at least this run's share; those of this run's own database, groups and listeners exactly.

    // api: requests by method, route pattern and status, timed.
    const posted = { method: 'POST', route: '/orders', status: '202' };
    expect(total(at('api'), 'http_requests_total', posted)).toBe(placed);
    expect(total(at('api'), 'http_request_duration_seconds_count', posted)).toBe(placed);
    expect(total(at('api'), 'http_request_duration_seconds_sum', posted)).toBeGreaterThan(0);
    expect(total(at('api'), 'http_requests_total', { route: '/orders/{id}', status: '200' })).toBeGreaterThan(
      placed,
    );
    expect(at('api').some((s) => /[0-9a-f]{8}-/.test(s.labels.route ?? ''))).toBe(false);

    // outbox-relay: every order published (this run's database: exactly), the backlog drained by now.
    expect(total(at('outbox-relay'), 'outbox_published_total', { outcome: 'published' })).toBe(placed);
    expect(total(at('outbox-relay'), 'outbox_published_total', { outcome: 'parked' }) ?? 0).toBe(0);
    expect(total(at('outbox-relay'), 'outbox_backlog_orders', { state: 'waiting' })).toBe(0);
    expect(total(at('outbox-relay'), 'outbox_backlog_orders', { state: 'parked' })).toBe(0);
    expect(total(at('outbox-relay'), 'outbox_oldest_age_seconds')).toBe(0);

    // bridge: this run's orders started once each (another system's are dead letters here); lag per partition.
    const started = { topic: 'order-created', group: bridge, outcome: 'started' };
    expect(total(at('bridge'), 'kafka_events_processed_total', started)).toBe(placed);
    const lag = at('bridge').filter(
      (s) => s.name === 'kafka_consumer_lag_messages' && s.labels.group === bridge,
    );
    expect(lag.map((s) => s.labels.partition).sort()).toEqual(
      Array.from({ length: config.kafka.topicPartitions }, (_, i) => String(i)).sort(),
    );
    expect(lag.every((s) => s.labels.topic === 'order-created' && s.value >= 0)).toBe(true);

    // worker-payments: the gateway's answers; the Temporal SDK's own metrics through each worker's /metrics.
    expect(total(at('worker-payments'), 'payment_outcomes_total', { operation: 'charge' })).toBeGreaterThan(
      0,
    );
    expect(total(at('worker-orders'), 'temporal_workflow_completed_total')).toBeGreaterThan(0);
    expect(
      total(at('worker-orders'), 'temporal_workflow_task_execution_latency_seconds_count'),
    ).toBeGreaterThan(0);
    for (const worker of ['worker-payments', 'worker-order-events']) {
      expect([worker, total(at(worker), 'temporal_activity_execution_latency_seconds_count')! > 0]).toEqual([
        worker,
        true,
      ]);
      expect([
        worker,
        total(at(worker), 'temporal_activity_schedule_to_start_latency_seconds_count')! > 0,
      ]).toEqual([worker, true]);
    }

    // notifications: the outcomes consumed, webhooks delivered, the stream counted while it was open.
    const outcomes = { topic: 'order-processed', group: notificationsGroup };
    expect(total(at('notifications'), 'kafka_events_processed_total', outcomes)).toBeGreaterThanOrEqual(
      placed,
    );
    expect(
      total(at('notifications'), 'webhook_deliveries_total', { result: 'delivered' }),
    ).toBeGreaterThanOrEqual(2);
    expect(total(at('notifications'), 'sse_clients_connected')).toBe(1);
    const registered = { route: '/webhooks', method: 'POST', status: '201' };
    expect(total(at('notifications'), 'http_requests_total', registered)).toBe(1);

    // analytics: both topics consumed; outcomes by status and reason; end-to-end latency.
    for (const topic of ['order-created', 'order-processed']) {
      const applied = { topic, group: analyticsGroup, outcome: 'applied' };
      expect([topic, total(at('analytics'), 'kafka_events_processed_total', applied)! >= placed]).toEqual([
        topic,
        true,
      ]);
    }
    const completed = total(at('analytics'), 'orders_final_total', { status: 'completed', reason: 'none' })!;
    expect(completed).toBeGreaterThanOrEqual(placed - 1);
    const declined = { status: 'rejected', reason: 'PaymentDeclined' };
    expect(total(at('analytics'), 'orders_final_total', declined)).toBeGreaterThanOrEqual(1);
    expect(total(at('analytics'), 'order_end_to_end_latency_seconds_count')).toBe(
      total(at('analytics'), 'orders_final_total'),
    );
    expect(total(at('analytics'), 'order_end_to_end_latency_seconds_sum')).toBeGreaterThan(0);
    expect(
      total(at('analytics'), 'order_end_to_end_latency_seconds_bucket', { status: 'completed', le: '+Inf' }),
    ).toBe(completed);
  });
});
