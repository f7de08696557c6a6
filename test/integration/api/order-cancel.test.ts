import { AcceptedOrder } from '../../../contracts/http/orders/schemas';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';

/** What POST /orders/:id/cancel answers for orders it cannot cancel (the workflow's answer is in api-workflows). */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

describe('POST /orders/:id/cancel', () => {
  it('409s not_started with Retry-After while no workflow exists yet', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    const res = await api
      .request()
      .post(`/orders/${created.orderId}/cancel`)
      .send({ reason: 'changed my mind' });
    const err = expectError(res, 409, 'not_started');
    expect(err.message).toBe('order is accepted but its workflow has not started yet; retry shortly');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('409s not_cancellable for an order that already reached a final status', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    await api.orders.updateOne({ _id: created.orderId }, { $set: { status: 'completed' } });
    const err = expectError(
      await api.request().post(`/orders/${created.orderId}/cancel`),
      409,
      'not_cancellable',
    );
    expect(err.message).toBe('order is completed');
  });

  it('404s an unknown order', async () => {
    const res = await api.request().post('/orders/2b7e1c52-6f6e-4c1a-9a43-3c1e6d0b9f10/cancel');
    expectError(res, 404, 'not_found');
  });

  it('400s an unknown field in the body', async () => {
    const created = AcceptedOrder.parse((await post(orderRequest(newCustomer()))).body);
    const res = await api.request().post(`/orders/${created.orderId}/cancel`).send({ why: 'x' });
    const err = expectError(res, 400, 'validation_failed');
    expect(err.details).toEqual([{ field: 'why', problem: 'unknown field', received: 'x' }]);
  });
});
