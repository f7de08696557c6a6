import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { contextFrom } from '../tracing/propagation';
import { tracer } from '../tracing/spans';

/**
 * A server span per request, child of the caller's `traceparent` when it sends one, active while the request is
 * handled (so what the handlers log and start belongs to it). Named by the route that matched (`POST /orders`),
 * not the path, so spans of the same endpoint group together; ended when the response is sent or the client goes.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const parent = contextFrom(req.headers);
    const span = tracer().startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${req.baseUrl}${route}`);
        span.setAttribute('http.route', `${req.baseUrl}${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('http.response.incomplete', true);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}
