/**
 * npm run chaos — the promise under faults, audited. A steady open-loop load of orders (clients that retry with
 * their Idempotency-Key, as real ones do) runs while faults are injected one at a time, at random moments: kill -9
 * of every process and server, kill -STOP of every worker past its activities' timeouts, and a long outage of
 * every server. Then the run drains, retries failed orders as an operator would, and audits every acknowledged
 * order from the sources of truth (chaos/audit.ts). Exit status 1 on any loss, duplicate or wrong outcome.
 *
 *   npm run chaos                       every fault (kills twice each), 5 orders/s; about 25 minutes
 *   npm run chaos -- --quick            a few faults in about two minutes (npm test runs it)
 *   --rate N  --outage-s N  --pause-s N  --seed N
 *
 * It starts every process itself (a database and consumer groups of its own) and breaks only what it started:
 * servers that were already running are left alone and their faults reported as skipped. Loopback only.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openLoop } from '../bench/load';
import { TOPICS } from '../../contracts/topics';
import { consumerLag, createKafka } from '../../core/kafka/client';
import { connectMongo } from '../../core/mongo/connection';
import { connectTemporal } from '../../core/temporal/connection';
import { isFinalStatus } from '../../domain/orders/status';
import { orderModel, type OrderDoc } from '../../domain/orders/order-model';
import { orderStore } from '../../domain/orders/order-store';
import { retryOrder } from '../../domain/orders/retry';
import { stockCollections } from '../../domain/stock/stock-model';
import { startIsolatedApp } from '../stack/app';
import { OWNED_SERVERS_ENV, withStack } from '../stack/commands';
import { loadStackConfig, type StackConfig } from '../stack/config';
import { stackPaths, type ServerName } from '../stack/paths';
import { localTokens } from '../stack/issuer/keys';
import { audit, type AuditResult } from './audit';
import { placeOrder, type PlacedOrder } from './client';
import { FaultInjector, type Injection } from './faults';
import { plan, random, type Plan } from './plan';
import { report } from './report';

const SKU = 'KB-001';

async function run(
  config: StackConfig,
  ownServers: ReadonlySet<ServerName>,
  p: Plan,
  seed: number,
): Promise<number> {
  const runId = `chaos-${randomUUID().slice(0, 8)}`;
  const log = (line: string) =>
    console.log(`[chaos ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const began = Date.now();
  const errors: string[] = [];
  // Clients act as customers, the audit as an operator, with tokens of the stack's issuer valid for the run.
  const tokens = localTokens(stackPaths(config).issuer, config.auth, 6 * 3_600);
  log(`${p.mode} run ${runId}: ${p.rate} orders/s, ${p.faults.length} faults, seed ${seed}`);
  const processLogFile = path.join(__dirname, 'results', `${runId}-processes.log`);
  fs.mkdirSync(path.dirname(processLogFile), { recursive: true });
  const processLog = fs.createWriteStream(processLogFile);
  log(`the processes' warnings and errors: ${path.relative(process.cwd(), processLogFile)}`);
  const app = await startIsolatedApp(config, runId, {
    env: {
      PAYMENT_LATENCY_MS: '5',
      LOG_LEVEL: 'warn',
      // Orders left accepted by a fault are put back on their way within the run.
      STALE_ORDER_AFTER_MS: '60000',
      STALE_ORDER_SWEEP_MS: '20000',
    },
    output: (name, line) => {
      // Every line the processes log (warn and above), for whoever investigates a finding; kept out of git (*.log).
      processLog.write(`${name} | ${line}\n`);
      if (/"level":(50|60)|exited|restarting|ERROR/.test(line)) errors.push(`${name} | ${line}`);
    },
  });
  const kafka = createKafka(config.kafka);
  const db = await connectMongo({ ...config.mongo, url: app.mongoUrl });
  const temporal = await connectTemporal(config.temporal);
  let result: AuditResult | undefined;
  const injections: Injection[] = [];
  const placed: PlacedOrder[] = [];
  try {
    const stockBefore = (await stockCollections(db).stock.findOne({ _id: SKU }))?.available ?? 0;
    const processedFrom = await endOffsets(kafka, TOPICS.orderProcessed);

    // The load runs until every fault has been injected, and a little after.
    const stopLoad = new AbortController();
    const load = openLoop({
      rate: p.rate,
      durationS: 3_600,
      maxInFlight: 5_000,
      signal: stopLoad.signal,
      send: async (i) => {
        placed.push(
          await placeOrder(i, `${runId}-${i}`, {
            api: app.api,
            patienceMs: 15 * 60_000,
            authorization: async () => `Bearer ${await tokens.customer(`${runId}-c${i % 10}`)}`,
            body: () => ({
              customerId: `${runId}-c${i % 10}`,
              email: 'chaos@example.com',
              currency: 'EUR',
              items: [{ sku: SKU, quantity: 1 }],
            }),
          }),
        );
      },
    });
    const injector = new FaultInjector(
      config,
      app,
      ownServers,
      { pauseMs: p.pauseMs, outageMs: p.outageMs },
      log,
    );
    for (const fault of p.faults) {
      await sleep(p.gapMs[0] + (p.gapMs[1] - p.gapMs[0]) * p.rand());
      injections.push(await injector.inject(fault));
    }
    await sleep(p.tailMs);
    stopLoad.abort();
    const sent = await load;
    log(`load stopped: ${sent.sent} orders sent; waiting for their clients`);
    const acknowledged = new Map(
      placed.flatMap((o) => (o.orderId ? [[o.orderId, o.acceptedAt!] as const] : [])),
    );
    log(`${acknowledged.size} acknowledged, ${placed.length - acknowledged.size} never acknowledged`);

    // Drain, then do what an operator does with failed orders: retry them once the system is whole.
    const orders = orderModel(db);
    const retries = new Map<string, number>();
    await drain(orders, acknowledged, p.drainMs, log);
    for (let round = 0; round < 5; round++) {
      const failed = await orders
        .find({ _id: { $in: [...acknowledged.keys()] }, status: 'failed' })
        .lean<OrderDoc[]>();
      if (failed.length === 0) break;
      log(`retrying ${failed.length} failed orders (round ${round + 1})`);
      for (const order of failed) {
        const outcome = await retryOrder({ client: temporal.client, orders: orderStore(db) }, order._id);
        if (outcome.outcome === 'retried') retries.set(order._id, (retries.get(order._id) ?? 0) + 1);
      }
      await sleep(5_000);
      await drain(orders, acknowledged, p.drainMs, log);
    }

    // The audit compares the consumers' figures with the truth: give them the time to read what the drain produced.
    await consumersCaughtUp(kafka, app.groups, p.drainMs, log);
    log('auditing');
    result = await audit({
      db,
      kafka,
      temporal: temporal.client,
      acknowledged,
      processedFrom,
      retries,
      analyticsUrl: app.analytics,
      operatorToken: await tokens.operator(),
      sku: SKU,
      stockBefore,
    });
  } finally {
    await temporal.connection.close();
    await db.close();
    await app.stopAndClean();
    processLog.end();
  }

  const text = report({ plan: p, seed, runId, injections, placed, result, processErrors: errors });
  console.log(text);
  const file = path.join(
    __dirname,
    'results',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${p.mode}.md`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${text}\n`);
  log(`written: ${path.relative(process.cwd(), file)}`);
  const failedInjections = injections.filter((i) => i.error);
  // A client that got no answer for its whole patience saw the system down far longer than any fault lasted.
  const unanswered = placed.filter((o) => o.givenUp).length;
  return result && result.anomalies.length === 0 && failedInjections.length === 0 && unanswered === 0 ? 0 : 1;
}

async function endOffsets(
  kafka: ReturnType<typeof createKafka>,
  topic: string,
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every acknowledged order has a final status, or the time is up. */
async function drain(
  orders: ReturnType<typeof orderModel>,
  acknowledged: ReadonlyMap<string, number>,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const ids = [...acknowledged.keys()];
  const deadline = Date.now() + timeoutMs;
  const stillOpen = async () =>
    ids.length -
    (
      await orders.find({ _id: { $in: ids } }, { status: 1 }).lean<Pick<OrderDoc, '_id' | 'status'>[]>()
    ).filter((d) => isFinalStatus(d.status)).length;
  let open = await stillOpen();
  while (open > 0 && Date.now() < deadline) {
    await sleep(2_000);
    open = await stillOpen();
  }
  log(
    open === 0
      ? 'drained: every acknowledged order is final'
      : `${open} orders still not final after the drain`,
  );
}

/** Waits (bounded) until the notification and analytics consumer groups have read everything on their topics. */
async function consumersCaughtUp(
  kafka: ReturnType<typeof createKafka>,
  groups: { notifications: string; analytics: string },
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const watched: [string, string[]][] = [
    [groups.notifications, [TOPICS.orderProcessed]],
    [groups.analytics, [TOPICS.orderCreated, TOPICS.orderProcessed]],
  ];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind: Record<string, number> = {};
      for (const [group, topics] of watched) {
        const lag = await consumerLag(admin, group, topics);
        const total = Object.values(lag).reduce((n, t) => n + t.total, 0);
        if (total > 0) behind[group] = total;
      }
      if (Object.keys(behind).length === 0) return log('consumers caught up');
      if (Date.now() > deadline)
        return log(`consumers still behind after the drain: ${JSON.stringify(behind)}`);
      await sleep(2_000);
    }
  } finally {
    await admin.disconnect();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      rate: { type: 'string' },
      'outage-s': { type: 'string' },
      'pause-s': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const seed = values.seed === undefined ? Date.now() % 100_000 : Number(values.seed);
  const p = plan(values, random(seed));
  const config = loadStackConfig();
  // Under `stack exec` (npm test), the servers that run started are this run's to break too.
  const owned = (process.env[OWNED_SERVERS_ENV] ?? '').split(',').filter(Boolean) as ServerName[];
  return withStack(config, (started) => run(config, new Set([...started, ...owned]), p, seed));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(1);
  },
);
