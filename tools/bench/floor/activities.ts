/**
 * The floor's activities: they take what the real charge and publish steps take and do nothing with it, so what
 * they cost is Temporal's share alone (dispatch, payloads, the codec) and none of the business's.
 */
import type { ProcessOrderInput } from '../../../contracts/order-workflow';

export const floorActivities = {
  chargePayment(input: ProcessOrderInput): Promise<{ orderId: string; captured: true }> {
    return Promise.resolve({ orderId: input.orderId, captured: true });
  },
  publishOrderProcessed(input: ProcessOrderInput): Promise<void> {
    void input;
    return Promise.resolve();
  },
};

export type FloorActivities = typeof floorActivities;
