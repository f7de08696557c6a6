import { ApplicationFailure } from '@temporalio/common';
import { chargeKey } from '../../domain/payments/charge-key';
import {
  GatewayUnavailableError,
  PaymentDeclinedError,
  type PaymentGateway,
} from '../../domain/payments/gateway';
import { paymentOutcomes } from './metrics';

export const PAYMENT_DECLINED = 'PaymentDeclined';
export const GATEWAY_UNAVAILABLE = 'GatewayUnavailable';

export interface ChargeInput {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
}

/** Charges refunded and charged anew past this are a loop, not retries. */
const MAX_CHARGES_PER_ORDER = 20;

function unavailable(err: GatewayUnavailableError): ApplicationFailure {
  return ApplicationFailure.create({ type: GATEWAY_UNAVAILABLE, message: err.message });
}

function outcomeOf(err: unknown): 'declined' | 'unavailable' | 'error' {
  if (err instanceof PaymentDeclinedError) return 'declined';
  return err instanceof GatewayUnavailableError ? 'unavailable' : 'error';
}

/**
 * Payment activities. A charge is keyed by the order (chargeKey), so a retried charge never charges twice: it finds
 * the order's live (captured) charge, or makes the next one when every earlier charge was refunded. Whatever an
 * order has captured is refunded together, so a compensation never misses a capture whose response was lost.
 */
export function createPaymentActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    async chargePayment(input: ChargeInput): Promise<{ chargeId: string; idempotencyKey: string }> {
      try {
        for (let n = 1; n <= MAX_CHARGES_PER_ORDER; n++) {
          const idempotencyKey = chargeKey(input.orderId, n);
          const charge = await gateway.charge({
            idempotencyKey,
            customerId: input.customerId,
            amountCents: input.amountCents,
            currency: input.currency,
          });
          if (charge.state === 'captured') {
            paymentOutcomes.inc({ operation: 'charge', outcome: 'captured' });
            return { chargeId: charge.chargeId, idempotencyKey };
          }
          // Refunded: an earlier run's charge, given back when that run failed. This run charges afresh.
        }
        paymentOutcomes.inc({ operation: 'charge', outcome: 'declined' });
        throw ApplicationFailure.create({
          type: PAYMENT_DECLINED,
          nonRetryable: true,
          message: `this order was charged and refunded ${MAX_CHARGES_PER_ORDER} times; it is not charged again`,
        });
      } catch (err) {
        if (!(err instanceof ApplicationFailure)) {
          paymentOutcomes.inc({ operation: 'charge', outcome: outcomeOf(err) });
        }
        if (err instanceof PaymentDeclinedError) {
          throw ApplicationFailure.create({
            type: PAYMENT_DECLINED,
            nonRetryable: true,
            message: err.message,
          });
        }
        if (err instanceof GatewayUnavailableError) throw unavailable(err);
        throw err;
      }
    },

    /** Refunds every captured charge of the order, once; refunding an order with none is a no-op. */
    async refundPayment({ orderId }: { orderId: string }): Promise<{ refunded: boolean }> {
      try {
        let refunded = false;
        for (let n = 1; n <= MAX_CHARGES_PER_ORDER; n++) {
          const key = chargeKey(orderId, n);
          const charge = await gateway.find(key);
          if (!charge) break;
          if (charge.state === 'captured' && (await gateway.refund(key)).refunded) refunded = true;
        }
        paymentOutcomes.inc({ operation: 'refund', outcome: refunded ? 'refunded' : 'nothing_to_refund' });
        return { refunded };
      } catch (err) {
        paymentOutcomes.inc({ operation: 'refund', outcome: outcomeOf(err) });
        if (err instanceof GatewayUnavailableError) throw unavailable(err);
        throw err;
      }
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
