import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { authenticate, requireOperator, type Principal, type TokenVerifier } from '../http/auth';
import { metricsRegistry } from './registry';

/** Who a request bearing the scrape token is. */
export const SCRAPER: Principal = { role: 'operator', subject: 'metrics-scraper' };

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may read `/metrics`: an operator's token, verified like every other, or the scrape token (METRICS_TOKEN)
 * that Prometheus is given, compared in constant time. No token: 401; a customer's: 403.
 */
export function metricsAccess(verify: TokenVerifier, scrapeToken: string | undefined): RequestHandler[] {
  const expected = scrapeToken === undefined ? undefined : digest(scrapeToken);
  const scrapeOrVerify: TokenVerifier = async (token) =>
    expected !== undefined && timingSafeEqual(digest(token), expected) ? SCRAPER : verify(token);
  return [authenticate(scrapeOrVerify), requireOperator];
}

/** More exposition text for the same page: the Temporal SDK's own metrics, read from its exporter. */
export type ExtraMetrics = () => Promise<string>;

const extraSources: ExtraMetrics[] = [];

/**
 * Adds a source to every /metrics page this process serves, read at each scrape. For what prom-client does not
 * hold: the Temporal SDK's native core exports its metrics itself (workers/temporal-metrics.ts).
 */
export function addMetricsSource(read: ExtraMetrics): void {
  extraSources.push(read);
}

/** The text exposition of the registry, and of `extra` sources after it (by default, the added ones). */
export function metricsHandler(
  registry: Registry = metricsRegistry,
  extra: readonly ExtraMetrics[] = extraSources,
): RequestHandler {
  return async (_req, res) => {
    const parts = await Promise.all([registry.metrics(), ...extra.map((read) => read())]);
    res
      .set('Content-Type', registry.contentType)
      .set('Cache-Control', 'no-store')
      .send(parts.filter(Boolean).join('\n'));
  };
}

/** `GET /metrics`, guarded: what an HTTP service mounts before its own authentication. */
export function metricsRoute(verify: TokenVerifier, scrapeToken: string | undefined): RequestHandler[] {
  return [...metricsAccess(verify, scrapeToken), metricsHandler()];
}
