/**
 * Worker scaling per task queue, measured: the same burst of orders against a deliberately slow payment gateway
 * with 1 and then 3 `payments` worker processes, and a run where one payments worker is killed with SIGKILL in the
 * middle of the burst. Every other process of the pipeline runs as usual, against the local stack.
 *
 *   npm run bench:scaling -- [--orders 30] [--gateway-ms 2000]
 *
 * Each payments worker runs one charge at a time (WORKER_PAYMENTS_MAX_ACTIVITIES=1), so its throughput is about
 * 1000 / gateway-ms charges per second and the gateway, not the rest of the system, is the bottleneck.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadStackConfig } from '../stack/config';
import { FINAL_STATUSES } from '../../contracts/events';
import { connectMongo } from '../../core/mongo/connection';
import { appProcesses, databaseUrl, startApp, type StartedApp } from '../stack/app';
import { withStack } from '../stack/commands';
import { freePort } from '../stack/control';
import { localTokens } from '../stack/issuer/keys';
import { stackPaths } from '../stack/paths';

interface RunResult {
  label: string;
  paymentsWorkers: number;
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  statuses: Record<string, number>;
  /** Charges in the gateway's ledger for these orders: one per completed order, never more (keyed by orderId). */
  charges: number;
}

async function run(
  label: string,
  workers: number,
  orders: number,
  gatewayMs: number,
  killOne: boolean,
): Promise<RunResult> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const config = loadStackConfig();
  const operator = `Bearer ${await localTokens(stackPaths(config).issuer, config.auth).operator()}`;
  const db = `bench_scaling_${randomUUID().slice(0, 8)}`;
  const mongoUrl = databaseUrl(loadStackConfig(), db);
  const processes = appProcesses(
    loadStackConfig({ ...process.env, WORKERS_PAYMENTS: String(workers) }),
  ).filter((p) => p.name !== 'notifications' && p.name !== 'analytics');
  let app: StartedApp | undefined;
  try {
    app = await startApp(processes, {
      env: {
        API_PORT: String(port),
        MONGO_URL: mongoUrl,
        PAYMENT_LATENCY_MS: String(gatewayMs),
        WORKER_PAYMENTS_MAX_ACTIVITIES: '1',
        LOG_LEVEL: 'warn',
      },
      output: (name, line) => {
        if (/exited|restarting/.test(line)) console.log(`  ${name}: ${line}`);
      },
    });
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: orders }, async (_, i) => {
        const res = await fetch(`${api}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: operator },
          body: JSON.stringify({
            customerId: `bench-${i % 5}`,
            email: 'bench@example.com',
            currency: 'EUR',
            items: [{ sku: 'MS-002', quantity: 1 }],
          }),
        });
        if (res.status !== 202) throw new Error(`POST /orders: HTTP ${res.status} ${await res.text()}`);
        return ((await res.json()) as { orderId: string }).orderId;
      }),
    );
    if (killOne) {
      // Mid-burst: some charges are in flight on the worker that dies.
      await new Promise((r) => setTimeout(r, gatewayMs * 2));
      const victim = [...app.ready.entries()].find(([name]) => name.startsWith('worker-payments'))!;
      console.log(`  kill -9 ${victim[0]} (pid ${String(victim[1].pid)})`);
      process.kill(Number(victim[1].pid), 'SIGKILL');
    }
    const statuses: Record<string, number> = {};
    const pending = new Set(ids);
    const deadline = Date.now() + 15 * 60_000;
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`${pending.size} orders still unfinished after 15 minutes`);
      await Promise.all(
        [...pending].map(async (id) => {
          const order = (await (
            await fetch(`${api}/orders/${id}`, { headers: { authorization: operator } })
          ).json()) as { status: string };
          if ((FINAL_STATUSES as readonly string[]).includes(order.status)) {
            pending.delete(id);
            statuses[order.status] = (statuses[order.status] ?? 0) + 1;
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;

    const conn = await connectMongo({ ...loadStackConfig().mongo, url: mongoUrl });
    const charges = await conn
      .collection<{ _id: string }>('payment_ledger')
      .find({ _id: { $in: ids } })
      .toArray();
    await conn.dropDatabase();
    await conn.close();
    return {
      label,
      paymentsWorkers: workers,
      orders,
      seconds,
      ordersPerSecond: orders / seconds,
      statuses,
      charges: charges.length,
    };
  } finally {
    await app?.stop();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { orders: { type: 'string', default: '30' }, 'gateway-ms': { type: 'string', default: '2000' } },
  });
  const orders = Number(values.orders);
  const gatewayMs = Number(values['gateway-ms']);
  if (!Number.isInteger(orders) || orders < 1 || orders > 500) throw new Error('--orders: expected 1-500');
  if (!Number.isInteger(gatewayMs) || gatewayMs < 1)
    throw new Error('--gateway-ms: expected a positive whole number');

  const results: RunResult[] = [];
  await withStack(loadStackConfig(), async () => {
    results.push(await run('1 payments worker', 1, orders, gatewayMs, false));
    results.push(await run('3 payments workers', 3, orders, gatewayMs, false));
    results.push(await run('3 payments workers, one killed -9 mid-burst', 3, orders, gatewayMs, true));
    return 0;
  });
  console.log(
    `\nburst of ${orders} orders, simulated gateway ${gatewayMs} ms per charge, 1 charge at a time per worker\n`,
  );
  console.log('| run | orders/s | seconds | outcomes | charges in the ledger |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.ordersPerSecond.toFixed(2)} | ${r.seconds.toFixed(1)} | ${Object.entries(r.statuses)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')} | ${r.charges} |`,
    );
  }
  const [one, three] = results;
  console.log(`\nspeed-up with 3 workers: ${(three!.ordersPerSecond / one!.ordersPerSecond).toFixed(2)}x`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:scaling: ${(err as Error).message}`);
    process.exit(1);
  },
);
