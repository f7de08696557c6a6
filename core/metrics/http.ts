import type { Request, RequestHandler } from 'express';
import { Counter, Histogram } from 'prom-client';
import { pathTemplates, templateOf, type PathTemplate } from '../http/path-templates';
import { metricsRegistry } from './registry';

/** The route label of a request no route of the service matched: one value, however many paths are tried. */
export const UNMATCHED_ROUTE = 'unmatched';

const LABELS = ['method', 'route', 'status'] as const;

export const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern (e.g. /orders/{id}) and status code',
  labelNames: LABELS,
  registers: [metricsRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from a request arriving to its response being sent, by method, route pattern and status code; event streams are counted but not timed',
  labelNames: LABELS,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/**
 * The route a request was answered by, as a pattern: the express route that handled it (`/orders/:id` written
 * `/orders/{id}`, like the OpenAPI document), else the service's documented path it falls under (a request refused
 * by authentication before it reached its route), else UNMATCHED_ROUTE. Never the raw path: ids would make a
 * series per order.
 */
function routeOf(req: Request, known: readonly PathTemplate[]): string {
  const matched = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof matched === 'string') {
    return `${req.baseUrl}${matched}`.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
  }
  const path = req.originalUrl.split('?')[0]!;
  return templateOf(known, path)?.route ?? UNMATCHED_ROUTE;
}

/**
 * Counts and times every request: mounted first, so refusals (401, 404, 429) count too. `paths`: the service's
 * OpenAPI paths, naming the route of requests refused before their route ran.
 */
export function httpMetrics(opts: { paths?: Record<string, unknown> } = {}): RequestHandler {
  const known = pathTemplates(opts.paths ?? {});
  return (req, res, next) => {
    const stopTimer = httpRequestDuration.startTimer();
    res.once('close', () => {
      const labels = { method: req.method, route: routeOf(req, known), status: String(res.statusCode) };
      httpRequests.inc(labels);
      // A stream lasts as long as its client stays: its duration is a session, not a latency.
      if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) stopTimer(labels);
    });
    next();
  };
}
