/**
 * The idempotency key of an order's n-th charge (1-based): the orderId, then `<orderId>#2`, `<orderId>#3`, ... An
 * order gets a further charge only when every earlier one was refunded: a run that failed before its capture was
 * confirmed refunds whatever may have been captured, and the operator's retry must then be able to charge again.
 */
export function chargeKey(orderId: string, n: number): string {
  return n === 1 ? orderId : `${orderId}#${n}`;
}
