import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';

export interface ScrapeCacheOptions {
  /** Names the source in the log line of a failure. */
  what: string;
  logger: Logger;
  /** How long a scrape waits for a fresh reading; past it, the scrape gets the last one (default 2 s). */
  timeoutMs?: number;
  /** A reading younger than this is served without asking again (default 5 s). */
  maxAgeMs?: number;
  /** A reading older than this is no longer served: the series disappear rather than lie (default 2 min). */
  staleAfterMs?: number;
  now?: () => number;
}

/**
 * A gauge whose value needs a query (a database count, a Kafka offset) is read on scrape through this: one query at
 * a time, a fresh reading reused for a few seconds, and a scrape that never waits longer than `timeoutMs` nor
 * fails because the source is down. A slow query goes on in the background and serves the next scrape; a failed
 * one is logged once per outage, and the last reading is served until it is `staleAfterMs` old.
 */
export function scrapeCache<T>(
  read: () => Promise<T>,
  opts: ScrapeCacheOptions,
): () => Promise<T | undefined> {
  const { timeoutMs = 2_000, maxAgeMs = 5_000, staleAfterMs = 120_000, now = Date.now } = opts;
  let last: { value: T; at: number } | undefined;
  let inFlight: Promise<void> | undefined;
  let failing = false;

  const refresh = () =>
    read().then(
      (value) => {
        last = { value, at: now() };
        if (failing) opts.logger.info({ source: opts.what }, 'metric source answers again');
        failing = false;
      },
      (err: unknown) => {
        if (!failing) {
          opts.logger.warn(
            { err, source: opts.what },
            'metric source did not answer; its last reading is served',
          );
        }
        failing = true;
      },
    );

  return async () => {
    if (last && now() - last.at < maxAgeMs) return last.value;
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
    const waiting = new AbortController();
    await Promise.race([inFlight, sleep(timeoutMs, undefined, { signal: waiting.signal }).catch(() => {})]);
    waiting.abort();
    return last && now() - last.at < staleAfterMs ? last.value : undefined;
  };
}
