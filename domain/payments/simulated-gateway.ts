import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Config } from '../../core/config';
import { isDuplicateKey } from '../../core/mongo/connection';
import {
  GatewayUnavailableError,
  PaymentDeclinedError,
  type Charge,
  type ChargeRequest,
  type PaymentGateway,
} from './gateway';
import type { GatewaySwitch } from './gateway-switch';

interface LedgerDoc {
  _id: string; // idempotency key
  chargeId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  state: 'captured' | 'refunded';
  capturedAt: Date;
  refundedAt: Date | null;
}

export interface SimulatorOptions {
  connection: Connection;
  settings: Config['payments'];
  /** The operator's on/off switch; absent means always on. */
  gatewaySwitch?: Pick<GatewaySwitch, 'state'>;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A payment gateway simulator with the behaviour that matters to the saga: latency, declines by rule, and
 * transient failures — some before the capture, some after it (the response lost on the way back), which is
 * exactly the case idempotency keys exist for. Its ledger lives in Mongo (`payment_ledger`) so charges survive
 * worker restarts and can be inspected.
 */
export class SimulatedGateway implements PaymentGateway {
  private readonly ledger;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SimulatorOptions) {
    this.ledger = options.connection.collection<LedgerDoc>('payment_ledger');
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async latency(): Promise<void> {
    const base = this.options.settings.latencyMs;
    if (base > 0) await this.sleep(Math.round(base * (0.5 + this.random())));
  }

  /** Switched off by an operator: every call fails as an outage would, before touching the ledger. */
  private async checkSwitchedOn(): Promise<void> {
    const state = await this.options.gatewaySwitch?.state();
    if (state && !state.available) {
      throw new GatewayUnavailableError(
        `payment gateway switched off by an operator${state.reason ? `: ${state.reason}` : ''}`,
      );
    }
  }

  private transientFailure(): boolean {
    return this.random() < this.options.settings.transientFailureRate;
  }

  async charge(request: ChargeRequest): Promise<Charge> {
    await this.latency();
    await this.checkSwitchedOn();
    const existing = await this.ledger.findOne({ _id: request.idempotencyKey });
    if (existing) return toCharge(existing);

    if (this.transientFailure()) throw new GatewayUnavailableError('gateway timed out before capturing');
    const { declineCustomers, declineOverCents } = this.options.settings;
    if (declineCustomers.includes(request.customerId))
      throw new PaymentDeclinedError('card declined by issuer');
    if (request.amountCents > declineOverCents) {
      throw new PaymentDeclinedError(
        `amount ${request.amountCents} exceeds the card limit ${declineOverCents}`,
      );
    }

    const doc: LedgerDoc = {
      _id: request.idempotencyKey,
      chargeId: `ch_${randomUUID()}`,
      customerId: request.customerId,
      amountCents: request.amountCents,
      currency: request.currency,
      state: 'captured',
      capturedAt: new Date(),
      refundedAt: null,
    };
    try {
      await this.ledger.insertOne(doc);
    } catch (err) {
      // A concurrent attempt with the same key captured first: that capture is the charge.
      if (!isDuplicateKey(err)) throw err;
      return toCharge((await this.ledger.findOne({ _id: request.idempotencyKey }))!);
    }
    if (this.transientFailure())
      throw new GatewayUnavailableError('gateway captured but the response was lost');
    return toCharge(doc);
  }

  async find(idempotencyKey: string): Promise<Charge | null> {
    await this.latency();
    await this.checkSwitchedOn();
    const doc = await this.ledger.findOne({ _id: idempotencyKey });
    return doc ? toCharge(doc) : null;
  }

  async refund(idempotencyKey: string): Promise<{ refunded: boolean }> {
    await this.latency();
    await this.checkSwitchedOn();
    if (this.transientFailure()) throw new GatewayUnavailableError('gateway timed out before refunding');
    const r = await this.ledger.updateOne(
      { _id: idempotencyKey, state: 'captured' },
      { $set: { state: 'refunded', refundedAt: new Date() } },
    );
    return { refunded: r.modifiedCount === 1 };
  }
}

function toCharge(doc: LedgerDoc): Charge {
  return { chargeId: doc.chargeId, amountCents: doc.amountCents, currency: doc.currency, state: doc.state };
}
