/**
 * benchFloorOrder: the shape of processOrder without its business (see queues.ts). Workflow task 1 schedules the
 * charge on the payments queue, task 2 the publish on the order-events queue, task 3 completes the run.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ProcessOrderInput } from '../../../contracts/order-workflow';
import type { FloorActivities } from './activities';
import { FLOOR_TASK_QUEUES } from './queues';

// The same timeouts as the real steps; they only matter if a floor worker dies.
const { chargePayment } = proxyActivities<FloorActivities>({
  taskQueue: FLOOR_TASK_QUEUES.payments,
  startToCloseTimeout: '20 seconds',
});
const { publishOrderProcessed } = proxyActivities<FloorActivities>({
  taskQueue: FLOOR_TASK_QUEUES.orderEvents,
  startToCloseTimeout: '15 seconds',
});

export async function benchFloorOrder(
  input: ProcessOrderInput,
): Promise<{ orderId: string; status: string }> {
  await chargePayment(input);
  await publishOrderProcessed(input);
  return { orderId: input.orderId, status: 'completed' };
}
