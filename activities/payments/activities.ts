import { ApplicationFailure } from '@temporalio/common';
import {
  GatewayUnavailableError,
  PaymentDeclinedError,
  type PaymentGateway,
} from '../../domain/payments/gateway';

export const PAYMENT_DECLINED = 'PaymentDeclined';
export const GATEWAY_UNAVAILABLE = 'GatewayUnavailable';

export interface ChargeInput {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
}

/** Payment activities; the orderId is the gateway idempotency key, so retries never charge or refund twice. */
export function createPaymentActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    async chargePayment(input: ChargeInput): Promise<{ chargeId: string }> {
      try {
        const charge = await gateway.charge({
          idempotencyKey: input.orderId,
          customerId: input.customerId,
          amountCents: input.amountCents,
          currency: input.currency,
        });
        if (charge.state === 'refunded') {
          throw ApplicationFailure.create({
            type: PAYMENT_DECLINED,
            nonRetryable: true,
            message: 'this order was charged and refunded before; it cannot be charged again',
          });
        }
        return { chargeId: charge.chargeId };
      } catch (err) {
        if (err instanceof PaymentDeclinedError) {
          throw ApplicationFailure.create({
            type: PAYMENT_DECLINED,
            nonRetryable: true,
            message: err.message,
          });
        }
        if (err instanceof GatewayUnavailableError) {
          throw ApplicationFailure.create({ type: GATEWAY_UNAVAILABLE, message: err.message });
        }
        throw err;
      }
    },

    async refundPayment({ orderId }: { orderId: string }): Promise<{ refunded: boolean }> {
      try {
        return await gateway.refund(orderId);
      } catch (err) {
        if (err instanceof GatewayUnavailableError) {
          throw ApplicationFailure.create({ type: GATEWAY_UNAVAILABLE, message: err.message });
        }
        throw err;
      }
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
