import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { AcceptedOrder, CancelAccepted, ErrorBody, OrderView } from '../../../contracts/http/orders/schemas';
import {
  orderWorkflowId,
  PROCESS_ORDER_WORKFLOW,
  type ProcessOrderInput,
} from '../../../contracts/order-workflow';
import { finishSignal } from './fixtures/order-workflow';
import { newCustomer, orderRequest, startApi, type ApiHarness } from './harness';
import { quietTemporalRuntime } from '../../support/temporal-runtime';
import { temporalDataConverter } from '../../../core/temporal/payload-codec';

/**
 * The API's view of orders whose workflow runs: a stand-in workflow with the real contract (status query, cancel
 * signal, result) runs on a task queue of this test's own, so nothing else picks its workflows up.
 */

let api: ApiHarness;
let workerConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = `it-api-${randomUUID()}`;
const started: string[] = [];

beforeAll(async () => {
  quietTemporalRuntime();
  api = await startApi();
  workerConnection = await NativeConnection.connect({ address: api.config.temporal.address });
  worker = await Worker.create({
    connection: workerConnection,
    namespace: api.config.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./fixtures/order-workflow'),
    dataConverter: temporalDataConverter(api.config.temporal),
  });
  workerRun = worker.run();
});

afterAll(async () => {
  // Leave no running workflow behind, whatever the tests did.
  await Promise.all(
    started.map((id) =>
      api.temporal.client.workflow
        .getHandle(id)
        .terminate('integration test cleanup')
        .catch(() => undefined),
    ),
  );
  worker.shutdown();
  await workerRun;
  await workerConnection.close();
  await api.close();
});

/** Accepts an order through the API and starts its workflow as the bridge would. */
async function acceptAndStart(customerId: string, queue = taskQueue): Promise<AcceptedOrder> {
  const created = AcceptedOrder.parse(
    (await api.request().post('/orders').send(orderRequest(customerId))).body,
  );
  const input: ProcessOrderInput = {
    orderId: created.orderId,
    customerId,
    email: 'ada@example.com',
    currency: created.currency,
    items: created.items,
    totalCents: created.totalCents,
    acceptedAt: created.createdAt,
  };
  const workflowId = orderWorkflowId(created.orderId);
  started.push(workflowId);
  await api.temporal.client.workflow.start(PROCESS_ORDER_WORKFLOW, {
    taskQueue: queue,
    workflowId,
    args: [input],
  });
  return created;
}

async function getOrder(orderId: string): Promise<OrderView> {
  const res = await api.request().get(`/orders/${orderId}`);
  expect(res.status).toBe(200);
  return OrderView.parse(res.body);
}

/** GET /orders/:id until its status is `status` (workflows move asynchronously), then that view. */
async function awaitStatus(orderId: string, status: OrderView['status']): Promise<OrderView> {
  let view = await getOrder(orderId);
  for (const deadline = Date.now() + 20_000; view.status !== status && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    view = await getOrder(orderId);
  }
  expect(view.status).toBe(status);
  return view;
}

it('reports the live status, steps and cancel state of a running workflow', async () => {
  const created = await acceptAndStart(newCustomer());
  const view = await awaitStatus(created.orderId, 'processing');
  expect(view).toMatchObject({ steps: ['validated'], reason: null, cancel: { state: 'none' } });
  // The document still says accepted: the live status came from the workflow.
  expect((await api.orders.findById(created.orderId).lean())!.status).toBe('accepted');
});

it('reports a completed workflow from its result', async () => {
  const created = await acceptAndStart(newCustomer());
  await awaitStatus(created.orderId, 'processing');
  await api.temporal.client.workflow.getHandle(orderWorkflowId(created.orderId)).signal(finishSignal);
  const view = await awaitStatus(created.orderId, 'completed');
  expect(view).toMatchObject({ steps: ['validated', 'published'], reason: null });
});

it('cancels an order before its payment is captured, and then reports it cancelled', async () => {
  const created = await acceptAndStart(newCustomer());
  await awaitStatus(created.orderId, 'processing');

  const res = await api
    .request()
    .post(`/orders/${created.orderId}/cancel`)
    .send({ reason: 'changed my mind' });
  expect(res.status).toBe(202);
  const body = CancelAccepted.parse(res.body);
  expect(body.orderId).toBe(created.orderId);
  expect(['cancelling', 'cancelled']).toContain(body.status);
  expect(body.cancel).toEqual({ state: 'accepted', reason: 'changed my mind' });

  const view = await awaitStatus(created.orderId, 'cancelled');
  expect(view.reason).toEqual({ type: 'Cancelled', message: 'changed my mind' });

  const again = await api.request().post(`/orders/${created.orderId}/cancel`);
  expect(again.status).toBe(409);
  expect(ErrorBody.parse(again.body)).toEqual({ error: 'not_cancellable', message: 'order is cancelled' });
});

it('refuses to cancel once the payment is captured, and reports a terminated run as failed', async () => {
  const created = await acceptAndStart(newCustomer('captured'));
  await awaitStatus(created.orderId, 'processing');

  const res = await api.request().post(`/orders/${created.orderId}/cancel`).send({});
  expect(res.status).toBe(409);
  expect(ErrorBody.parse(res.body)).toEqual({
    error: 'not_cancellable',
    message: 'payment already captured',
  });
  expect((await getOrder(created.orderId)).cancel).toEqual({ state: 'none' });

  await api.temporal.client.workflow
    .getHandle(orderWorkflowId(created.orderId))
    .terminate('stopped by an operator');
  const view = await awaitStatus(created.orderId, 'failed');
  expect(view.reason).toEqual({ type: 'WorkflowFailed', message: 'stopped by an operator' });
  expect(view.steps).toEqual([]); // the stored steps: a failed run reports none
});

it('answers the outcome the workflow stored just before its run closed, not the bare end of the run', async () => {
  const created = await acceptAndStart(newCustomer('closing'));
  await awaitStatus(created.orderId, 'processing');
  await api.temporal.client.workflow.getHandle(orderWorkflowId(created.orderId)).terminate('run closed');

  // The interleaving a reader can meet: it reads the order while the workflow's last step is storing the outcome,
  // and then finds the run closed.
  const outcome = { type: 'GatewayUnavailable', message: 'payment gateway switched off' };
  const workflows = api.temporal.client.workflow;
  const getHandle = workflows.getHandle.bind(workflows);
  const spy = jest.spyOn(workflows, 'getHandle').mockImplementation((...args) => {
    const handle = getHandle(...args);
    const describe = handle.describe.bind(handle);
    handle.describe = async () => {
      await api.orders.updateOne(
        { _id: created.orderId },
        { $set: { status: 'failed', reason: outcome, steps: ['validated', 'published'] } },
      );
      return describe();
    };
    return handle;
  });
  try {
    expect(await getOrder(created.orderId)).toMatchObject({
      status: 'failed',
      reason: outcome,
      steps: ['validated', 'published'],
    });
    expect(spy).toHaveBeenCalledTimes(1);
  } finally {
    spy.mockRestore();
  }
});

it('falls back to the stored status when the workflow does not answer, and refuses to cancel with 503', async () => {
  // Nothing polls this queue: the workflow exists but can answer no query.
  const created = await acceptAndStart(newCustomer(), `it-api-idle-${randomUUID()}`);

  const began = Date.now();
  const view = await getOrder(created.orderId);
  expect(Date.now() - began).toBeLessThan(6_000);
  expect(view.status).toBe('accepted');

  const res = await api.request().post(`/orders/${created.orderId}/cancel`);
  expect(res.status).toBe(503);
  expect(ErrorBody.parse(res.body).error).toBe('unavailable');
  expect(res.headers['retry-after']).toBe('1');
});
