import type { Express, Request, RequestHandler, Response } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Principal } from './auth';
import { ApiError } from './errors';

/**
 * What every HTTP service puts in front of its routes: helmet's headers (no sniffing, no framing, a strict
 * Content-Security-Policy that still lets the Swagger UI run), and CORS closed unless the configuration names the
 * browser origins allowed to call it.
 */
export function secureDefaults(app: Express, opts: { corsOrigins: readonly string[] }): void {
  app.use(securityHeaders());
  app.use(corsAllowlist(opts.corsOrigins));
}

/** helmet's headers: no sniffing, no framing, a strict Content-Security-Policy that still lets the Swagger UI run. */
export function securityHeaders(): RequestHandler {
  return helmet({
    // The Swagger UI loads its own scripts and styles from this origin, and renders images as data: URIs.
    contentSecurityPolicy: {
      directives: { 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"] },
    },
    // HSTS belongs to whoever terminates TLS (the load balancer); on plain-HTTP loopback it would only confuse.
    strictTransportSecurity: false,
  });
}

/**
 * CORS for the configured browser origins, closed (no CORS headers at all) when there are none. It answers the
 * preflight of every route after it: a route with an allowlist of its own (the codec endpoint) goes before it.
 */
export function corsAllowlist(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  return cors({
    origin: [...origins],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
    exposedHeaders: ['Location', 'Retry-After', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
}

/**
 * A budget of requests per caller and minute: per principal once authenticated (so one customer cannot starve the
 * others behind a shared NAT, and rotating IPs does not help a token holder), per client address before that. Over
 * budget: 429 with Retry-After and the RateLimit headers. Counted per process: with N replicas behind a balancer
 * the budget is N times this.
 */
export function rateLimitPerCaller(perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req: Request, res: Response) => {
      const principal = res.locals.principal as Principal | undefined;
      return principal ? `${principal.role}:${principal.subject}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (req, _res, next, options) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      next(
        new ApiError(
          429,
          'rate_limited',
          `more than ${options.limit} requests a minute; slow down and retry after the Retry-After seconds`,
          undefined,
          { 'Retry-After': String(seconds) },
        ),
      );
    },
  });
}

/**
 * Admission control: at most `max` requests served at once; the next ones are refused at once with 503 and
 * Retry-After. Under overload a queue only grows (clients time out and retry while their first request still
 * waits for the database), and a server that works off abandoned requests answers nobody in time; refusing early
 * keeps the requests it does take fast.
 */
export function inFlightLimit(max: number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
      next(
        new ApiError(503, 'overloaded', 'the service is at capacity; retry shortly', undefined, {
          'Retry-After': '1',
        }),
      );
      return;
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}

/** Whether the client of a request has gone (its connection closed): work for it would be done for nobody. */
export function clientGone(req: Request): boolean {
  return req.socket.destroyed;
}
