/**
 * Records the processOrder histories that test/unit/workflows/replay.test.ts replays: `npm run histories:record`.
 *
 * Each scenario runs the workflow on a private Temporal dev server with in-memory activities and writes the run's
 * event history to test/fixtures/histories/<scenario>.json. Replaying those files against the current workflow
 * code is how CI learns that a change would break runs already in flight: a worker running the new code must make
 * the same decisions, in the same order, as the code that wrote their history.
 *
 * When to re-record: only after an intentional workflow change that is versioned (`patched()` or a new workflow
 * type), once the replay test passes on the histories recorded before it. Keep those older files next to the new
 * ones (e.g. rename `completed.json` to `completed.v1.json`; every file in the folder is replayed) for as long as
 * runs started by the old code can still be open.
 *
 * Never re-record to make a failing replay test pass: the failure is the point. It means a run in production
 * would hit a non-determinism error on its next workflow task, and fresh recordings would only hide that.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import prettier from 'prettier';
import {
  GATEWAY_UNAVAILABLE,
  PAYMENT_DECLINED,
  type ChargeInput,
} from '../../activities/payments/activities';
import type { OrderProcessedInput } from '../../activities/order-events/activities';
import { OUT_OF_STOCK, type StockRequest } from '../../activities/stock/activities';
import { CUSTOMER_ID, ORDER_STATUS } from '../../contracts/search-attributes';
import {
  cancelSignal,
  orderWorkflowId,
  PROCESS_ORDER_WORKFLOW,
  statusQuery,
  type ProcessOrderInput,
  type ProcessOrderResult,
} from '../../contracts/order-workflow';
import type { processOrder } from '../../workflows';
import { privateTemporal } from './temporal-env';
import { quietTemporalRuntime } from './temporal-runtime';
import { orderInput } from './order-events';
import { TASK_QUEUES } from '../../contracts/task-queues';

const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

// Not the SDK's historyToJSON: it checks the History type against its own copy of protobufjs and throws "type must
// be a Type" whenever npm installs that copy apart from @temporalio/proto's (as here, where grpc's protobufjs 7
// takes the top level). The ProtoJSON codec of the copy @temporalio/proto loads writes the same standard format,
// the one `temporal workflow show --output json` writes and the replayer reads.
const { toJson } = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
};

function historyToJSON(history: temporal.api.history.v1.IHistory): string {
  const { History } = temporal.api.history.v1;
  return JSON.stringify(toJson(History, History.fromObject(history)), null, 2);
}

// Outcomes follow from the order itself (ids, SKUs, customers are fixed), so every recording takes the same path.
const ORDER_IDS = {
  completed: '7f1c2a3e-0001-4000-8000-000000000001',
  outOfStock: '7f1c2a3e-0002-4000-8000-000000000002',
  declined: '7f1c2a3e-0003-4000-8000-000000000003',
  cancelled: '7f1c2a3e-0004-4000-8000-000000000004',
  failed: '7f1c2a3e-0005-4000-8000-000000000005',
  waited: '7f1c2a3e-0006-4000-8000-000000000006',
};
const SOLD_OUT_SKU = 'DISCONTINUED-001';
const DECLINED_CUSTOMER = 'c-declined';
const OUTAGE_CUSTOMER = 'c-during-outage';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** In-memory activities: a history holds only the sequence of outcomes, not what the activities touched. */
class FakeWorld {
  /** The gateway outage the `failed` order runs into; lifted before the operator retries it. */
  gatewayDown = true;
  /** Kafka is down for the `completed-after-outage` order's first publish, back for the next. */
  kafkaBack = false;
  /** Holds the cancelled order's reservation open until the cancel is in, so it lands before the charge. */
  reserveStarted = gate();
  reserveGate = gate();

  activities = {
    validateOrder: async () => undefined,
    recordOrderStatus: async () => undefined,
    reserveStock: async ({ orderId, items }: StockRequest) => {
      if (orderId === ORDER_IDS.cancelled) {
        this.reserveStarted.open();
        await this.reserveGate.promise;
      }
      const soldOut = items.find((i) => i.sku === SOLD_OUT_SKU);
      if (soldOut) throw ApplicationFailure.nonRetryable(`${soldOut.sku}: none left`, OUT_OF_STOCK);
      return { alreadyReserved: false };
    },
    releaseStock: async () => undefined,
    commitStock: async () => undefined,
    chargePayment: async ({ orderId, customerId }: ChargeInput) => {
      if (customerId === DECLINED_CUSTOMER)
        throw ApplicationFailure.nonRetryable('card declined', PAYMENT_DECLINED);
      // Non-retryable only to keep the recording fast: the workflow sees the same technical failure as when a
      // retryable one runs out of attempts, and makes the same decisions.
      if (customerId === OUTAGE_CUSTOMER && this.gatewayDown)
        throw ApplicationFailure.nonRetryable('payment gateway unavailable', GATEWAY_UNAVAILABLE);
      return { chargeId: `ch-${orderId}` };
    },
    refundPayment: async () => ({ refunded: true }),
    publishOrderProcessed: async ({ orderId, status }: OrderProcessedInput) => {
      // Kafka down after the capture: the first attempts fail (non-retryable, to be quick), the patient ones pass.
      if (orderId === ORDER_IDS.waited && !this.kafkaBack) {
        this.kafkaBack = true;
        throw ApplicationFailure.nonRetryable('broker unreachable', 'KafkaUnavailable');
      }
      return { eventId: `ev-${orderId}-${status}` };
    },
  };
}

type Handle = WorkflowHandle<typeof processOrder>;

async function save(scenario: string, handle: Handle): Promise<void> {
  const file = path.join(HISTORIES_DIR, `${scenario}.json`);
  // Formatted as the repository formats JSON, so `prettier --check` passes on a fresh recording.
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  await fs.writeFile(file, await prettier.format(historyToJSON(await handle.fetchHistory()), options));
  console.log(`recorded ${path.relative(process.cwd(), file)}`);
}

/** A recording of the wrong outcome would make a misleading fixture: stop instead. */
function expectOutcome(scenario: string, result: ProcessOrderResult, status: ProcessOrderResult['status']) {
  if (result.status !== status)
    throw new Error(
      `${scenario}: expected the order ${status}, got ${result.status} (${JSON.stringify(result)})`,
    );
}

async function expectFailedRun(scenario: string, handle: Handle, type: string): Promise<void> {
  const failure = await handle.result().then(
    (result) => new Error(`${scenario}: expected the run to fail, the order ended ${result.status}`),
    (err: unknown) => err,
  );
  const cause = failure instanceof WorkflowFailedError ? failure.cause : undefined;
  if (!(cause instanceof ApplicationFailure && cause.type === type))
    throw new Error(`${scenario}: expected the run to fail with ${type}`, { cause: failure });
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function recordAll(env: TestWorkflowEnvironment, world: FakeWorld): Promise<void> {
  const start = (input: ProcessOrderInput, options: { retry?: boolean } = {}): Promise<Handle> =>
    env.client.workflow.start<typeof processOrder>(PROCESS_ORDER_WORKFLOW, {
      taskQueue: TASK_QUEUES.orders,
      workflowId: orderWorkflowId(input.orderId),
      args: [input],
      // As every starter does (domain/orders/workflow-start.ts): processing from the run's first moment.
      typedSearchAttributes: [
        { key: CUSTOMER_ID, value: input.customerId },
        { key: ORDER_STATUS, value: 'processing' },
      ],
      // As the operator's retry does: a new run under the same id, allowed only because the last one failed.
      ...(options.retry ? { workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY } : {}),
    });

  let handle = await start(orderInput(ORDER_IDS.completed));
  expectOutcome('completed', await handle.result(), 'completed');
  await save('completed', handle);

  handle = await start(orderInput(ORDER_IDS.waited));
  expectOutcome('completed-after-outage', await handle.result(), 'completed');
  await save('completed-after-outage', handle);

  const soldOut = {
    sku: SOLD_OUT_SKU,
    name: 'Old keyboard',
    quantity: 1,
    unitPriceCents: 8900,
    lineTotalCents: 8900,
  };
  handle = await start(orderInput(ORDER_IDS.outOfStock, { items: [soldOut], totalCents: 8900 }));
  expectOutcome('rejected-out-of-stock', await handle.result(), 'rejected');
  await save('rejected-out-of-stock', handle);

  handle = await start(orderInput(ORDER_IDS.declined, { customerId: DECLINED_CUSTOMER }));
  const declined = await handle.result();
  expectOutcome('rejected-payment-declined', declined, 'rejected');
  if (!declined.steps.includes('stock-released'))
    throw new Error('rejected-payment-declined: stock not released');
  await save('rejected-payment-declined', handle);

  handle = await start(orderInput(ORDER_IDS.cancelled));
  await world.reserveStarted.promise;
  await handle.signal(cancelSignal, { reason: 'changed my mind' });
  const cancelling = handle;
  await waitUntil(
    'the cancel is accepted',
    async () => (await cancelling.query(statusQuery)).cancel.state === 'accepted',
  );
  world.reserveGate.open();
  const cancelled = await handle.result();
  expectOutcome('cancelled', cancelled, 'cancelled');
  if (!cancelled.steps.includes('stock-released')) throw new Error('cancelled: stock not released');
  await save('cancelled', handle);

  const outage = orderInput(ORDER_IDS.failed, { customerId: OUTAGE_CUSTOMER });
  handle = await start(outage);
  await expectFailedRun('failed', handle, GATEWAY_UNAVAILABLE);
  await save('failed', handle);

  world.gatewayDown = false;
  handle = await start(outage, { retry: true });
  expectOutcome('retried', await handle.result(), 'completed');
  await save('retried', handle);
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  await fs.mkdir(HISTORIES_DIR, { recursive: true });
  // Without the payload codec: the fixtures stay readable and replayable without a key, like the histories of
  // runs started before encryption, which the codec passes through (the replay test runs with it).
  const env = await privateTemporal();
  try {
    const world = new FakeWorld();
    const workers = await Promise.all(
      [
        { taskQueue: TASK_QUEUES.orders, workflowsPath: require.resolve('../../workflows') },
        { taskQueue: TASK_QUEUES.payments },
        { taskQueue: TASK_QUEUES.orderEvents },
      ].map((options) =>
        Worker.create({ connection: env.nativeConnection, activities: world.activities, ...options }),
      ),
    );
    const running = workers.map((worker) => worker.run());
    try {
      await recordAll(env, world);
    } finally {
      for (const worker of workers) worker.shutdown();
      await Promise.all(running);
    }
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
