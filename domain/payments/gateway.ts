/**
 * The payment-gateway port. The workflow's activities talk to this interface only; the local system plugs in a
 * simulator, production would plug in a real provider. Every call carries an idempotency key (the orderId), so a
 * retried charge can never charge twice.
 */
export interface ChargeRequest {
  idempotencyKey: string;
  customerId: string;
  amountCents: number;
  currency: string;
}

export interface Charge {
  chargeId: string;
  amountCents: number;
  currency: string;
  state: 'captured' | 'refunded';
}

export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<Charge>;
  /** The charge made under this key, or null when there is none. */
  find(idempotencyKey: string): Promise<Charge | null>;
  /** Refunds the charge made under this key, once; a second refund, or a refund of nothing, is a no-op. */
  refund(idempotencyKey: string): Promise<{ refunded: boolean }>;
}

/** The issuer said no: retrying will not change that. */
export class PaymentDeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

/** The gateway could not be reached or answered with an error: worth retrying. */
export class GatewayUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayUnavailableError';
  }
}
