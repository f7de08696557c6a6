import type { Connection } from 'mongoose';

/** The operator's switch for the simulated gateway, one document, read by every payments worker. */
interface SwitchDoc {
  _id: 'simulator';
  available: boolean;
  reason: string | null;
  updatedAt: Date;
}

export interface GatewayState {
  available: boolean;
  reason: string | null;
  updatedAt: string | null;
}

/** Each worker reads the switch at most this often: a flip reaches every worker within about a second. */
const CACHE_MS = 500;

/**
 * Makes the simulated payment gateway unavailable (every charge and refund fails as a gateway outage) and available
 * again, so an operator can reproduce technical failures on purpose: charges exhaust their retry policy and orders
 * end `failed`, to be retried once the gateway is back. Kept in Mongo, so the API sets it and every payments worker
 * sees it.
 */
export class GatewaySwitch {
  private readonly switches;
  private cached: { state: GatewayState; at: number } | undefined;

  constructor(
    connection: Connection,
    private readonly now: () => number = Date.now,
  ) {
    this.switches = connection.collection<SwitchDoc>('payment_gateway_switch');
  }

  async state(): Promise<GatewayState> {
    if (this.cached && this.now() - this.cached.at < CACHE_MS) return this.cached.state;
    const doc = await this.switches.findOne({ _id: 'simulator' });
    const state: GatewayState = doc
      ? { available: doc.available, reason: doc.reason, updatedAt: doc.updatedAt.toISOString() }
      : { available: true, reason: null, updatedAt: null };
    this.cached = { state, at: this.now() };
    return state;
  }

  async set(available: boolean, reason: string | null = null): Promise<GatewayState> {
    const updatedAt = new Date(this.now());
    await this.switches.updateOne(
      { _id: 'simulator' },
      { $set: { available, reason, updatedAt } },
      { upsert: true },
    );
    const state = { available, reason, updatedAt: updatedAt.toISOString() };
    this.cached = { state, at: this.now() };
    return state;
  }
}
