import { FINAL_STATUSES, type OrderStatus } from '../../contracts/events';

/** Whether the order has its outcome: nothing about it changes any more, but an operator's retry of a failure. */
export function isFinalStatus(status: OrderStatus): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}
