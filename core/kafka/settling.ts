import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_BACKOFF, backoffDelay, type Backoff } from '../backoff';
import type { Logger } from '../logger';

/** How long a start-up step keeps retrying a broker's retriable answers. */
export const START_RETRY_MS = 60_000;

/**
 * Runs a start-up step again while the broker answers with a retriable error (a fresh or restarting broker, or a
 * topic created a moment ago, moves partition leaders and group coordinators for a few seconds), for up to
 * START_RETRY_MS: a service must not fail to start on that.
 */
export async function whileBrokerSettles<R>(
  what: string,
  step: () => Promise<R>,
  opts: { log: Logger; backoff?: Backoff; signal?: AbortSignal },
): Promise<R> {
  const deadline = Date.now() + START_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const retriable = (err as { retriable?: unknown }).retriable === true;
      if (!retriable || Date.now() > deadline || opts.signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, opts.backoff ?? DEFAULT_BACKOFF);
      opts.log.warn(
        { err: (err as Error).message, attempt, delayMs },
        `${what}: broker not ready; will retry`,
      );
      await sleep(delayMs, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
}
