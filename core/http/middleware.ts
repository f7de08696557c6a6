import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from '../logger';
import { isDatabaseError } from '../mongo/connection';
import { InvalidFieldError } from '../errors';
import { ApiError, unavailable, validationFailed } from './errors';
import { pathTemplates, templateOf } from './path-templates';

/** What body-parser attaches to the errors it raises. */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  length?: number;
}

function bodyError(err: BodyParserError, limitBytes: number): ApiError | BodyParserError {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'malformed_json', `request body is not valid JSON: ${err.message}`);
    case 'entity.too.large':
      return new ApiError(
        413,
        'payload_too_large',
        `request body exceeds the limit of ${limitBytes} bytes` +
          (err.length === undefined ? '' : ` (received ${err.length} bytes)`),
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', err.message);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'bad_request', err.message);
    default:
      return err;
  }
}

/**
 * Parses a JSON body of at most `limitBytes`. A body of any other type is refused with 415 before it is read; a
 * request without a body passes with `req.body` undefined, for the schema to accept (optional body) or name it.
 * Non-object JSON is let through (`strict: false`) so the schema, not the parser, says what was expected.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return (req, res, next) => {
    // null: no body at all; false: a body of another type. An empty body has no type to check.
    const type = req.is('application/json');
    if (type === null || req.get('content-length') === '0') return next();
    if (type === false) {
      return next(
        new ApiError(
          415,
          'unsupported_media_type',
          `expected Content-Type application/json, received ${req.get('content-type') ?? 'none'}`,
        ),
      );
    }
    parse(req, res, (err?: unknown) => next(err ? bodyError(err as BodyParserError, limitBytes) : undefined));
  };
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`));
};

/** Every error becomes JSON; only the unexpected ones are logged, with the error, and answered without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err); // express closes the connection
    const send = (e: ApiError) => void res.set(e.headers).status(e.status).json(e.body());
    if (err instanceof ApiError) return send(err);
    // A value a store refused names its field like a request schema would.
    if (err instanceof InvalidFieldError) return send(validationFailed([err.detail()]));
    if (isDatabaseError(err)) {
      logger.error({ err, method: req.method, path: req.path }, 'database unavailable');
      return send(unavailable('the order store is unavailable; retry shortly'));
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  };
}

/**
 * 405 with an Allow header for a path the service has, asked with a method it does not answer (RFC 9110), instead
 * of the 404 of a path it does not have. `paths` is the service's OpenAPI paths object, so the two cannot disagree.
 */
export function methodNotAllowed(paths: Record<string, unknown>): RequestHandler {
  const known = pathTemplates(paths).map((t) => ({
    ...t,
    methods: t.methods.includes('get') && !t.methods.includes('head') ? [...t.methods, 'head'] : t.methods,
  }));
  return (req, _res, next) => {
    const path = templateOf(known, req.path);
    if (!path || path.methods.includes(req.method.toLowerCase())) return next();
    const { methods } = path;
    const allow = methods.map((m) => m.toUpperCase()).join(', ');
    next(
      new ApiError(
        405,
        'method_not_allowed',
        `${req.method} is not supported on ${req.path}; allowed: ${allow}`,
        undefined,
        {
          Allow: allow,
        },
      ),
    );
  };
}
