import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { OrderIdParams } from '../../contracts/http/orders/schemas';
import type { OrderTraces } from '../../contracts/http/orders/operator-schemas';
import { requireOperator } from '../../core/http/auth';
import { ApiError, parseOrThrow } from '../../core/http/errors';
import { readSpans, traceTree, tracesOfOrder } from '../../core/tracing/trace-files';
import type { AppDeps, RegisterRoutes } from '../deps';

/**
 * GET /ops/orders/:id/trace: the order's traces as the file exporter wrote them (the local default), for the
 * console's trace view. With another exporter the spans are in that backend, not here: 404 says so.
 */
export function orderTrace({ config }: AppDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseOrThrow(OrderIdParams, req.params);
    const { exporter, dir } = config.tracing;
    if (exporter !== 'file') {
      throw new ApiError(
        404,
        'not_found',
        `spans go to the ${exporter} exporter, not to files this API reads: look for order.id=${id} there`,
      );
    }
    const traces = tracesOfOrder(readSpans(dir), id);
    if (traces.length === 0) throw new ApiError(404, 'not_found', `no trace of order ${id} yet`);
    const body: z.infer<typeof OrderTraces> = {
      orderId: id,
      traces: traces.map((spans) => {
        const starts = spans.map((s) => Date.parse(s.startTime));
        const ends = spans.map((s) => Date.parse(s.startTime) + s.durationMs);
        return {
          traceId: spans[0]!.traceId,
          durationMs: Math.max(...ends) - Math.min(...starts),
          spans: traceTree(spans).map(({ span, depth, orphan }) => ({
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? null,
            name: span.name,
            service: span.service,
            startTime: span.startTime,
            durationMs: span.durationMs,
            status: span.status,
            statusMessage: span.statusMessage ?? null,
            depth,
            orphan,
          })),
        };
      }),
    };
    res.json(body);
  };
}

export const orderTraceRoutes: RegisterRoutes = (router, deps) => {
  router.get('/ops/orders/:id/trace', requireOperator, orderTrace(deps));
};
