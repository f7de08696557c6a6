import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Connection } from 'mongoose';
import { createPaymentActivities } from '../../../activities/payments/activities';
import { SimulatedGateway } from '../../../domain/payments/simulated-gateway';
import { loadConfig } from '../../../core/config';
import { connectMongo } from '../../../core/mongo/connection';

describe('payment activities with the simulated gateway (real Mongo ledger)', () => {
  let root: Connection;
  let db: Connection;

  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_pay_${randomUUID().slice(0, 8)}`, { useCache: false });
  });
  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  const settings = {
    latencyMs: 0,
    transientFailureRate: 0,
    declineOverCents: 100_000,
    declineCustomers: ['c-declined'],
  };
  const ledger = () => db.collection('payment_ledger');

  it('charges once per order however often the charge is retried', async () => {
    const { chargePayment } = createPaymentActivities({
      gateway: new SimulatedGateway({ connection: db, settings }),
    });
    const input = { orderId: randomUUID(), customerId: 'c-1', amountCents: 4_200, currency: 'EUR' };
    const results = await Promise.all([chargePayment(input), chargePayment(input), chargePayment(input)]);
    expect(new Set(results.map((r) => r.chargeId)).size).toBe(1);
    expect(await ledger().countDocuments({ _id: input.orderId as never })).toBe(1);
  });

  it('a response lost after capture is retried into the same charge', async () => {
    // random() < rate on the second draw only: the capture happens, then the "response is lost".
    const draws = [0.9, 0.0, 0.9, 0.9];
    const gateway = new SimulatedGateway({
      connection: db,
      settings: { ...settings, transientFailureRate: 0.5 },
      random: () => draws.shift() ?? 0.9,
    });
    const { chargePayment } = createPaymentActivities({ gateway });
    const input = { orderId: randomUUID(), customerId: 'c-2', amountCents: 1_000, currency: 'USD' };
    const first = await chargePayment(input).catch((e: unknown) => e);
    expect(first).toMatchObject({ type: 'GatewayUnavailable', nonRetryable: false });
    const second = await chargePayment(input);
    expect(await ledger().findOne({ _id: input.orderId as never })).toMatchObject({
      chargeId: second.chargeId,
      state: 'captured',
    });
  });

  it.each([
    [{ customerId: 'c-declined', amountCents: 500 }, 'card declined by issuer'],
    [{ customerId: 'c-3', amountCents: 100_001 }, 'amount 100001 exceeds the card limit 100000'],
  ])(
    'declines by rule (%j) with a non-retryable PaymentDeclined and charges nothing',
    async (over, message) => {
      const { chargePayment } = createPaymentActivities({
        gateway: new SimulatedGateway({ connection: db, settings }),
      });
      const input = { orderId: randomUUID(), currency: 'EUR', ...over };
      const failure = await chargePayment(input).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'PaymentDeclined', nonRetryable: true, message });
      expect(await ledger().countDocuments({ _id: input.orderId as never })).toBe(0);
    },
  );

  it('refunds once; a refunded order charged again (a retry) gets one new charge, never two', async () => {
    const { chargePayment, refundPayment } = createPaymentActivities({
      gateway: new SimulatedGateway({ connection: db, settings }),
    });
    const input = { orderId: randomUUID(), customerId: 'c-4', amountCents: 900, currency: 'GBP' };
    const first = await chargePayment(input);
    expect(first.idempotencyKey).toBe(input.orderId);
    expect(await refundPayment({ orderId: input.orderId })).toEqual({ refunded: true });
    expect(await refundPayment({ orderId: input.orderId })).toEqual({ refunded: false });
    expect(await refundPayment({ orderId: randomUUID() })).toEqual({ refunded: false });

    // The operator's retry of the failed, refunded order charges it afresh: retried charges find that one.
    const again = await chargePayment(input);
    expect(again).toEqual({
      chargeId: expect.not.stringMatching(first.chargeId),
      idempotencyKey: `${input.orderId}#2`,
    });
    expect(await chargePayment(input)).toEqual(again);
    const charges = await ledger()
      .find({ _id: { $in: [input.orderId, `${input.orderId}#2`, `${input.orderId}#3`] as never[] } })
      .toArray();
    expect(charges.map((c) => c.state).sort()).toEqual(['captured', 'refunded']);

    // A compensation refunds whatever the order has captured, whichever charge that is.
    expect(await refundPayment({ orderId: input.orderId })).toEqual({ refunded: true });
    const after = await ledger()
      .find({ _id: { $in: [input.orderId, `${input.orderId}#2`] as never[] } })
      .toArray();
    expect(after.map((c) => c.state)).toEqual(['refunded', 'refunded']);
  });
});
