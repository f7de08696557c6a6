/** Charge and refund activities run here, on workers sized and rate-limited to protect the gateway. */
export const PAYMENTS_TASK_QUEUE = 'payments';
