import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../core/backoff';

/** One order as a real client places it: one Idempotency-Key, POSTed again until the API acknowledges it. */
export interface PlacedOrder {
  index: number;
  key: string;
  sentAt: number;
  attempts: number;
  /** Set once a 202 came back: the order is acknowledged, and the system owes it an outcome. */
  orderId?: string;
  acceptedAt?: number;
  /** Why it was never acknowledged (a 4xx, or the deadline passed). */
  givenUp?: string;
}

export interface ClientOptions {
  api: string;
  /** How long a client keeps retrying one order before it gives up on it. */
  patienceMs: number;
  body: (index: number) => unknown;
  /** The customer's Authorization header value (a fresh token may be minted for a long run). */
  authorization: (index: number) => Promise<string>;
}

/**
 * A client that behaves like a careful real one: a connection error, a timeout or a 5xx is retried with the same
 * Idempotency-Key (so a retry can never make a second order) and a backoff, for as long as its patience lasts; a
 * 4xx is its own mistake and not retried.
 */
export async function placeOrder(index: number, key: string, opts: ClientOptions): Promise<PlacedOrder> {
  const order: PlacedOrder = { index, key, sentAt: Date.now(), attempts: 0 };
  const deadline = order.sentAt + opts.patienceMs;
  for (;;) {
    order.attempts += 1;
    let problem: string;
    let retryAfterMs = 0;
    try {
      const res = await fetch(`${opts.api}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          authorization: await opts.authorization(index),
        },
        body: JSON.stringify(opts.body(index)),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 202) {
        order.orderId = ((await res.json()) as { orderId: string }).orderId;
        order.acceptedAt = Date.now();
        return order;
      }
      problem = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      retryAfterMs = Number(res.headers.get('retry-after') ?? 0) * 1000;
      if (res.status < 500) {
        order.givenUp = problem;
        return order;
      }
    } catch (err) {
      problem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (Date.now() > deadline) {
      order.givenUp = `no acknowledgement within ${opts.patienceMs} ms; last: ${problem}`;
      return order;
    }
    // Jittered, so clients refused together do not come back together; never sooner than the server asked.
    const delay = backoffDelay(order.attempts, { initialMs: 200, maxMs: 5_000 }) * (0.5 + Math.random() / 2);
    await sleep(Math.max(delay, retryAfterMs));
  }
}
