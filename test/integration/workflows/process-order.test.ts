import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { OrderStatusUpdate } from '../../../activities/orders/activities';
import type { ChargeInput } from '../../../activities/payments/activities';
import type { OrderProcessedInput } from '../../../activities/order-events/activities';
import type { StockRequest } from '../../../activities/stock/activities';
import { CUSTOMER_ID, ORDER_STATUS } from '../../../contracts/search-attributes';
import {
  cancelSignal,
  orderWorkflowId,
  statusQuery,
  COMPLETION_STALLED,
  type OrderState,
  type ProcessOrderInput,
} from '../../../contracts/order-workflow';
import { privateTemporal } from '../../support/temporal-env';
import { quietTemporalRuntime } from '../../support/temporal-runtime';
import { orderInput } from '../../support/order-events';
import { TASK_QUEUES } from '../../../contracts/task-queues';
import { generateKey, parseKeyring } from '../../../core/crypto/keyring';
import { temporalDataConverter } from '../../../core/temporal/payload-codec';

/** Payloads encrypted as in production: inputs, results, queries, signals and the memo all go through the codec. */
const dataConverter = temporalDataConverter({
  payloadKeys: parseKeyring(`it:${generateKey()}`, 'PAYLOAD_ENCRYPTION_KEYS'),
});

/**
 * The order workflow against a real (private) Temporal server, with in-memory activities whose behaviour each
 * scenario sets: the saga's decisions are what is under test here; the real activities are tested on their own.
 */
class FakeWorld {
  stock = new Map<string, number>([
    ['KB-001', 10],
    ['MS-002', 10],
  ]);
  holds = new Map<string, StockRequest['items']>();
  charges = new Map<string, number>();
  refunds: string[] = [];
  published: OrderProcessedInput[] = [];
  records: OrderStatusUpdate[] = [];
  chargeAttempts = 0;
  chargeBehaviour: 'ok' | 'decline' | 'fail-once' | 'capture-then-lose-response' = 'ok';
  gates: { reserve?: Promise<void>; publish?: Promise<void>; commit?: Promise<void> } = {};
  /** Per call (1-based), what a step that must happen throws: an outage of Kafka or the order store. */
  outages: {
    publish?: (call: number) => Error | undefined;
    commit?: (call: number) => Error | undefined;
    release?: (call: number) => Error | undefined;
  } = {};
  calls = { publish: 0, commit: 0, release: 0 };

  activities = {
    validateOrder: async (input: ProcessOrderInput) => {
      if (input.items.length === 0) throw ApplicationFailure.nonRetryable('no items', 'InvalidOrder');
    },
    recordOrderStatus: async (update: OrderStatusUpdate) => {
      this.records.push(structuredClone(update));
    },
    reserveStock: async ({ orderId, items }: StockRequest) => {
      await this.gates.reserve;
      if (this.holds.has(orderId)) return { alreadyReserved: true };
      const short = items.find((i) => (this.stock.get(i.sku) ?? 0) < i.quantity);
      if (short) throw ApplicationFailure.nonRetryable(`${short.sku} short`, 'OutOfStock');
      for (const i of items) this.stock.set(i.sku, this.stock.get(i.sku)! - i.quantity);
      this.holds.set(orderId, items);
      return { alreadyReserved: false };
    },
    releaseStock: async ({ orderId }: StockRequest) => {
      const failure = this.outages.release?.(++this.calls.release);
      if (failure) throw failure;
      for (const i of this.holds.get(orderId) ?? [])
        this.stock.set(i.sku, this.stock.get(i.sku)! + i.quantity);
      this.holds.delete(orderId);
    },
    commitStock: async ({ orderId }: StockRequest) => {
      const failure = this.outages.commit?.(++this.calls.commit);
      if (failure) throw failure;
      await this.gates.commit;
      this.holds.delete(orderId);
    },
    chargePayment: async (input: ChargeInput) => {
      this.chargeAttempts += 1;
      if (this.chargeBehaviour === 'decline')
        throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined');
      if (this.chargeBehaviour === 'fail-once' && this.chargeAttempts === 1) {
        throw ApplicationFailure.retryable('gateway timed out', 'GatewayUnavailable');
      }
      this.charges.set(input.orderId, input.amountCents);
      if (this.chargeBehaviour === 'capture-then-lose-response') {
        // Captured, but the answer never came back, and the retries ran out (non-retryable to keep it quick).
        throw ApplicationFailure.nonRetryable(
          'gateway captured but the response was lost',
          'GatewayUnavailable',
        );
      }
      return { chargeId: `ch-${input.orderId}` };
    },
    refundPayment: async ({ orderId }: { orderId: string }) => {
      this.refunds.push(orderId);
      return { refunded: this.charges.delete(orderId) };
    },
    publishOrderProcessed: async (input: OrderProcessedInput) => {
      const failure = this.outages.publish?.(++this.calls.publish);
      if (failure) throw failure;
      await this.gates.publish;
      this.published.push(input);
      return { eventId: `ev-${input.orderId}` };
    },
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('processOrder workflow', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    quietTemporalRuntime();
    env = await privateTemporal({ dataConverter });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function run(
    world: FakeWorld,
    scenario: (input: ProcessOrderInput, workflowId: string) => Promise<void>,
  ) {
    const workers = await Promise.all(
      [
        { taskQueue: TASK_QUEUES.orders, workflowsPath: require.resolve('../../../workflows') },
        { taskQueue: TASK_QUEUES.payments },
        { taskQueue: TASK_QUEUES.orderEvents },
      ].map((options) =>
        Worker.create({
          connection: env.nativeConnection,
          activities: world.activities,
          dataConverter,
          ...options,
        }),
      ),
    );
    const orderId = randomUUID();
    const input = orderInput(orderId, {
      customerId: `c-${orderId.slice(0, 8)}`,
      acceptedAt: new Date().toISOString(),
    });
    const [first, ...rest] = workers;
    const runAll = (inner: () => Promise<void>): Promise<void> =>
      rest.reduce<() => Promise<void>>((acc, w) => () => w.runUntil(acc), inner)();
    await first!.runUntil(runAll(() => scenario(input, orderWorkflowId(orderId))));
    return input;
  }

  const start = (
    input: ProcessOrderInput,
    workflowId: string,
    workflowTaskTimeout?: number,
    workflowIdReusePolicy?: WorkflowIdReusePolicy,
  ) =>
    env.client.workflow.start('processOrder', {
      taskQueue: TASK_QUEUES.orders,
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: CUSTOMER_ID, value: input.customerId }],
      workflowTaskTimeout,
      workflowIdReusePolicy,
    });

  async function waitFor(
    handle: { query: (q: typeof statusQuery) => Promise<OrderState> },
    pred: (s: OrderState) => boolean,
  ) {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const state = await handle.query(statusQuery);
      if (pred(state)) return state;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('workflow never reached the expected state');
  }

  it('happy path: validated, reserved, charged, published, completed', async () => {
    const world = new FakeWorld();
    const input = await run(world, async (input, workflowId) => {
      const handle = await start(input, workflowId);
      const result = await handle.result();
      expect(result).toEqual({
        orderId: input.orderId,
        status: 'completed',
        reason: null,
        steps: ['validated', 'stock-reserved', 'payment-captured', 'published'],
      });
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(ORDER_STATUS)).toBe('completed');
      expect(description.typedSearchAttributes.get(CUSTOMER_ID)).toBe(input.customerId);

      // The orders queue's own steps ran as local activities: only payment and publishing went through task
      // queues, so the whole order took three workflow tasks.
      const { events } = await handle.fetchHistory();
      expect(
        events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
      ).toEqual(['chargePayment', 'publishOrderProcessed']);
      const markers = events!.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
      // validate, reserve, commit, record the outcome: nothing is recorded as the run starts (the starter says
      // processing, and the store derives it), and OrderStatus is upserted once, with the outcome.
      expect(markers.filter((m) => m === 'core_local_activity')).toHaveLength(4);
      const statusUpserts = events!.filter(
        (e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus,
      );
      expect(statusUpserts).toHaveLength(1);
      expect(markers).toContain('core_patch');
      expect(events!.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(3);
    });
    expect(world.stock.get('KB-001')).toBe(8);
    expect(world.stock.get('MS-002')).toBe(9);
    expect(world.holds.size).toBe(0); // committed
    expect(world.charges.get(input.orderId)).toBe(20700);
    expect(world.published).toHaveLength(1);
    expect(world.published[0]).toMatchObject({
      status: 'completed',
      reason: null,
      totalCents: 20700,
      customerId: input.customerId,
    });
    expect(world.records.map((r) => r.status)).toEqual(['completed']);
  });

  it('out of stock: rejected, stock untouched, nothing charged', async () => {
    const world = new FakeWorld();
    world.stock.set('KB-001', 1);
    await run(world, async (input, workflowId) => {
      const result = await (await start(input, workflowId)).result();
      expect(result.status).toBe('rejected');
      expect(result.reason).toEqual({ type: 'OutOfStock', message: 'KB-001 short' });
    });
    expect(world.stock.get('KB-001')).toBe(1);
    expect(world.stock.get('MS-002')).toBe(10);
    expect(world.chargeAttempts).toBe(0);
    expect(world.published.map((p) => [p.status, p.reason?.type])).toEqual([['rejected', 'OutOfStock']]);
    expect(world.records.at(-1)).toMatchObject({ status: 'rejected', reason: { type: 'OutOfStock' } });
  });

  it('payment declined: rejected and the reserved stock is released', async () => {
    const world = new FakeWorld();
    world.chargeBehaviour = 'decline';
    await run(world, async (input, workflowId) => {
      const result = await (await start(input, workflowId)).result();
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { type: 'PaymentDeclined', message: 'card declined' },
      });
      expect(result.steps).toEqual(['validated', 'stock-reserved', 'stock-released', 'published']);
    });
    expect(world.stock.get('KB-001')).toBe(10);
    expect(world.stock.get('MS-002')).toBe(10);
    expect(world.chargeAttempts).toBe(1); // non-retryable: not retried
    expect(world.refunds).toEqual([]);
    expect(world.published.map((p) => p.status)).toEqual(['rejected']);
  });

  it('transient payment failure: retried under the policy, then completed with one charge', async () => {
    const world = new FakeWorld();
    world.chargeBehaviour = 'fail-once';
    const input = await run(world, async (input, workflowId) => {
      const handle = await start(input, workflowId);
      expect((await handle.result()).status).toBe('completed');
      const history = await handle.fetchHistory();
      const chargeStart = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2);
      expect(chargeStart).toHaveLength(1);
      expect(chargeStart[0]!.activityTaskStartedEventAttributes!.lastFailure?.message).toBe(
        'gateway timed out',
      );
    });
    expect(world.chargeAttempts).toBe(2);
    expect([...world.charges]).toEqual([[input.orderId, 20700]]);
  });

  it('cancel before the charge: cancelled, stock released, nothing charged', async () => {
    const world = new FakeWorld();
    const reserve = gate();
    world.gates.reserve = reserve.promise;
    await run(world, async (input, workflowId) => {
      // Reserving is a local activity, run inside the workflow task: the query and the signal below reach the
      // workflow when that task heartbeats, at 80% of its timeout. A short timeout keeps the test quick.
      const handle = await start(input, workflowId, 2000);
      await waitFor(handle, (s) => s.steps.includes('validated'));
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      const state = await waitFor(handle, (s) => s.cancel.state !== 'none');
      expect(state.cancel).toEqual({ state: 'accepted', reason: 'changed my mind' });
      reserve.open();
      const result = await handle.result();
      expect(result).toMatchObject({
        status: 'cancelled',
        reason: { type: 'Cancelled', message: 'changed my mind' },
      });
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_STATUS)).toBe('cancelled');
    });
    expect(world.stock.get('KB-001')).toBe(10);
    expect(world.chargeAttempts).toBe(0);
    expect(world.published.map((p) => p.status)).toEqual(['cancelled']);
  });

  it('cancel after the charge: refused, and the order completes', async () => {
    const world = new FakeWorld();
    const publish = gate();
    world.gates.publish = publish.promise;
    await run(world, async (input, workflowId) => {
      const handle = await start(input, workflowId);
      await waitFor(handle, (s) => s.steps.includes('payment-captured') && !s.cancellable);
      await handle.signal(cancelSignal, {});
      const state = await waitFor(handle, (s) => s.cancel.state !== 'none');
      expect(state.cancel).toEqual({ state: 'refused', reason: 'payment already captured' });
      publish.open();
      expect((await handle.result()).status).toBe('completed');
    });
    expect(world.refunds).toEqual([]);
    expect(world.published.map((p) => p.status)).toEqual(['completed']);
  });

  // Kafka or the order store down after the capture: the first attempts fail (non-retryable, to be quick), then the
  // patient ones wait for it.
  const kafkaDown = () => ApplicationFailure.nonRetryable('broker unreachable', 'KafkaUnavailable');

  it('an outage after the capture makes the order wait, never refunds it: completed, one order-processed', async () => {
    const world = new FakeWorld();
    const back = gate();
    world.gates.publish = back.promise;
    world.outages.publish = (call) => (call === 1 ? kafkaDown() : undefined);
    const input = await run(world, async (input, workflowId) => {
      const handle = await start(input, workflowId);
      const waiting = await waitFor(handle, (s) => s.waitingOn !== undefined);
      expect(waiting).toMatchObject({
        status: 'processing',
        steps: ['validated', 'stock-reserved', 'payment-captured'],
        waitingOn: { step: 'publishing order-processed', lastError: 'broker unreachable' },
      });
      expect((await handle.describe()).memo?.waitingOn).toMatch(/^publishing order-processed, since /);
      back.open();
      const result = await handle.result();
      expect(result).toEqual({
        orderId: input.orderId,
        status: 'completed',
        reason: null,
        steps: ['validated', 'stock-reserved', 'payment-captured', 'published'],
      });
      const description = await handle.describe();
      expect(description.memo?.waitingOn).toBeUndefined();
      expect(description.typedSearchAttributes.get(ORDER_STATUS)).toBe('completed');
    });
    expect(world.refunds).toEqual([]);
    expect([...world.charges]).toEqual([[input.orderId, 20700]]);
    expect(world.published.map((p) => p.status)).toEqual(['completed']);
    expect(world.holds.size).toBe(0);
    expect(world.records.map((r) => r.status)).toEqual(['completed']);
  });

  it('committing the stock failing after the capture still completes the order, announced once', async () => {
    const world = new FakeWorld();
    world.outages.commit = (call) =>
      call === 1
        ? ApplicationFailure.nonRetryable('order store unreachable', 'MongoNetworkError')
        : undefined;
    const input = await run(world, async (input, workflowId) => {
      expect((await (await start(input, workflowId)).result()).status).toBe('completed');
    });
    expect(world.calls.commit).toBe(2);
    expect(world.published.map((p) => p.status)).toEqual(['completed']);
    expect(world.refunds).toEqual([]);
    expect([...world.charges]).toEqual([[input.orderId, 20700]]);
    expect(world.records.at(-1)).toMatchObject({ status: 'completed' });
  });

  it('records the outcome before it commits the stock, so a committed order is always final', async () => {
    const world = new FakeWorld();
    const back = gate();
    world.gates.commit = back.promise;
    const input = await run(world, async (input, workflowId) => {
      const handle = await start(input, workflowId);
      for (const deadline = Date.now() + 20_000; world.records.length === 0 && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 50));
      // Completed in the store while the commit still waits: were the run to stall here, no operator retry could
      // reserve its stock a second time (the holds being the only record of a reservation), and its units stay sold.
      expect(world.records.map((r) => r.status)).toEqual(['completed']);
      expect(world.holds.has(input.orderId)).toBe(true);
      back.open();
      expect((await handle.result()).status).toBe('completed');
    });
    expect(world.holds.has(input.orderId)).toBe(false);
    expect(world.stock.get('KB-001')).toBe(8);
  });

  it('an outage past the completion timeout fails the run without a refund; the retry completes, charged once', async () => {
    const world = new FakeWorld();
    let outage = true;
    world.outages.publish = (call) =>
      call === 1
        ? kafkaDown()
        : outage
          ? ApplicationFailure.retryable('broker unreachable', 'KafkaUnavailable')
          : undefined;
    const input = await run(world, async (input, workflowId) => {
      const quick = { ...input, completionTimeoutMs: 3_000 };
      const failure = await (await start(quick, workflowId)).result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause).toMatchObject({ type: COMPLETION_STALLED });
      expect(cause!.message).toMatch(
        /^the payment is captured, but publishing order-processed did not succeed/,
      );
      expect(world.refunds).toEqual([]);
      expect(world.holds.has(input.orderId)).toBe(true); // still held for the order: nothing was released

      // The operator retries it once Kafka is back: a new run under the same id.
      outage = false;
      const retried = await start(
        quick,
        workflowId,
        undefined,
        WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      );
      expect((await retried.result()).status).toBe('completed');
    });
    expect(world.refunds).toEqual([]);
    expect([...world.charges]).toEqual([[input.orderId, 20700]]);
    expect(world.published.map((p) => p.status)).toEqual(['completed']);
    expect(world.holds.size).toBe(0);
  });

  it('a charge whose outcome is unknown is refunded when the order fails, so nothing stays captured', async () => {
    const world = new FakeWorld();
    world.chargeBehaviour = 'capture-then-lose-response';
    await run(world, async (input, workflowId) => {
      const failure = await (await start(input, workflowId)).result().catch((err: unknown) => err);
      expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'GatewayUnavailable' });
      expect(world.refunds).toEqual([input.orderId]);
    });
    expect(world.charges.size).toBe(0);
    expect(world.published.map((p) => [p.status, p.reason?.type])).toEqual([
      ['failed', 'GatewayUnavailable'],
    ]);
    // Failed at once; the refund that then got through is recorded too.
    expect(world.records.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(world.records.at(-1)).toMatchObject({
      status: 'failed',
      steps: ['validated', 'stock-reserved', 'stock-released', 'published', 'payment-refunded'],
    });
    expect(world.stock.get('KB-001')).toBe(10);
  });

  it('an outage while compensating makes the saga wait: the declined order still ends rejected, its stock released', async () => {
    const world = new FakeWorld();
    world.chargeBehaviour = 'decline';
    world.outages.release = (call) =>
      call === 1
        ? ApplicationFailure.nonRetryable('order store unreachable', 'MongoNetworkError')
        : undefined;
    await run(world, async (input, workflowId) => {
      const result = await (await start(input, workflowId)).result();
      expect(result).toMatchObject({ status: 'rejected', reason: { type: 'PaymentDeclined' } });
      expect(result.steps).toEqual(['validated', 'stock-reserved', 'stock-released', 'published']);
    });
    expect(world.calls.release).toBe(2);
    expect(world.stock.get('KB-001')).toBe(10);
    expect(world.published.map((p) => p.status)).toEqual(['rejected']);
  });
});
