import { ApplicationFailure } from '@temporalio/common';
import { CURRENCIES, type Currency, type FailureReason, type OrderStatus } from '../../contracts/events';
import type { OrderStore } from '../../domain/orders/order-store';
import { priceOrder } from '../../domain/catalogue/pricing';
import type { OrderStep, ProcessOrderInput } from '../../contracts/order-workflow';

export const INVALID_ORDER = 'InvalidOrder';

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_ORDER, nonRetryable: true, message });
}

export interface OrderStatusUpdate {
  orderId: string;
  status: OrderStatus;
  steps: OrderStep[];
  reason: FailureReason | null;
  runId: string;
}

/** Activities on the order record itself. */
export function createOrderActivities({ orders }: { orders: OrderStore }) {
  return {
    /** Re-checks the order against the catalogue as it is now: the API priced it, but prices and SKUs can change. */
    async validateOrder(input: ProcessOrderInput): Promise<void> {
      if (!(CURRENCIES as readonly string[]).includes(input.currency)) {
        throw invalid(`currency ${input.currency} is not sold`);
      }
      if (input.items.length === 0) throw invalid('order has no items');
      const priced = priceOrder(input.currency as Currency, input.items);
      if (!priced.ok) throw invalid(`unknown SKU(s): ${priced.unknownSkus.join(', ')}`);
      if (priced.totalCents !== input.totalCents) {
        throw invalid(`total ${input.totalCents} does not match the catalogue price ${priced.totalCents}`);
      }
    },

    /** Keeps the stored order (what the API lists and filters on) in step with the workflow. */
    async recordOrderStatus(update: OrderStatusUpdate): Promise<void> {
      await orders.recordStatus(update);
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
